import {
  ANNOTATION_PAUSE_MEMORY,
  CONDITION_POD_FROZEN,
  type Sandbox,
  type SandboxPhase,
  type SandboxStatus,
} from "@kruise-agents/shared/api";
import assert from "node:assert/strict";
import type { Pod } from "@kruise-agents/shared/api";
import { computeSandboxStatus } from "./status.ts";

const NOW = Date.UTC(2030, 0, 1, 0, 0, 0);
const T0 = "2029-12-31T00:00:00Z";
const TNOW = "2030-01-01T00:00:00Z";

function sandbox(
  phase: SandboxPhase | undefined,
  paused = false,
  extra: SandboxStatus = {},
): Sandbox {
  return {
    apiVersion: "agents.kruise.io/v1alpha1",
    kind: "Sandbox",
    metadata: { name: "s", namespace: "ns", uid: "u", generation: 2 },
    spec: { paused, template: { spec: { containers: [{ name: "main" }] } } },
    status: { ...(phase ? { phase } : {}), ...extra },
  };
}

function withStrategy(sb: Sandbox, type: "Freeze" | "Stop" | "Hibernate"): Sandbox {
  return { ...sb, spec: { ...sb.spec, pauseStrategy: { type } } };
}

function pod(phase: string, ready: boolean, frozen?: boolean): Pod {
  const conditions = [{ type: "Ready", status: ready ? "True" : "False" }];
  if (frozen !== undefined) {
    conditions.push({ type: CONDITION_POD_FROZEN, status: frozen ? "True" : "False" });
  }
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "s", namespace: "ns", uid: "pod-uid", labels: { "pod-template-hash": "h" } },
    spec: { nodeName: "local", containers: [] },
    status: { phase, podIP: "127.0.0.7", conditions },
  };
}

interface Case {
  name: string;
  sandbox: Sandbox;
  pod: Pod | undefined;
  podCreateError?: string;
  phase: SandboxPhase;
  /** `type=status/reason` of every condition, in order. */
  conditions: string[];
  message?: string;
}

const cond = (type: string, status: string, reason: string) => ({
  type,
  status: status as "True" | "False",
  reason,
  message: "",
  lastTransitionTime: T0,
});

