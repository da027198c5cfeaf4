// The KubeClient contract (see contract_test.ts) for deletion: finalizers, preconditions, garbage
// collection of dependents, and the graceful deletion of Pods bound to a node, on both backends.
// Garbage collection is asynchronous on a cluster, so those steps poll with a bounded wait
// (`eventually`). There is no kubelet on the test cluster: the tests confirm a Terminating Pod's
// deletion themselves, with grace 0, as a kubelet does once its containers are gone.
import assert from "node:assert/strict";
import {
  isConflict,
  type KubeClient,
  type KubeObject,
  PODS,
  SANDBOX_SETS,
  SANDBOXES,
} from "./client.ts";
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

/** A Pod `name` in `ns`, bound to a node (so a kubelet would run it) unless `nodeName` is "". */
function pod(ns: string, name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns },
    spec: { nodeName: "node-a", containers: [{ name: "main", image: "busybox" }], ...spec },
  };
}

/** The deletion mark of Pod `name`: [deletionTimestamp in ms, deletionGracePeriodSeconds]. */
async function mark(client: KubeClient, ns: string, name: string): Promise<[number, number]> {
  const { metadata } = await client.get(PODS, ns, name);
  assert.ok(metadata.deletionTimestamp, `pod ${name} is Terminating`);
  return [Date.parse(metadata.deletionTimestamp), metadata.deletionGracePeriodSeconds ?? -1];
}

/** Asserts `at` (ms) is `seconds` after a moment in [before, after], at whole-second precision. */
function assertAfter(at: number, seconds: number, before: number, after: number): void {
  const low = Math.floor(before / 1000) * 1000 + seconds * 1000;
  assert.ok(at >= low && at <= after + seconds * 1000, `${new Date(at).toISOString()}`);
}

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
  {
    name:
      "delete() of a Pod on a node marks it Terminating for the grace period; only a shorter one moves it; 0 removes it",
    async run({ client, ns }) {
      const created = await client.create(PODS, pod(ns, "graceful"));
      const before = Date.now();
      await client.delete(PODS, ns, "graceful", { gracePeriodSeconds: 20 });
      const after = Date.now();
      const [at, seconds] = await mark(client, ns, "graceful");
      assert.equal(seconds, 20);
      assertAfter(at, 20, before, after);
      const marked = await client.get(PODS, ns, "graceful");
      assert.equal(marked.metadata.generation, (created.metadata.generation ?? 0) + 1);
      // The kubelet reports on the pod while it stops it: the write does not complete the delete.
      await client.updateStatus(PODS, { ...marked, status: { phase: "Running" } });
      const rv = (await client.get(PODS, ns, "graceful")).metadata.resourceVersion;
      // A longer grace period, or none, changes nothing.
      await client.delete(PODS, ns, "graceful", { gracePeriodSeconds: 30 });
      await client.delete(PODS, ns, "graceful");
      assert.equal((await client.get(PODS, ns, "graceful")).metadata.resourceVersion, rv);
      assert.deepEqual(await mark(client, ns, "graceful"), [at, 20]);
      // A shorter one moves deletionTimestamp earlier by the difference.
      await client.delete(PODS, ns, "graceful", { gracePeriodSeconds: 5 });
      assert.deepEqual(await mark(client, ns, "graceful"), [at - 15_000, 5]);
      // The kubelet's confirmation, for this very pod.
      await client.delete(PODS, ns, "graceful", {
        gracePeriodSeconds: 0,
        preconditions: { uid: created.metadata.uid },
      });
      assert.equal(await exists(client, PODS, ns, "graceful"), false);
    },
  },
  {
    name:
      "delete() of a Pod uses its terminationGracePeriodSeconds (else 30, and 1 for a negative one); an unbound or finished Pod goes at once",
    async run({ client, ns }) {
      await client.create(PODS, pod(ns, "own", { terminationGracePeriodSeconds: 3 }));
      await client.create(PODS, pod(ns, "default"));
      await client.create(PODS, pod(ns, "negative"));
      await client.delete(PODS, ns, "own");
      await client.delete(PODS, ns, "default");
      await client.delete(PODS, ns, "negative", { gracePeriodSeconds: -1 });
      assert.equal((await mark(client, ns, "own"))[1], 3);
      assert.equal((await mark(client, ns, "default"))[1], 30);
      assert.equal((await mark(client, ns, "negative"))[1], 1, "a negative grace counts as 1");
      await client.create(PODS, pod(ns, "unbound", { nodeName: "" }));
      await client.delete(PODS, ns, "unbound", { gracePeriodSeconds: 10 });
      assert.equal(await exists(client, PODS, ns, "unbound"), false);
      const finished = await client.create(PODS, pod(ns, "finished"));
      await client.updateStatus(PODS, { ...finished, status: { phase: "Failed" } });
      await client.delete(PODS, ns, "finished", { gracePeriodSeconds: 10 });
      assert.equal(await exists(client, PODS, ns, "finished"), false);
      for (const name of ["own", "default", "negative"]) {
        await client.delete(PODS, ns, name, { gracePeriodSeconds: 0 });
      }
    },
  },
  {
    name:
      "garbage collection of a Pod on a node marks it Terminating with its own grace period; finalizers outlast grace 0",
    async run({ client, ns }) {
      const owner = await client.create(SANDBOXES, sandbox(ns, "owner"));
      await client.create(PODS, {
        ...pod(ns, "owned", { terminationGracePeriodSeconds: 7 }),
        metadata: {
          name: "owned",
          namespace: ns,
          ownerReferences: [ownedBy(owner)],
          finalizers: ["example.com/hold"],
        },
      });
      await client.delete(SANDBOXES, ns, "owner");
      await eventually(async () => {
        const { metadata } = await client.get(PODS, ns, "owned");
        return metadata.deletionTimestamp !== undefined;
      }, "the GC to delete the pod");
      assert.equal((await mark(client, ns, "owned"))[1], 7);
      // Grace 0 ends the grace period, and the finalizer still holds the pod.
      const before = Date.now();
      await client.delete(PODS, ns, "owned", { gracePeriodSeconds: 0 });
      const [at, seconds] = await mark(client, ns, "owned");
      assert.equal(seconds, 0);
      assert.ok(at <= before + 1000, "deletionTimestamp moved to now");
      await client.patch(PODS, ns, "owned", { metadata: { finalizers: null } });
      await eventually(async () => !(await exists(client, PODS, ns, "owned")), "the pod to go");
    },
  },
];

runContract(BEHAVIOURS);
