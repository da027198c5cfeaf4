/**
 * The whole system on a real kube-apiserver (etcd, kube-apiserver and kube-controller-manager
 * built from Go modules): the controller and the manager through the client-node backend of the
 * seam, and the local node playing the kubelet. Driven by the published JS SDK.
 */
import assert from "node:assert/strict";
import { Sandbox } from "e2b";
import { createKubernetesClient, NAMESPACES, SANDBOXES } from "@kruise-agents/shared/kube";
import {
  generateTokenKey,
  importTokenKey,
  LABEL_SANDBOX_CLAIMED,
  LABEL_SANDBOX_POOL,
} from "@kruise-agents/shared/api";
import { startController } from "@kruise-agents/controller";
import { buildImages, startLocalNode } from "@kruise-agents/local-node";
import { kubeEnvWithCrds } from "@kruise-agents/shared/testing";
import { ApiKeyStore, generateApiKey } from "../auth/api_keys.ts";
import { createManager } from "../mod.ts";
import { eventually } from "./dev_harness.ts";
import { basePool } from "./kube_system.ts";

Deno.test({
  name: "on a real kube-apiserver: create, command, pause, resume, kill; the pool refills",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const env = await kubeEnvWithCrds();
    const kube = createKubernetesClient({ kubeconfigPath: env.kubeconfig });
    const ns = `e2e-${crypto.randomUUID().slice(0, 8)}`;
    await basePool(kube, ns, 1);
    const tokenKey = await importTokenKey(generateTokenKey());
    const controller = await startController({ kube, namespace: ns, tokenKey });
    const dataDir = await Deno.makeTempDir();
    await Deno.chmod(dataDir, 0o711); // the containers' root reaches its pod directory through it
    const node = await startLocalNode({
      kube,
      dataDir,
      imageLayout: await buildImages(),
      containers: { prefix: "kak", subnet: "10.219.0.0/24" },
    });
    const { key, record } = await generateApiKey({ team: ns, name: "e2e" });
    const manager = await createManager({
      kube,
      tokenKey,
      keys: new ApiKeyStore([record]),
      domain: "localhost",
    });
    const api = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, manager.api);
    const proxy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, manager.proxy);
    const opts = {
      apiKey: key,
      apiUrl: `http://127.0.0.1:${api.addr.port}`,
      sandboxUrl: `http://127.0.0.1:${proxy.addr.port}`,
      domain: "localhost",
    };
    const unclaimed = async () =>
      (await kube.list(SANDBOXES, {
        namespace: ns,
        labelSelector: `${LABEL_SANDBOX_POOL}=base,${LABEL_SANDBOX_CLAIMED}=false`,
      })).items.length;
    try {
      const sbx = await Sandbox.create("base", opts);
      assert.equal((await sbx.commands.run("echo hello; whoami")).stdout, "hello\nuser\n");
      const sleeper = await sbx.commands.run("sleep 600", { background: true });
      assert.equal(await sbx.pause(), true);
      assert.equal(await sbx.isRunning(), false);
      await sbx.connect();
      assert.ok((await sbx.commands.list()).some((p) => p.pid === sleeper.pid), "PID survived");
      assert.ok(await eventually(async () => (await unclaimed()) === 1, 60_000), "pool refilled");
      assert.equal(await sbx.kill(), true);
      assert.equal(await Sandbox.kill(sbx.sandboxId, opts), false);
    } finally {
      await api.shutdown();
      await proxy.shutdown();
      await manager[Symbol.asyncDispose]();
      await controller.stop();
      await node.stop({ killSandboxes: true, teardown: true });
      await kube.delete(NAMESPACES, "", ns).catch(() => {});
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
