import assert from "node:assert/strict";
import {
  ANNOTATION_POD_FREEZE,
  CREATED_BY_SANDBOX,
  isPodTerminating,
  LABEL_CREATED_BY,
  type Pod,
} from "@kruise-agents/shared/api";
import { freezeRequested, isOwnPod, wantsInterpreter } from "./pod_spec.ts";

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

Deno.test("freeze and termination are read from metadata", () => {
  assert.equal(
    freezeRequested(pod({}, { annotations: { [ANNOTATION_POD_FREEZE]: "true" } })),
    true,
  );
  assert.equal(
    freezeRequested(pod({}, { annotations: { [ANNOTATION_POD_FREEZE]: "false" } })),
    false,
  );
  assert.equal(isPodTerminating(pod({}, { deletionTimestamp: "2024-01-01T00:00:00Z" })), true);
  assert.equal(isPodTerminating(pod()), false);
});
