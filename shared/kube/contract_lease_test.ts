// The KubeClient contract (see contract_test.ts) for coordination.k8s.io/v1 Leases, the object
// leader election is built on: create, get, optimistic update (one winner of two racing writers),
// no unconditional update, MicroTime timestamps, and the API server's validation, on both backends.
import assert from "node:assert/strict";
import { type Lease, LEASE_API_VERSION, parseLease } from "../api/lease.ts";
import { isConflict, LEASES } from "./client.ts";
import { isKubeApiError } from "./_test_util.ts";
import { type Behaviour, runContract } from "./_contract_kit.ts";
import { rfc3339Micro } from "../std/time.ts";

function lease(ns: string, name: string, spec: Lease["spec"]): Lease {
  return { apiVersion: LEASE_API_VERSION, kind: "Lease", metadata: { name, namespace: ns }, spec };
}

const BEHAVIOURS: Behaviour[] = [
  {
    name:
      "Leases: create() and get() keep the spec with MicroTimes; no generation, no status subresource",
    async run({ client, ns }) {
      const now = rfc3339Micro(Date.now());
      const created = parseLease(
        await client.create(
          LEASES,
          lease(ns, "leader", {
            holderIdentity: "a_1",
            leaseDurationSeconds: 15,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: 0,
          }),
        ),
      );
      assert.deepEqual(created.spec, {
        holderIdentity: "a_1",
        leaseDurationSeconds: 15,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      });
      assert.equal(created.metadata.generation, undefined);
      const got = parseLease(await client.get(LEASES, ns, "leader"));
      assert.deepEqual(got.spec, created.spec);
      assert.equal(got.metadata.resourceVersion, created.metadata.resourceVersion);
      await assert.rejects(client.updateStatus(LEASES, got), isKubeApiError(404, "NotFound"));
      const empty = parseLease(await client.create(LEASES, { ...lease(ns, "empty", {}) }));
      assert.deepEqual(empty.spec, {});
    },
  },
  {
    name:
      "Leases: update() is optimistic: of two writers from one read exactly one wins, the other gets 409 Conflict",
    async run({ client, ns }) {
      const read = parseLease(
        await client.create(
          LEASES,
          lease(ns, "race", { holderIdentity: "", leaseDurationSeconds: 1 }),
        ),
      );
      const take = (holder: string) =>
        client.update(LEASES, {
          ...read,
          spec: {
            holderIdentity: holder,
            leaseDurationSeconds: 15,
            acquireTime: rfc3339Micro(Date.now()),
            renewTime: rfc3339Micro(Date.now()),
            leaseTransitions: 1,
          },
        });
      const results = await Promise.allSettled([take("a_1"), take("b_2")]);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r) => r.status === "rejected");
      assert.equal(won.length, 1, "exactly one writer wins");
      assert.equal(lost.length, 1);
      assert.ok(isConflict((lost[0] as PromiseRejectedResult).reason));
      const stored = parseLease(await client.get(LEASES, ns, "race"));
      const winner = parseLease((won[0] as PromiseFulfilledResult<unknown>).value);
      assert.equal(stored.spec.holderIdentity, winner.spec.holderIdentity);
      assert.notEqual(stored.metadata.resourceVersion, read.metadata.resourceVersion);
      // Without a resourceVersion the write is refused, not applied blindly.
      await assert.rejects(
        client.update(LEASES, {
          ...stored,
          metadata: { name: "race", namespace: ns },
          spec: { holderIdentity: "c_3" },
        }),
        isKubeApiError(422, "Invalid"),
      );
    },
  },
  {
    name:
      "Leases: a time that is not a MicroTime is 400 BadRequest, a non-positive duration 422 Invalid; offsets are stored in UTC",
    async run({ client, ns }) {
      await assert.rejects(
        client.create(LEASES, lease(ns, "millis", { renewTime: new Date().toISOString() })),
        isKubeApiError(400, "BadRequest"),
      );
      await assert.rejects(
        client.create(LEASES, lease(ns, "seconds", { acquireTime: "2030-01-01T00:00:00Z" })),
        isKubeApiError(400, "BadRequest"),
      );
      await assert.rejects(
        client.create(LEASES, lease(ns, "zero", { leaseDurationSeconds: 0 })),
        isKubeApiError(422, "Invalid"),
      );
      await assert.rejects(
        client.create(LEASES, lease(ns, "negative", { leaseTransitions: -1 })),
        isKubeApiError(422, "Invalid"),
      );
      const offset = parseLease(
        await client.create(
          LEASES,
          lease(ns, "offset", { renewTime: "2030-01-01T02:00:00.123456+02:00" }),
        ),
      );
      assert.equal(offset.spec.renewTime, "2030-01-01T00:00:00.123456Z");
    },
  },
];

runContract(BEHAVIOURS);
