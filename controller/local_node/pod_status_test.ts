import assert from "node:assert/strict";
import { CONDITION_POD_FROZEN } from "@kruise-agents/shared/api";
import {
  podStatusFor,
  REASON_RUNTIME_EXITED,
  sameStatus,
  type SandboxObservation,
} from "./pod_status.ts";

const running: SandboxObservation = {
  phase: "Running",
  podIP: "127.77.0.1",
  hostIP: "127.0.0.1",
  startTime: "2024-01-01T00:00:00Z",
  ready: false,
  frozen: false,
};

function cond(status: ReturnType<typeof podStatusFor>, type: string) {
  return status.conditions?.find((c) => c.type === type);
}

Deno.test("Running with podIP; Ready flips with its transition time, others keep theirs", () => {
  const t0 = Date.UTC(2024, 0, 1, 0, 0, 1), t1 = t0 + 1000;
  const first = podStatusFor(running, undefined, t0);
  assert.equal(first.phase, "Running");
  assert.equal(first.podIP, "127.77.0.1");
  assert.deepEqual(first.podIPs, [{ ip: "127.77.0.1" }]);
  assert.equal(cond(first, "Ready")?.status, "False");
  const second = podStatusFor({ ...running, ready: true }, first, t1);
  assert.equal(cond(second, "Ready")?.status, "True");
  assert.equal(cond(second, "Ready")?.lastTransitionTime, "2024-01-01T00:00:02Z");
  assert.equal(cond(second, "PodScheduled")?.lastTransitionTime, "2024-01-01T00:00:01Z");
  assert.equal(cond(second, CONDITION_POD_FROZEN)?.status, "False");
  assert.equal(sameStatus(second, podStatusFor({ ...running, ready: true }, second, t1)), true);
  assert.equal(sameStatus(first, second), false);
});

Deno.test("Frozen is reported as its own condition; Failed is never Ready", () => {
  const frozen = podStatusFor({ ...running, ready: true, frozen: true }, undefined, 0);
  assert.equal(cond(frozen, CONDITION_POD_FROZEN)?.status, "True");
  const failed = podStatusFor(
    { ...running, ready: true, phase: "Failed", reason: REASON_RUNTIME_EXITED, message: "gone" },
    frozen,
    1000,
  );
  assert.equal(failed.phase, "Failed");
  assert.equal(failed.reason, REASON_RUNTIME_EXITED);
  assert.equal(cond(failed, "Ready")?.status, "False");
  assert.equal(cond(failed, "Ready")?.reason, REASON_RUNTIME_EXITED);
});

Deno.test("sameStatus ignores key order and undefined fields", () => {
  assert.equal(
    sameStatus({ phase: "Running", podIP: "a" }, {
      podIP: "a",
      phase: "Running",
      message: undefined,
    }),
    true,
  );
  assert.equal(sameStatus({ phase: "Running" }, { phase: "Failed" }), false);
});
