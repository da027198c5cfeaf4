import assert from "node:assert/strict";
import { parseLease } from "./lease.ts";

Deno.test("parseLease() types the leader-election members and keeps the rest verbatim", () => {
  const lease = parseLease({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: "l", namespace: "ns", resourceVersion: "7" },
    spec: { holderIdentity: null, leaseDurationSeconds: 15, strategy: "OldestEmulationVersion" },
  });
  assert.deepEqual(lease.spec, { leaseDurationSeconds: 15, strategy: "OldestEmulationVersion" });
  assert.deepEqual(
    parseLease({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: {} }).spec,
    {},
  );
});

Deno.test("parseLease() throws TypeError naming the field that does not match", () => {
  const base = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "l" } };
  assert.throws(() => parseLease({ ...base, kind: "Pod" }), TypeError);
  assert.throws(
    () => parseLease({ ...base, spec: { leaseDurationSeconds: "15" } }),
    /Lease\.spec\.leaseDurationSeconds/,
  );
  assert.throws(() => parseLease({ ...base, spec: { renewTime: 5 } }), /Lease\.spec\.renewTime/);
});