const cases: Case[] = [
  {
    name: "1. new Sandbox, no Pod yet",
    sandbox: sandbox(undefined),
    pod: undefined,
    phase: "Pending",
    conditions: [],
  },
  {
    name: "2. Pod create failed",
    sandbox: sandbox(undefined),
    pod: undefined,
    podCreateError: "quota exceeded",
    phase: "Pending",
    conditions: ["Ready=False/PodCreateFailed"],
    message: "quota exceeded",
  },
  {
    name: "3. Pod Pending",
    sandbox: sandbox("Pending"),
    pod: pod("Pending", false),
    phase: "Pending",
    conditions: ["Ready=False/PodReady"],
  },
  {
    name: "4. Pod Running and Ready",
    sandbox: sandbox("Pending"),
    pod: pod("Running", true),
    phase: "Running",
    conditions: ["Ready=True/PodReady"],
  },
  {
    name: "5. Pod gone while Running",
    sandbox: sandbox("Running"),
    pod: undefined,
    phase: "Failed",
    conditions: ["Ready=False/PodReady"],
    message: "Pod Not Found",
  },
  {
    name: "6. Pod Failed",
    sandbox: sandbox("Running"),
    pod: pod("Failed", false),
    phase: "Failed",
    conditions: ["Ready=False/PodReady"],
    message: "Pod Failed",
  },
  {
    name: "7. Failed is terminal",
    sandbox: sandbox("Failed"),
    pod: pod("Running", true),
    phase: "Failed",
    conditions: [],
  },
  {
    name: "8. paused, not frozen yet",
    sandbox: sandbox("Running", true),
    pod: pod("Running", true, false),
    phase: "Running",
    conditions: ["Ready=True/PodReady", "SandboxPaused=False/Pending"],
  },
  {
    name: "9. paused and frozen: the Freeze strategy applied",
    sandbox: sandbox("Running", true),
    pod: pod("Running", true, true),
    phase: "Paused",
    conditions: ["Ready=True/PodReady", "SandboxPaused=True/FreezePauseSucceed"],
  },
  {
    name: "9b. paused on a node with no freezer (no Frozen condition): Stop by default",
    sandbox: sandbox("Running", true),
    pod: pod("Running", true),
    phase: "Paused",
    conditions: ["Ready=False/PodReady", "SandboxPaused=False/Pending"],
  },
  {
    name: "9c. Freeze asked on a node with no freezer: refused at once",
    sandbox: withStrategy(sandbox("Running", true), "Freeze"),
    pod: pod("Running", true),
    phase: "Running",
    conditions: ["Ready=True/PodReady", "SandboxPaused=False/PauseUnsupported"],
  },
  {
    name: "9d. Stop asked on a node that can freeze: Stop, the pod to be deleted",
    sandbox: withStrategy(sandbox("Running", true), "Stop"),
    pod: pod("Running", true, false),
    phase: "Paused",
    conditions: ["Ready=False/PodReady", "SandboxPaused=False/Pending"],
  },
  {
    name: "9e. a pause asking memory: false is Stop whatever the node can do",
    sandbox: {
      ...sandbox("Running", true),
      metadata: { name: "s", annotations: { [ANNOTATION_PAUSE_MEMORY]: "false" } },
    },
    pod: pod("Running", true, false),
    phase: "Paused",
    conditions: ["Ready=False/PodReady", "SandboxPaused=False/Pending"],
  },
  {
    name: "9f. Hibernate: refused",
    sandbox: withStrategy(sandbox("Running", true), "Hibernate"),
    pod: pod("Running", true, false),
    phase: "Running",
    conditions: ["Ready=True/PodReady", "SandboxPaused=False/PauseUnsupported"],
  },
  {
    name: "9g. Stop: the pod still being deleted",
    sandbox: sandbox("Paused", true, { conditions: [cond("SandboxPaused", "False", "Pending")] }),
    pod: { ...pod("Running", true, false), metadata: { name: "s", deletionTimestamp: TNOW } },
    phase: "Paused",
    conditions: ["SandboxPaused=False/Pending", "Ready=False/PodReady"],
  },
  {
    name: "9h. Stop: the pod gone, the pause done (not Pod Not Found)",
    sandbox: sandbox("Paused", true, { conditions: [cond("SandboxPaused", "False", "Pending")] }),
    pod: undefined,
    phase: "Paused",
    conditions: ["SandboxPaused=True/StopPauseSucceed", "Ready=False/PodReady"],
  },
  {
    name: "9i. Stop: resume asked, the pod to be recreated",
    sandbox: sandbox("Paused", false, {
      conditions: [cond("SandboxPaused", "True", "StopPauseSucceed")],
    }),
    pod: undefined,
    phase: "Resuming",
    conditions: [
      "SandboxPaused=True/StopPauseSucceed",
      "SandboxResumed=False/CreatePod",
      "Ready=False/PodReady",
    ],
  },
  {
    name: "9j. Stop: the recreated pod not running yet",
    sandbox: sandbox("Resuming", false, {
      conditions: [
        cond("SandboxPaused", "True", "StopPauseSucceed"),
        cond("SandboxResumed", "False", "CreatePod"),
      ],
    }),
    pod: pod("Pending", false),
    phase: "Resuming",
    conditions: [
      "SandboxPaused=True/StopPauseSucceed",
      "SandboxResumed=False/CreatePod",
      "Ready=False/PodReady",
    ],
  },
  {
    name: "9k. Stop: the recreated pod runs, resumed",
    sandbox: sandbox("Resuming", false, {
      conditions: [
        cond("SandboxPaused", "True", "StopPauseSucceed"),
        cond("SandboxResumed", "False", "CreatePod"),
      ],
    }),
    pod: pod("Running", true, false),
    phase: "Running",
    conditions: ["SandboxResumed=True/ResumePod", "Ready=True/PodReady"],
  },
  {
    name: "9l. Stop: paused again while the pod is recreated",
    sandbox: sandbox("Resuming", true, {
      conditions: [
        cond("SandboxPaused", "True", "StopPauseSucceed"),
        cond("SandboxResumed", "False", "CreatePod"),
      ],
    }),
    pod: pod("Pending", false),
    phase: "Paused",
    conditions: ["SandboxPaused=False/Pending", "Ready=False/PodReady"],
  },
  {
    name: "10. resume asked, still frozen",
    sandbox: sandbox("Paused", false, { conditions: [cond("SandboxPaused", "True", "Succeeded")] }),
    pod: pod("Running", true, true),
    phase: "Resuming",
    conditions: [
      "SandboxPaused=True/Succeeded",
      "Ready=True/PodReady",
      "SandboxResumed=False/ResumePod",
    ],
  },
  {
    name: "11. resumed: thawed",
    sandbox: sandbox("Resuming", false, {
      conditions: [
        cond("SandboxPaused", "True", "Succeeded"),
        cond("SandboxResumed", "False", "ResumePod"),
      ],
    }),
    pod: pod("Running", true, false),
    phase: "Running",
    conditions: ["SandboxResumed=True/ResumePod", "Ready=True/PodReady"],
  },
  {
    name: "12. resumed: Frozen condition absent counts as thawed",
    sandbox: sandbox("Paused", false, { conditions: [cond("SandboxPaused", "True", "Succeeded")] }),
    pod: pod("Running", true),
    phase: "Running",
    conditions: ["Ready=True/PodReady", "SandboxResumed=True/ResumePod"],
  },
  {
    name: "13. a never-paused Running Sandbox gets no SandboxResumed",
    sandbox: sandbox("Running"),
    pod: pod("Running", true, false),
    phase: "Running",
    conditions: ["Ready=True/PodReady"],
  },
];

