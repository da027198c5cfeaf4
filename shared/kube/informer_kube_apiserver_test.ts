/**
 * The shared Informer against a real kube-apiserver, on a control plane of its own (it restarts
 * the API server): a watch from a resourceVersion the server no longer serves ends with a real
 * `410 Gone`, and the informer relists, tells its handlers what changed in the gap (a create and a
 * delete it never got events for), and goes on watching.
 *
 * How the 410 is made certain rather than raced: after a restart, kube-apiserver's watch cache
 * starts at the revision etcd has then, so a watch from any older resourceVersion is "too old"
 * (the informer's is older: a write elsewhere moves the revision on first). The informer's
 * reconnect is held back (a client that delays its watch requests, the server's answers untouched)
 * until the gap has content.
 */
import assert from "node:assert/strict";
import {
  isNotFound,
  type KubeObject,
  NAMESPACES,
  type Resource,
  type WatchEvent,
  type WatchOptions,
} from "./client.ts";
import { Informer } from "./informer.ts";
import { createKubernetesClient } from "./kubernetes_client.ts";
import { ForwardingClient } from "../testing/forwarding_client.ts";
import { kubeDown, kubeEnv, restartApiServer } from "../testing/kube_env.ts";
import { poll } from "../std/async.ts";
import type { Logger } from "../std/logger.ts";

const CONFIG_MAPS: Resource = {
  apiVersion: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  namespaced: true,
};

function parseConfigMap(value: unknown): KubeObject {
  const object = value as KubeObject;
  if (typeof object?.metadata?.name !== "string") throw new TypeError("Not a ConfigMap");
  return object;
}

/** Passes everything through, but holds new watch requests while `held`. */
class HeldWatches extends ForwardingClient {
  held = false;
  #release = Promise.withResolvers<void>();

  release(): void {
    this.held = false;
    this.#release.resolve();
  }

  override async *watch<T extends KubeObject>(
    r: Resource,
    o?: WatchOptions,
  ): AsyncIterable<WatchEvent<T>> {
    if (this.held) {
      await Promise.race([
        this.#release.promise,
        new Promise((resolve) => o?.signal?.addEventListener("abort", resolve, { once: true })),
      ]);
      if (o?.signal?.aborted) return;
    }
    yield* super.watch<T>(r, o);
  }
}

/** A ConfigMap of this test (labelled: the namespace also gets the cluster's CA bundle). */
function configMap(namespace: string, name: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace, labels: { test: "gone" } },
    data: { k: name },
  };
}

Deno.test({
  name:
    "Informer on a real kube-apiserver: a watch too old for the restarted server gets 410 Gone; it relists, reports the gap's create and delete, and watches on",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const env = await kubeEnv({ name: "gone" });
    const kube = createKubernetesClient({ kubeconfigPath: env.kubeconfig });
    const ns = `gone-${crypto.randomUUID().slice(0, 8)}`;
    const client = new HeldWatches(kube);
    const logged: string[] = [];
    const log = (msg: string) => void logged.push(msg);
    const logger: Logger = { info: log, warn: log, error: log };
    const informer = new Informer({
      kube: client,
      resource: CONFIG_MAPS,
      parse: parseConfigMap,
      namespace: ns,
      labelSelector: "test=gone",
      logger,
      baseRetryDelayMs: 200,
      maxRetryDelayMs: 2000,
    });
    const events: string[] = [];
    informer.addEventHandler({
      onAdd: (o) => events.push(`add ${o.metadata.name}`),
      onUpdate: (_, o) => events.push(`update ${o.metadata.name}`),
      onDelete: (o) => events.push(`delete ${o.metadata.name}`),
    });
    try {
      await kube.create(NAMESPACES, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: ns },
      });
      for (const name of ["a", "b"]) await kube.create(CONFIG_MAPS, configMap(ns, name));
      informer.start();
      await informer.synced();
      assert.deepEqual(events.sort(), ["add a", "add b"]);
      events.length = 0;

      client.held = true;
      // A write the informer does not watch moves etcd's revision past the informer's.
      await kube.create(CONFIG_MAPS, configMap("default", `elsewhere-${ns}`));
      await restartApiServer(env);
      // The gap: changes the informer gets no watch event for.
      await kube.create(CONFIG_MAPS, configMap(ns, "c"));
      await kube.delete(CONFIG_MAPS, ns, "a");
      client.release();

      await poll(
        "the informer to relist",
        () =>
          informer.get(`${ns}/c`) !== undefined && informer.get(`${ns}/a`) === undefined ||
          undefined,
        { timeoutMs: 120_000, intervalMs: 100 },
      );
      assert.ok(logged.includes("watch resourceVersion too old; relisting"), logged.join("\n"));
      assert.ok(informer.health().relists >= 1);
      assert.deepEqual(events.filter((e) => !e.startsWith("update")).sort(), ["add c", "delete a"]);
      assert.deepEqual(informer.list().map((o) => o.metadata.name).sort(), ["b", "c"]);

      // And it watches on: a new object arrives as an event, with no further relist.
      const relists = informer.health().relists;
      await kube.create(CONFIG_MAPS, configMap(ns, "d"));
      await poll("d through the watch", () => informer.get(`${ns}/d`), { timeoutMs: 60_000 });
      assert.equal(informer.health().relists, relists);
    } finally {
      client.release();
      await informer.stop();
      await kube.delete(CONFIG_MAPS, "default", `elsewhere-${ns}`).catch((e) => {
        if (!isNotFound(e)) throw e;
      });
      await kubeDown(env);
    }
  },
});
