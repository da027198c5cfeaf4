import assert from "node:assert/strict";
import type { Pod } from "@kruise-agents/shared/api";
import { podGraceSeconds, podToRelease } from "./pod_deletion.ts";

function pod(spec: Record<string, unknown>, meta: Partial<Pod["metadata"]> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "s1",
      namespace: "ns",
      ownerReferences: [{
        apiVersion: "agents.kruise.io/v1alpha1",
        kind: "Sandbox",
        name: "s1",
        uid: "u1",
        controller: true,
      }],
      ...meta,
    },
    spec: { containers: [], ...spec },
  };
}

Deno.test("podGraceSeconds() is the pod's own grace period, at most 5 s (30 s when unset)", () => {
  assert.equal(podGraceSeconds(pod({})), 5);
  assert.equal(podGraceSeconds(pod({ terminationGracePeriodSeconds: 60 })), 5);
  assert.equal(podGraceSeconds(pod({ terminationGracePeriodSeconds: 2 })), 2);
  assert.equal(podGraceSeconds(pod({ terminationGracePeriodSeconds: 0 })), 0);
});

Deno.test("podToRelease() names the owning Sandbox while a delete would still shorten something", () => {
  const terminating = (grace: number, spec: Record<string, unknown> = {}) =>
    pod(spec, { deletionTimestamp: "2030-01-01T00:00:30Z", deletionGracePeriodSeconds: grace });
  const owner = { name: "s1", uid: "u1" };
  const cases: [string, Pod, typeof owner | undefined][] = [
    ["running", pod({}), owner],
    ["Terminating with the garbage collector's 30 s", terminating(30), owner],
    ["Terminating with 5 s", terminating(5), undefined],
    [
      "Terminating with its own 2 s",
      terminating(2, { terminationGracePeriodSeconds: 2 }),
      undefined,
    ],
    ["not a Sandbox's", pod({}, { ownerReferences: [] }), undefined],
  ];
  for (const [what, p, want] of cases) assert.deepEqual(podToRelease(p), want, what);
});
