import assert from "node:assert/strict";
import type { Pod, Sandbox } from "@kruise-agents/shared/api";
import { cpuDrift, resizeOutcome, resizePatch, sameCpu } from "./inplace_resize.ts";

function sandbox(cpu: Record<string, unknown>, asked = true): Sandbox {
  return {
    apiVersion: "agents.kruise.io/v1alpha1",
    kind: "Sandbox",
    metadata: {
      name: "s",
      annotations: asked ? { "e2b.agents.kruise.io/cpu-limit": "2" } : {},
    },
    spec: {
      template: {
        spec: { containers: [{ name: "main", image: "i", resources: cpu }] },
      },
    },
  };
}

function pod(spec: Record<string, unknown>, status?: Record<string, unknown>, extra = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "s" },
    spec: {
      containers: [
        { name: "main", image: "i", resources: spec },
        { name: "side", image: "j" },
      ],
    },
    status: {
      phase: "Running",
      ...extra,
      containerStatuses: [{ name: "main", ...(status ? { resources: status } : {}) }],
    },
  };
}

const ASK = { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2" } };
const OLD = { requests: { cpu: "250m", memory: "1Gi" }, limits: { cpu: "1", memory: "2Gi" } };

Deno.test("sameCpu() compares amounts, not spellings", () => {
  assert.ok(sameCpu({ limits: "1" }, { limits: "1000m" }));
  assert.ok(!sameCpu({ limits: "1" }, { limits: "1", requests: "1" }));
  assert.ok(!sameCpu({ requests: "0.5" }, { requests: "501m" }));
});

Deno.test("cpuDrift() only for a Sandbox a create asked to resize", () => {
  assert.deepEqual(cpuDrift(sandbox(ASK), pod(OLD)), {
    name: "main",
    cpu: { requests: "500m", limits: "2" },
  });
  assert.equal(
    cpuDrift(sandbox(ASK, false), pod(OLD)),
    undefined,
    "a template change is no resize",
  );
  assert.equal(
    cpuDrift(sandbox(ASK), pod({ requests: { cpu: "0.5" }, limits: { cpu: "2000m" } })),
    undefined,
  );
});

Deno.test("resizePatch() changes the main container's CPU only, keeping memory and the others", () => {
  const patch = resizePatch(pod(OLD), { name: "main", cpu: { requests: "500m", limits: "2" } });
  assert.deepEqual(patch, {
    spec: {
      containers: [
        {
          name: "main",
          image: "i",
          resources: {
            requests: { cpu: "500m", memory: "1Gi" },
            limits: { cpu: "2", memory: "2Gi" },
          },
        },
        { name: "side", image: "j" },
      ],
    },
  });
  // A limit no longer asked for is removed (and an emptied map with it).
  const dropped = resizePatch(pod({ limits: { cpu: "1" } }), {
    name: "main",
    cpu: { requests: "1" },
  });
  const main = (dropped.spec as { containers: { resources: unknown }[] }).containers[0];
  assert.deepEqual(main?.resources, { requests: { cpu: "1" } });
});

Deno.test("resizeOutcome() reads the resize from the Pod: updating, succeeded, failed", () => {
  const cases: [string, Sandbox, Pod, string][] = [
    ["nothing asked", sandbox(ASK, false), pod(OLD), "none"],
    ["spec not patched yet", sandbox(ASK), pod(OLD, OLD), "updating"],
    ["patched, the node not there yet", sandbox(ASK), pod(ASK, OLD), "updating"],
    [
      "the node reports it",
      sandbox(ASK),
      pod(ASK, { requests: { cpu: "0.5" }, limits: { cpu: "2" } }),
      "succeeded",
    ],
    [
      "infeasible",
      sandbox(ASK),
      pod(ASK, OLD, {
        conditions: [{
          type: "PodResizePending",
          status: "True",
          reason: "Infeasible",
          message: "Node didn't have enough capacity",
        }],
      }),
      "failed",
    ],
    [
      "deferred is still updating",
      sandbox(ASK),
      pod(ASK, OLD, {
        conditions: [{ type: "PodResizePending", status: "True", reason: "Deferred" }],
      }),
      "updating",
    ],
  ];
  for (const [name, s, p, want] of cases) assert.equal(resizeOutcome(s, p).state, want, name);
  const failed = resizeOutcome(
    sandbox(ASK),
    pod(ASK, OLD, {
      conditions: [{
        type: "PodResizeInProgress",
        status: "True",
        reason: "Error",
        message: "runtime said no",
      }],
    }),
  );
  assert.deepEqual(failed, { state: "failed", message: "Error: runtime said no" });
});
