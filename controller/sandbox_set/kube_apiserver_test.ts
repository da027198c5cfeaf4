/**
 * The SandboxSet and Sandbox reconcilers against a real kube-apiserver (with etcd and
 * kube-controller-manager for garbage collection), through the client-node backend: proves that
 * our CRDs, status subresource writes, merge patches, generateName, label-selector watches and
 * ownerReferences behave on the real thing as on the embedded store. The fake kubelet writes Pod
 * status, since the test control plane has no nodes.
 */
import {
  ANNOTATION_LOCK,
  ANNOTATION_OWNER,
  LABEL_SANDBOX_CLAIMED,
  LABEL_SANDBOX_POOL,
  parseSandbox,
  parseSandboxSet,
  SandboxConditionType,
} from "@kruise-agents/shared/api";
import { type KubeClient, SANDBOX_SETS, SANDBOXES } from "@kruise-agents/shared/kube";
import { createKubernetesClient } from "@kruise-agents/shared/kube";
import { kubectl, kubectlOk, kubeEnvWithCrds } from "@kruise-agents/shared/testing";
import { eventually, FakeKubelet, sandboxSet, testTokenKey } from "../_test_kit.ts";
import assert from "node:assert/strict";
import { startController } from "../mod.ts";

async function members(kube: KubeClient, ns: string) {
  const list = await kube.list(SANDBOXES, {
    namespace: ns,
    labelSelector: `${LABEL_SANDBOX_POOL}=ci`,
  });
  return list.items.map(parseSandbox);
}

Deno.test({
  name: "SandboxSet reconciler fills and refills a pool on a real kube-apiserver",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const env = await kubeEnvWithCrds();
    const ns = `controller-test-${crypto.randomUUID().slice(0, 8)}`;
    await kubectlOk(env, ["create", "namespace", ns]);

    const kube = createKubernetesClient({ kubeconfigPath: env.kubeconfig });
    const kubelet = new FakeKubelet(kube);
    await kubelet.start();
    const controller = await startController({
      kube,
      namespace: ns,
      workers: 2,
      tokenKey: await testTokenKey(),
    });
    try {
      const manifest = sandboxSet("ci", 2);
      manifest.metadata.namespace = ns;
      const set = parseSandboxSet(await kube.create(SANDBOX_SETS, { ...manifest }));
      const ready = (s: ReturnType<typeof parseSandbox>) =>
        s.metadata.labels?.[LABEL_SANDBOX_CLAIMED] === "false" &&
        s.status?.conditions?.some((c) =>
          c.type === SandboxConditionType.Ready && c.status === "True"
        );
      const pool = await eventually("2 ready members", async () => {
        const all = await members(kube, ns);
        return all.length === 2 && all.every(ready) && all;
      }, { attempts: 600, intervalMs: 100 });
      for (const s of pool) {
        assert.deepEqual(s.metadata.ownerReferences?.[0]?.uid, set.metadata.uid);
      }

      // The manager's claim: one optimistic update.
      const victim = structuredClone(pool[0]!);
      victim.metadata.ownerReferences = [];
      victim.metadata.labels = { ...victim.metadata.labels, [LABEL_SANDBOX_CLAIMED]: "true" };
      victim.metadata.annotations = {
        ...victim.metadata.annotations,
        [ANNOTATION_LOCK]: crypto.randomUUID(),
        [ANNOTATION_OWNER]: "user-1",
      };
      await kube.update(SANDBOXES, { ...victim });
      await eventually("refilled to 2 unclaimed + 1 claimed", async () => {
        const all = await members(kube, ns);
        return all.length === 3 && all.filter(ready).length === 2;
      }, { attempts: 600, intervalMs: 100 });
      const status = await eventually("status", async () => {
        const s = parseSandboxSet(await kube.get(SANDBOX_SETS, ns, "ci")).status;
        return s?.availableReplicas === 2 && s?.replicas === 2 && s;
      }, { attempts: 600, intervalMs: 100 });
      assert.deepEqual(status.selector, `${LABEL_SANDBOX_POOL}=ci,${LABEL_SANDBOX_CLAIMED}=false`);
    } finally {
      await controller.stop();
      await kubelet.stop();
      await kubectl(env, ["delete", "namespace", ns, "--wait=false"]);
    }
  },
});