for (const c of cases) {
  Deno.test(`computeSandboxStatus() ${c.name}`, () => {
    const status = computeSandboxStatus({
      sandbox: c.sandbox,
      pod: c.pod,
      podCreateError: c.podCreateError,
      nowMs: NOW,
    });
    assert.deepEqual(status.phase, c.phase, "phase");
    assert.deepEqual(
      (status.conditions ?? []).map((x) => `${x.type}=${x.status}/${x.reason}`),
      c.conditions,
      "conditions",
    );
    assert.deepEqual(status.message, c.message, "message");
  });
}

Deno.test("computeSandboxStatus() mirrors the Pod into podInfo, sandboxIp and updateRevision", () => {
  const status = computeSandboxStatus({
    sandbox: sandbox("Pending"),
    pod: pod("Running", true),
    nowMs: NOW,
  });
  assert.deepEqual(status.podInfo, {
    labels: { "pod-template-hash": "h" },
    nodeName: "local",
    podIP: "127.0.0.7",
    podUID: "pod-uid",
  });
  assert.deepEqual(status.sandboxIp, "127.0.0.7");
  assert.deepEqual(status.nodeName, "local");
  assert.deepEqual(status.updateRevision, "h");
  assert.deepEqual(status.observedGeneration, 2);
});

Deno.test("computeSandboxStatus() keeps a condition's transition time while its status holds", () => {
  const first = computeSandboxStatus({
    sandbox: sandbox("Pending"),
    pod: pod("Running", true),
    nowMs: NOW,
  });
  assert.deepEqual(first.conditions?.[0]?.lastTransitionTime, TNOW);
  const again = computeSandboxStatus({
    sandbox: { ...sandbox("Running"), status: first },
    pod: pod("Running", true),
    nowMs: NOW + 3_600_000,
  });
  assert.deepEqual(again, first, "an unchanged world yields an identical status (so no write)");
  const flipped = computeSandboxStatus({
    sandbox: { ...sandbox("Running"), status: first },
    pod: pod("Running", false),
    nowMs: NOW + 3_600_500,
  });
  assert.deepEqual(flipped.conditions?.[0]?.lastTransitionTime, "2030-01-01T01:00:00Z");
});

Deno.test("computeSandboxStatus() says why a pause cannot happen, in SandboxPaused's message", () => {
  const message = (sb: Sandbox, p: Pod) =>
    computeSandboxStatus({ sandbox: sb, pod: p, nowMs: NOW }).conditions
      ?.find((c) => c.type === "SandboxPaused")?.message;
  assert.equal(
    message(withStrategy(sandbox("Running", true), "Freeze"), pod("Running", true)),
    "node local cannot freeze pods: no node agent reports on this pod",
  );
  assert.equal(
    message(withStrategy(sandbox("Running", true), "Hibernate"), pod("Running", true, false)),
    "pause strategy Hibernate is not implemented; Freeze and Stop are",
  );
});
