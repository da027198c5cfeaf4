// One table of KubeClient behaviours, run against both backends: the embedded store and a real
// kube-apiserver + etcd + kube-controller-manager (hack/kube.sh through kubeEnv(), with the CRDs of
// charts/ applied). Whatever passes here behaves the same on a laptop and on a cluster. Each test
// works in its own namespace. Garbage collection and namespace deletion are asynchronous on a
// cluster, so those steps poll with a bounded wait (`eventually`); the embedded store passes the
// first check.
import assert from "node:assert/strict";
import {
  isAlreadyExists,
  isConflict,
  isGone,
  isNotFound,
  type KubeClient,
  type KubeObject,
  NAMESPACES,
  PODS,
  type Resource,
  SANDBOX_SETS,
  SANDBOXES,
  SECRETS,
  type WatchEvent,
} from "./client.ts";
import { EmbeddedStore } from "./embedded_store.ts";
import { createKubernetesClient } from "./kubernetes_client.ts";
import { isKubeApiError } from "./_test_util.ts";
import { kubeEnvWithCrds } from "../testing/kube_env.ts";

const SERVICE_ACCOUNTS: Resource = {
  apiVersion: "v1",
  kind: "ServiceAccount",
  plural: "serviceaccounts",
  namespaced: true,
};

/** What a behaviour gets: a client and a fresh namespace that exists. */
interface Ctx {
  client: KubeClient;
  ns: string;
}

interface Backend {
  name: string;
  /** Sanitizers off for the cluster: client-node keeps pooled connections across tests. */
  sanitize: boolean;
  open(): Promise<Ctx & { close(): Promise<void> }>;
}

let cluster: Promise<KubeClient> | undefined;

function kubernetes(): Promise<KubeClient> {
  cluster ??= (async () => {
    const env = await kubeEnvWithCrds();
    return createKubernetesClient({ kubeconfigPath: env.kubeconfig });
  })();
  return cluster;
}

const BACKENDS: Backend[] = [
  {
    name: "EmbeddedStore",
    sanitize: true,
    async open() {
      // A short history, so that the "very old resourceVersion" behaviour can outrun it.
      const client = await EmbeddedStore.open({ historyLimit: 20 });
      const ns = `contract-${crypto.randomUUID().slice(0, 8)}`;
      await client.create(NAMESPACES, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: ns },
      });
      return { client, ns, close: () => client.close() };
    },
  },
  {
    name: "createKubernetesClient",
    sanitize: false,
    async open() {
      const client = await kubernetes();
      const ns = `contract-${crypto.randomUUID().slice(0, 8)}`;
      await client.create(NAMESPACES, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: ns },
      });
      // Pods are refused until the serviceaccount controller has made the default account.
      await eventually(() => exists(client, SERVICE_ACCOUNTS, ns, "default"));
      return {
        client,
        ns,
        close: () => client.delete(NAMESPACES, "", ns).catch(() => {}),
      };
    },
  },
];

/** Polls `check` until it holds, for at most 30 s (eventual consistency of a real cluster). */
async function eventually(check: () => Promise<boolean>, what = "condition"): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function exists(
  client: KubeClient,
  resource: Resource,
  ns: string,
  name: string,
): Promise<boolean> {
  try {
    await client.get(resource, ns, name);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** The next watch event, waiting at most 30 s for the server to deliver it. */
async function nextEvent(
  events: AsyncIterator<WatchEvent<KubeObject>>,
): Promise<WatchEvent<KubeObject>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("No watch event within 30 s")), 30_000);
  });
  try {
    const next = await Promise.race([events.next(), timeout]);
    assert.equal(next.done, false, "the watch ended");
    return next.value as WatchEvent<KubeObject>;
  } finally {
    clearTimeout(timer);
  }
}

function sandbox(
  ns: string,
  name: string,
  labels: Record<string, string> = {},
  extra: Partial<KubeObject> = {},
): KubeObject {
  return {
    apiVersion: SANDBOXES.apiVersion,
    kind: SANDBOXES.kind,
    metadata: { name, namespace: ns, labels },
    spec: { template: { spec: { containers: [{ name: "main", image: "busybox" }] } } },
    ...extra,
  };
}

function sandboxSet(ns: string, name: string): KubeObject {
  return {
    apiVersion: SANDBOX_SETS.apiVersion,
    kind: SANDBOX_SETS.kind,
    metadata: { name, namespace: ns },
    spec: { replicas: 0, template: { spec: { containers: [{ name: "main", image: "busybox" }] } } },
  };
}

function ownedBy(
  owner: KubeObject,
): { apiVersion: string; kind: string; name: string; uid: string } {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
  };
}

