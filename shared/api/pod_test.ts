import assert from "node:assert/strict";
import { isPodReady, isPodTerminating, parsePod, type Pod, podConditionStatus } from "./pod.ts";

function pod(metadata: Pod["metadata"] = {}, status?: unknown): Pod {
  return parsePod({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "ns", ...metadata },
    spec: { containers: [{ name: "main" }] },
    ...(status === undefined ? {} : { status }),
  });
}

Deno.test("isPodTerminating() is true once the pod has a deletionTimestamp", () => {
  assert.equal(isPodTerminating(pod({ deletionTimestamp: "2024-01-01T00:00:00Z" })), true);
  assert.equal(isPodTerminating(pod()), false);
});

Deno.test("isPodReady() and podConditionStatus() read the pod's reported conditions", () => {
  const ready = pod({}, { conditions: [{ type: "Ready", status: "True" }] });
  assert.equal(isPodReady(ready), true);
  assert.equal(podConditionStatus(ready, "Ready"), "True");
  const notReady = pod({}, { conditions: [{ type: "Ready", status: "False" }] });
  assert.equal(isPodReady(notReady), false);
  assert.equal(isPodReady(pod()), false, "no status yet");
  assert.equal(podConditionStatus(pod(), "Ready"), undefined);
});
