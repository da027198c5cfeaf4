import assert from "node:assert/strict";
import {
  ANNOTATION_POD_FREEZE,
  CREATED_BY_SANDBOX,
  LABEL_CREATED_BY,
  type Pod,
} from "@kruise-agents/shared/api";
import {
  awaitsStopConfirmation,
  freezeRequested,
  isOwnPod,
  terminationGraceMs,
  wantsInterpreter,
} from "./pod_spec.ts";

function pod(extra: Partial<Pod> = {}, meta: Partial<Pod["metadata"]> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "ns", ...meta },
    spec: { containers: [{ name: "main" }] },
    ...extra,
  };
}

Deno.test("isOwnPod: bound to this node, or unbound and created by a Sandbox", () => {
  const sandboxLabels = { [LABEL_CREATED_BY]: CREATED_BY_SANDBOX };
  assert.equal(isOwnPod(pod({ spec: { containers: [], nodeName: "local" } }), "local"), true);
  assert.equal(
    isOwnPod(
      pod({ spec: { containers: [], nodeName: "other" } }, { labels: sandboxLabels }),
      "local",
    ),
    false,
  );
  assert.equal(isOwnPod(pod({}, { labels: sandboxLabels }), "local"), true);
  assert.equal(isOwnPod(pod(), "local"), false);
});

Deno.test("wantsInterpreter: a port, probe or PORT env of 49999 turns the interpreter on", () => {
  assert.equal(wantsInterpreter(pod()), false);
  assert.equal(
    wantsInterpreter(
      pod({ spec: { containers: [{ name: "m", ports: [{ containerPort: 49999 }] }] } }),
    ),
    true,
  );
  assert.equal(
    wantsInterpreter(
      pod({
        spec: {
          containers: [{ name: "m", startupProbe: { httpGet: { path: "/health", port: 49999 } } }],
        },
      }),
    ),
    true,
  );
  assert.equal(
    wantsInterpreter(
      pod({ spec: { containers: [{ name: "m", env: [{ name: "PORT", value: "49999" }] }] } }),
    ),
    true,
  );
  assert.equal(
    wantsInterpreter(
      pod({ spec: { containers: [{ name: "m", env: [{ name: "PORT", value: "8080" }] }] } }),
    ),
    false,
  );
});

Deno.test("freezeRequested() reads the freeze annotation", () => {
  assert.equal(
    freezeRequested(pod({}, { annotations: { [ANNOTATION_POD_FREEZE]: "true" } })),
    true,
  );
  assert.equal(
    freezeRequested(pod({}, { annotations: { [ANNOTATION_POD_FREEZE]: "false" } })),
    false,
  );
});

Deno.test("a Terminating pod of this node gets its grace period and needs its stop confirmed", () => {
  const terminating = (grace: number | undefined, nodeName = "local") =>
    pod({ spec: { containers: [], nodeName } }, {
      deletionTimestamp: "2030-01-01T00:00:05Z",
      ...(grace === undefined ? {} : { deletionGracePeriodSeconds: grace }),
    });
  const cases: [string, Pod | undefined, number, boolean][] = [
    ["gone", undefined, 0, false],
    ["running", pod({ spec: { containers: [], nodeName: "local" } }), 0, false],
    ["terminating for 5 s", terminating(5), 5000, true],
    ["held by finalizers only", terminating(0), 0, false],
    ["marked without a grace period", terminating(undefined), 0, false],
    ["another node's", terminating(5, "other"), 5000, false],
  ];
  for (const [what, p, graceMs, confirm] of cases) {
    assert.equal(terminationGraceMs(p), graceMs, what);
    assert.equal(awaitsStopConfirmation(p, "local"), confirm, what);
  }
});
