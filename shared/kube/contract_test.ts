// One table of KubeClient behaviours, run against both backends: the embedded store and a real
// kube-apiserver + etcd + kube-controller-manager (hack/kube.sh through kubeEnv(), with the CRDs of
// charts/ applied). Whatever passes here behaves the same on a laptop and on a cluster. Each test
// works in its own namespace. This file holds writes and reads (create, get, list, update,
// updateStatus, patch) and the kinds' server defaults; deletion and garbage collection are in
// contract_delete_test.ts, watches in contract_watch_test.ts, the shared kit in _contract_kit.ts.
import assert from "node:assert/strict";
import {
  isAlreadyExists,
  isConflict,
  isNotFound,
  type KubeObject,
  NAMESPACES,
  SANDBOXES,
  SECRETS,
} from "./client.ts";
import { isKubeApiError } from "./_test_util.ts";
import { type Behaviour, runContract, sandbox } from "./_contract_kit.ts";

const BEHAVIOURS: Behaviour[] = [
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

runContract(BEHAVIOURS);
