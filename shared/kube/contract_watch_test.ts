// The KubeClient contract (see contract_test.ts) for watches: events in order from a list's
// resourceVersion, and 410 Gone from one older than the server's history, on both backends.
import assert from "node:assert/strict";
import { isGone, type KubeObject, PODS, SANDBOXES } from "./client.ts";
import { isKubeApiError } from "./_test_util.ts";
import { type Behaviour, nextEvent, runContract, sandbox } from "./_contract_kit.ts";

/** A Pod named `name` in `ns`, bound to `node` when given. */
function pod(ns: string, name: string, node?: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns },
    spec: {
      containers: [{ name: "main", image: "busybox" }],
      ...(node ? { nodeName: node } : {}),
    },
  };
}

const BEHAVIOURS: Behaviour[] = [
  {
    name: "list() and watch() filter by field selector (a node's pods by spec.nodeName)",
    async run({ client, ns }) {
      const node = `node-${crypto.randomUUID().slice(0, 8)}`;
      await client.create(PODS, pod(ns, "mine", node));
      await client.create(PODS, pod(ns, "other", `${node}-x`));
      await client.create(PODS, pod(ns, "unbound"));
      const names = async (fieldSelector: string) =>
        (await client.list(PODS, { namespace: ns, fieldSelector })).items
          .map((i) => i.metadata.name).sort();
      assert.deepEqual(await names(`spec.nodeName=${node}`), ["mine"]);
      assert.deepEqual(await names(`spec.nodeName==${node}`), ["mine"]);
      assert.deepEqual(await names(`spec.nodeName!=${node}`), ["other", "unbound"]);
      assert.deepEqual(await names(`spec.nodeName=`), ["unbound"]);
      assert.deepEqual(await names(`metadata.name=other,spec.nodeName!=${node}`), ["other"]);
      await assert.rejects(
        client.list(PODS, { namespace: ns, fieldSelector: "spec.nodeName" }),
        isKubeApiError(400, "BadRequest"),
      );

      const list = await client.list(PODS, { namespace: ns });
      const controller = new AbortController();
      const events = client.watch(PODS, {
        namespace: ns,
        fieldSelector: `spec.nodeName=${node}`,
        resourceVersion: list.resourceVersion,
        signal: controller.signal,
      })[Symbol.asyncIterator]();
      try {
        await client.create(PODS, pod(ns, "elsewhere", `${node}-x`));
        await client.create(PODS, pod(ns, "later", node));
        const e = await nextEvent(events);
        assert.deepEqual([e.type, e.object.metadata.name], ["ADDED", "later"]);
      } finally {
        controller.abort();
      }
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
];

runContract(BEHAVIOURS);