const BEHAVIOURS: { name: string; run(ctx: Ctx): Promise<void> }[] = [
  {
    name: "create() sets uid, creationTimestamp, resourceVersion and generation; get() returns it",
    async run({ client, ns }) {
      const created = await client.create(
        SANDBOXES,
        sandbox(ns, "a", { app: "x" }, { status: { phase: "Running" } }),
      );
      assert.equal(created.metadata.name, "a");
      assert.equal(created.metadata.namespace, ns);
      assert.match(created.metadata.uid ?? "", /^[0-9a-f-]{36}$/);
      assert.match(created.metadata.creationTimestamp ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.match(created.metadata.resourceVersion ?? "", /^\d+$/);
      assert.equal(created.metadata.generation, 1);
      assert.equal(created.status, undefined, "status is not set through create");
      const got = await client.get(SANDBOXES, ns, "a");
      assert.deepEqual(
        { ...got, metadata: { ...got.metadata, managedFields: undefined } },
        { ...created, metadata: { ...created.metadata, managedFields: undefined } },
      );
      assert.equal(got.apiVersion, SANDBOXES.apiVersion);
      assert.equal(got.kind, "Sandbox");
    },
  },
  {
    name: "create() of an existing name is AlreadyExists; a missing object is NotFound everywhere",
    async run({ client, ns }) {
      await client.create(SANDBOXES, sandbox(ns, "dup"));
      await assert.rejects(client.create(SANDBOXES, sandbox(ns, "dup")), isAlreadyExists);
      await assert.rejects(
        client.create(SANDBOXES, sandbox(ns, "dup")),
        isKubeApiError(409, "AlreadyExists"),
      );
      await assert.rejects(client.get(SANDBOXES, ns, "missing"), isKubeApiError(404, "NotFound"));
      const ghost = {
        ...sandbox(ns, "missing"),
        metadata: { name: "missing", namespace: ns, resourceVersion: "1" },
      };
      await assert.rejects(client.update(SANDBOXES, ghost), isNotFound);
      await assert.rejects(client.updateStatus(SANDBOXES, ghost), isNotFound);
      await assert.rejects(client.patch(SANDBOXES, ns, "missing", { spec: {} }), isNotFound);
      await assert.rejects(client.delete(SANDBOXES, ns, "missing"), isNotFound);
    },
  },
  {
    name: "create() with generateName appends 5 random lowercase alphanumerics",
    async run({ client, ns }) {
      const object = sandbox(ns, "");
      object.metadata = { generateName: "pool-", namespace: ns };
      const a = await client.create(SANDBOXES, object);
      const b = await client.create(SANDBOXES, object);
      assert.match(a.metadata.name ?? "", /^pool-[a-z0-9]{5}$/);
      assert.match(b.metadata.name ?? "", /^pool-[a-z0-9]{5}$/);
      assert.notEqual(a.metadata.name, b.metadata.name);
      assert.equal(a.metadata.generateName, "pool-");
    },
  },
  {
    name: "create() rejects an invalid name with 422 Invalid",
    async run({ client, ns }) {
      await assert.rejects(
        client.create(SANDBOXES, sandbox(ns, "Bad_Name")),
        isKubeApiError(422, "Invalid"),
      );
    },
  },
  {
    name: "list() filters by namespace and by label selector",
    async run({ client, ns }) {
      const run = crypto.randomUUID().slice(0, 8);
      await client.create(SANDBOXES, sandbox(ns, "s1", { run, app: "a", tier: "x" }));
      await client.create(SANDBOXES, sandbox(ns, "s2", { run, app: "b" }));
      await client.create(SANDBOXES, sandbox(ns, "s3", { run }));
      async function names(labelSelector: string, namespace: string | undefined = ns) {
        const list = await client.list(SANDBOXES, { namespace, labelSelector });
        return list.items.map((i) => i.metadata.name).sort();
      }
      assert.deepEqual(await names(`run=${run}`), ["s1", "s2", "s3"]);
      assert.deepEqual(await names(`run=${run},app=a`), ["s1"]);
      assert.deepEqual(await names(`run=${run},app!=a`), ["s2", "s3"]);
      assert.deepEqual(await names(`run=${run},app`), ["s1", "s2"]);
      assert.deepEqual(await names(`run=${run},!app`), ["s3"]);
      assert.deepEqual(await names(`run=${run},app in (a,b)`), ["s1", "s2"]);
      assert.deepEqual(await names(`run=${run},app notin (a)`), ["s2", "s3"]);
      assert.deepEqual(await names(`run=${run}`, undefined), ["s1", "s2", "s3"], "all namespaces");
      assert.deepEqual(await names(`run=${run}`, `${ns}-other`), []);
      const all = await client.list(SANDBOXES, { namespace: ns });
      assert.equal(all.items.length, 3);
      assert.match(all.resourceVersion, /^\d+$/);
      await assert.rejects(
        client.list(SANDBOXES, { labelSelector: "a in (" }),
        isKubeApiError(400, "BadRequest"),
      );
    },
  },
  {
    name: "update() with a stale resourceVersion is 409 Conflict; a fresh one succeeds",
    async run({ client, ns }) {
      const v1 = await client.create(SANDBOXES, sandbox(ns, "c"));
      const v2 = await client.update(SANDBOXES, {
        ...v1,
        spec: { ...v1.spec as object, paused: true },
      });
      assert.notEqual(v2.metadata.resourceVersion, v1.metadata.resourceVersion);
      await assert.rejects(
        client.update(SANDBOXES, { ...v1, spec: { paused: false } }),
        (error) => {
          assert.ok(isConflict(error));
          assert.match(
            (error as Error).message,
            /^Operation cannot be fulfilled on sandboxes\.agents\.kruise\.io "c": the object has been modified; please apply your changes to the latest version and try again$/,
          );
          return true;
        },
      );
      await assert.rejects(
        client.updateStatus(SANDBOXES, { ...v1, status: { phase: "X" } }),
        isConflict,
      );
      const v3 = await client.update(SANDBOXES, {
        ...v2,
        metadata: { ...v2.metadata, labels: { l: "1" } },
      });
      assert.deepEqual(v3.metadata.labels, { l: "1" });
    },
  },
  {
    name:
      "update() ignores status, updateStatus() ignores spec; generation counts spec changes only",
    async run({ client, ns }) {
      const v1 = await client.create(SANDBOXES, sandbox(ns, "st"));
      const v2 = await client.updateStatus(SANDBOXES, {
        ...v1,
        spec: { ...v1.spec as object, paused: true },
        metadata: { ...v1.metadata, labels: { ignored: "yes" } },
        status: { phase: "Running", sandboxIp: "127.1.0.1" },
      });
      assert.deepEqual(v2.status, { phase: "Running", sandboxIp: "127.1.0.1" });
      assert.deepEqual(v2.spec, v1.spec);
      assert.deepEqual(v2.metadata.labels ?? {}, {});
      assert.equal(v2.metadata.generation, 1, "a status write does not move generation");
      const v3 = await client.update(SANDBOXES, {
        ...v2,
        spec: { ...v2.spec as object, paused: true },
        status: { phase: "Failed" },
      });
      assert.deepEqual(v3.status, { phase: "Running", sandboxIp: "127.1.0.1" });
      assert.equal((v3.spec as { paused?: boolean }).paused, true);
      assert.equal(v3.metadata.generation, 2);
      const v4 = await client.update(SANDBOXES, {
        ...v3,
        metadata: { ...v3.metadata, labels: { only: "metadata" } },
      });
      assert.equal(v4.metadata.generation, 2, "a metadata change does not move generation");
      const same = await client.update(SANDBOXES, v4);
      assert.equal(same.metadata.resourceVersion, v4.metadata.resourceVersion, "no-op write");
    },
  },
  {
    name:
      "patch() applies a JSON merge patch to metadata and spec, not status; a stale resourceVersion conflicts",
    async run({ client, ns }) {
      const v1 = await client.create(SANDBOXES, sandbox(ns, "p", { keep: "1", drop: "1" }));
      const v2 = await client.patch(SANDBOXES, ns, "p", {
        metadata: { labels: { drop: null, added: "2" }, annotations: { a: "b" } },
        spec: { paused: true },
        status: { phase: "Ignored" },
      });
      assert.deepEqual(v2.metadata.labels, { keep: "1", added: "2" });
      assert.deepEqual(v2.metadata.annotations, { a: "b" });
      assert.equal((v2.spec as { paused?: boolean }).paused, true);
      assert.deepEqual(
        (v2.spec as { template?: unknown }).template,
        (v1.spec as { template?: unknown }).template,
      );
      assert.equal(v2.status, undefined);
      assert.equal(v2.metadata.generation, 2);
      await assert.rejects(
        client.patch(SANDBOXES, ns, "p", {
          metadata: { resourceVersion: v1.metadata.resourceVersion, labels: { x: "y" } },
        }),
        isConflict,
      );
      const v3 = await client.patch(SANDBOXES, ns, "p", {
        metadata: { resourceVersion: v2.metadata.resourceVersion, labels: { x: "y" } },
      });
      assert.equal(v3.metadata.labels?.x, "y");
    },
  },
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
    name: "watch() from a list's resourceVersion delivers ADDED, MODIFIED, DELETED in order",
    async run({ client, ns }) {
      await client.create(SANDBOXES, sandbox(ns, "before"));
      const list = await client.list(SANDBOXES, { namespace: ns });
      const controller = new AbortController();
      const events = client.watch(SANDBOXES, {
        namespace: ns,
        resourceVersion: list.resourceVersion,
        signal: controller.signal,
      })[Symbol.asyncIterator]();
      const selected = client.watch(SANDBOXES, {
        namespace: ns,
        labelSelector: "watched=yes",
        resourceVersion: list.resourceVersion,
        signal: controller.signal,
      })[Symbol.asyncIterator]();
      try {
        const created = await client.create(SANDBOXES, sandbox(ns, "w"));
        const updated = await client.patch(SANDBOXES, ns, "w", {
          metadata: { labels: { watched: "yes" } },
        });
        const unlabelled = await client.patch(SANDBOXES, ns, "w", {
          metadata: { labels: { watched: null } },
        });
        await client.delete(SANDBOXES, ns, "w");
        const seen = [];
        for (let i = 0; i < 4; i++) {
          const e = await nextEvent(events);
          seen.push([e.type, e.object.metadata.name, e.object.metadata.resourceVersion]);
        }
        assert.deepEqual(seen.slice(0, 3), [
          ["ADDED", "w", created.metadata.resourceVersion],
          ["MODIFIED", "w", updated.metadata.resourceVersion],
          ["MODIFIED", "w", unlabelled.metadata.resourceVersion],
        ]);
        assert.deepEqual(seen[3]!.slice(0, 2), ["DELETED", "w"]);
        // A selector watch sees the object enter (ADDED) and leave (DELETED) the selection.
        const enter = await nextEvent(selected);
        const leave = await nextEvent(selected);
        assert.deepEqual([enter.type, enter.object.metadata.name], ["ADDED", "w"]);
        assert.deepEqual([leave.type, leave.object.metadata.name], ["DELETED", "w"]);
      } finally {
        controller.abort();
      }
      assert.equal((await events.next()).done, true, "the signal ends the watch");
    },
  },
  {
    name: "watch() from a very old resourceVersion fails with 410 Gone",
    async run({ client, ns }) {
      // Move the history on past its limit (the embedded store keeps 20 events here; the API
      // server's watch cache starts well after resourceVersion 1 anyway).
      await client.create(SANDBOXES, sandbox(ns, "old"));
      for (let i = 0; i < 50; i++) {
        await client.patch(SANDBOXES, ns, "old", { metadata: { labels: { i: String(i) } } });
      }
      const events = client.watch(SANDBOXES, { namespace: ns, resourceVersion: "1" });
      await assert.rejects(
        (async () => {
          for await (const _ of events) { /* a Gone watch delivers nothing */ }
        })(),
        (error) => isGone(error) && isKubeApiError(410, "Gone")(error),
      );
    },
  },
  {
    name: "Namespaces are cluster-scoped and get the server's defaults",
    async run({ client, ns }) {
      const got = await client.get(NAMESPACES, "", ns);
      assert.equal(got.metadata.namespace, undefined);
      assert.equal(got.metadata.labels?.["kubernetes.io/metadata.name"], ns);
      assert.equal((got.status as { phase?: string }).phase, "Active");
      const names = (await client.list(NAMESPACES)).items.map((n) => n.metadata.name);
      assert.ok(names.includes(ns));
    },
  },
  {
    name: "Secrets fold stringData into base64 data and have no status subresource",
    async run({ client, ns }) {
      const secret = await client.create<KubeObject>(SECRETS, {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "keys", namespace: ns },
        stringData: { key: "e2b_00ff" },
      });
      assert.deepEqual(secret.data, { key: btoa("e2b_00ff") });
      assert.equal(secret.stringData, undefined);
      assert.equal(secret.type, "Opaque");
      await assert.rejects(client.updateStatus(SECRETS, secret), isNotFound);
    },
  },
];

for (const backend of BACKENDS) {
  for (const behaviour of BEHAVIOURS) {
    Deno.test({
      name: `${backend.name}: ${behaviour.name}`,
      sanitizeOps: backend.sanitize,
      sanitizeResources: backend.sanitize,
      async fn() {
        const ctx = await backend.open();
        try {
          await behaviour.run(ctx);
        } finally {
          await ctx.close();
        }
      },
    });
  }
}
