// The KubeClient contract (see contract_test.ts) for deletion: finalizers, preconditions and
// garbage collection of dependents, on both backends. Garbage collection is asynchronous on a
// cluster, so those steps poll with a bounded wait (`eventually`).
import assert from "node:assert/strict";
import { isConflict, type KubeObject, PODS, SANDBOX_SETS, SANDBOXES } from "./client.ts";
import { isKubeApiError } from "./_test_util.ts";
import {
  type Behaviour,
  eventually,
  exists,
  ownedBy,
  runContract,
  sandbox,
  sandboxSet,
} from "./_contract_kit.ts";

const BEHAVIOURS: Behaviour[] = [
  {
    name: "delete() with finalizers sets deletionTimestamp; removing the last finalizer deletes",
    async run({ client, ns }) {
      const created = await client.create<KubeObject>(SANDBOXES, {
        ...sandbox(ns, "f"),
        metadata: { name: "f", namespace: ns, finalizers: ["example.com/a", "example.com/b"] },
      });
      await client.delete(SANDBOXES, ns, "f");
      const marked = await client.get(SANDBOXES, ns, "f");
      assert.ok(marked.metadata.deletionTimestamp, "deletionTimestamp is set");
      assert.deepEqual(marked.metadata.finalizers, ["example.com/a", "example.com/b"]);
      assert.notEqual(marked.metadata.resourceVersion, created.metadata.resourceVersion);
      await assert.rejects(
        client.update(SANDBOXES, {
          ...marked,
          metadata: { ...marked.metadata, finalizers: ["example.com/a", "example.com/b", "new/c"] },
        }),
        isKubeApiError(422, "Invalid"),
      );
      const one = await client.update(SANDBOXES, {
        ...marked,
        metadata: { ...marked.metadata, finalizers: ["example.com/b"] },
      });
      assert.deepEqual(one.metadata.finalizers, ["example.com/b"]);
      assert.equal(one.metadata.deletionTimestamp, marked.metadata.deletionTimestamp);
      await client.patch(SANDBOXES, ns, "f", { metadata: { finalizers: null } });
      assert.equal(await exists(client, SANDBOXES, ns, "f"), false);
    },
  },
  {
    name: "delete() honours uid and resourceVersion preconditions",
    async run({ client, ns }) {
      const v1 = await client.create(SANDBOXES, sandbox(ns, "pre"));
      await assert.rejects(
        client.delete(SANDBOXES, ns, "pre", { preconditions: { uid: crypto.randomUUID() } }),
        isKubeApiError(409, "Conflict"),
      );
      const v2 = await client.patch(SANDBOXES, ns, "pre", { metadata: { labels: { v: "2" } } });
      await assert.rejects(
        client.delete(SANDBOXES, ns, "pre", {
          preconditions: { resourceVersion: v1.metadata.resourceVersion },
        }),
        isConflict,
      );
      await client.delete(SANDBOXES, ns, "pre", {
        preconditions: { uid: v1.metadata.uid, resourceVersion: v2.metadata.resourceVersion },
      });
      assert.equal(await exists(client, SANDBOXES, ns, "pre"), false);
    },
  },
  {
    name: "delete() of an owner garbage-collects its dependents recursively",
    async run({ client, ns }) {
      const set = await client.create(SANDBOX_SETS, sandboxSet(ns, "pool"));
      const other = await client.create(SANDBOX_SETS, sandboxSet(ns, "other"));
      const child = await client.create(SANDBOXES, {
        ...sandbox(ns, "child"),
        metadata: {
          name: "child",
          namespace: ns,
          ownerReferences: [{ ...ownedBy(set), controller: true }],
        },
      });
      await client.create(PODS, {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "child", namespace: ns, ownerReferences: [ownedBy(child)] },
        spec: { containers: [{ name: "main", image: "busybox" }] },
      });
      await client.create(SANDBOXES, {
        ...sandbox(ns, "shared"),
        metadata: {
          name: "shared",
          namespace: ns,
          ownerReferences: [ownedBy(set), ownedBy(other)],
        },
      });
      const pod = await client.get(PODS, ns, "child");
      assert.equal((pod.status as { phase?: string }).phase, "Pending");
      await client.delete(SANDBOX_SETS, ns, "pool");
      await eventually(
        async () => !(await exists(client, SANDBOXES, ns, "child")),
        "the Sandbox GC",
      );
      await eventually(async () => !(await exists(client, PODS, ns, "child")), "the Pod GC");
      // An object with another owner left stays, without the reference to the deleted owner.
      await eventually(async () => {
        const shared = await client.get(SANDBOXES, ns, "shared");
        return shared.metadata.ownerReferences?.length === 1;
      }, "the dangling reference to go");
      const shared = await client.get(SANDBOXES, ns, "shared");
      assert.deepEqual(shared.metadata.ownerReferences?.map((r) => r.name), ["other"]);
    },
  },
];

runContract(BEHAVIOURS);
