// Why the Kubernetes backend does not use client-node's `Watch`, and that its own watch does
// what the seam promises, both on the real kube-apiserver of hack/kube.sh.
import assert from "node:assert/strict";
import { KubeConfig, Watch } from "@kubernetes/client-node";
import { kubectlOk, kubeEnv } from "../testing/kube_env.ts";
import { delay, poll } from "../std/mod.ts";
import { createKubernetesClient, type KubeObject, type Resource, type WatchEvent } from "./mod.ts";

const CONFIG_MAPS: Resource = {
  apiVersion: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  namespaced: true,
};

async function freshNamespace(): Promise<
  { kubeconfig: string; namespace: string; kubectl: (args: string[]) => Promise<string> }
> {
  const env = await kubeEnv();
  const namespace = `watch-${crypto.randomUUID().slice(0, 8)}`;
  await kubectlOk(env, ["create", "namespace", namespace]);
  return {
    kubeconfig: env.kubeconfig,
    namespace,
    kubectl: (args) => kubectlOk(env, ["-n", namespace, ...args]),
  };
}

Deno.test({
  name:
    "client-node's Watch goes deaf under Deno once its inactivity timer fires (why we replaced it)",
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const { kubeconfig, namespace, kubectl } = await freshNamespace();
  try {
    const config = new KubeConfig();
    config.loadFromFile(kubeconfig);
    const watch = new Watch(config);
    // The library's default is 30 s; 2 s shows the same failure without the wait.
    (watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = 2000;
    const seen: string[] = [];
    let ended = false;
    const controller = await watch.watch(
      `/api/v1/namespaces/${namespace}/configmaps`,
      {},
      (type, object) => seen.push(`${type} ${object?.metadata?.name}`),
      () => ended = true,
    );
    await poll("the namespace's root CA ConfigMap", () => seen.length > 0 || undefined);
    await delay(4000); // quiet: the inactivity timer aborts the request
    await kubectl(["create", "configmap", "after-quiet"]);
    await delay(2000);
    controller.abort();
    // The failure: the change is never delivered, and `done` was never called, so a caller
    // waiting for it to reconnect waits forever. If this starts failing, client-node fixed it.
    assert.equal(seen.includes("ADDED after-quiet"), false, "the watch still hears");
    assert.equal(ended, false, "the watch reported its end");
  } finally {
    await kubectlOk(await kubeEnv(), ["delete", "namespace", namespace, "--wait=false"]);
  }
});

Deno.test({
  name:
    "KubeClient.watch() (real API server) hears after a quiet spell, ends at timeoutSeconds at the version reached, and its signal ends it",
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const { kubeconfig, namespace, kubectl } = await freshNamespace();
  try {
    const kube = createKubernetesClient({ kubeconfigPath: kubeconfig });
    const { resourceVersion } = await kube.list(CONFIG_MAPS, { namespace });
    const events: WatchEvent<KubeObject>[] = [];
    const started = Date.now();
    const stream = (async () => {
      for await (
        const event of kube.watch(CONFIG_MAPS, {
          namespace,
          resourceVersion,
          timeoutSeconds: 6,
          allowBookmarks: true,
        })
      ) events.push(event);
    })();
    await delay(4000); // longer than client-node's inactivity timer above
    await kubectl(["create", "configmap", "after-quiet"]);
    await stream; // the server ends the watch at its timeoutSeconds
    const elapsed = (Date.now() - started) / 1000;
    assert.ok(elapsed >= 5 && elapsed < 15, `the watch ended after ${elapsed} s`);
    assert.ok(
      events.some((e) => e.type === "ADDED" && e.object.metadata.name === "after-quiet"),
      JSON.stringify(events.map((e) => e.type)),
    );
    // The last event carries the version reached, the resume point: the server's bookmark before
    // the timeout, or the ADDED itself when the bookmark's tick came late (a busy 2-core machine).
    const last = events.at(-1);
    assert.ok(last?.type === "BOOKMARK" || last?.type === "ADDED", JSON.stringify(last));
    assert.ok(Number(last?.object.metadata.resourceVersion) > Number(resourceVersion));
    // Ended by the caller's signal (the informer's deadline): the stream ends at once.
    const abortedAt = Date.now();
    for await (
      const _ of kube.watch(CONFIG_MAPS, {
        namespace,
        timeoutSeconds: 60,
        signal: AbortSignal.timeout(1500),
      })
    ) { /* nothing happens in the namespace */ }
    const took = Date.now() - abortedAt;
    assert.ok(took >= 1400 && took < 5000, `the aborted watch ended after ${took} ms`);
  } finally {
    await kubectlOk(await kubeEnv(), ["delete", "namespace", namespace, "--wait=false"]);
  }
});
