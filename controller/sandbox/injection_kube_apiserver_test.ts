/**
 * Runtime injection against a real kube-apiserver (the shared test control plane): a SandboxSet
 * whose template lists `runtimes: [agent-runtime]` gets pods that the API server accepted with
 * the init container, the shared volume, the mount and the postStart hook of the injection
 * ConfigMap (read through the controller's informer); a runtime the ConfigMap lacks fails the
 * Sandbox with the message, and adding the key later lets it start (level-triggered). The fake
 * kubelet writes Pod status, since the test control plane has no nodes.
 */
import assert from "node:assert/strict";
import {
  LABEL_SANDBOX_POOL,
  parsePod,
  parseSandbox,
  type Pod,
  SandboxConditionReason,
  SandboxConditionType,
} from "@kruise-agents/shared/api";
import {
  createKubernetesClient,
  type KubeClient,
  PODS,
  SANDBOX_SETS,
  SANDBOXES,
} from "@kruise-agents/shared/kube";
import { kubectl, kubectlOk, kubeEnvWithCrds } from "@kruise-agents/shared/testing";
import {
  eventually,
  FakeKubelet,
  sandboxSet,
  standaloneSandbox,
  testTokenKey,
} from "../_test_kit.ts";
import { startController } from "../mod.ts";
import { CONFIG_MAPS } from "./injection.ts";

const NAME = "sandbox-injection-config";

/** The chart's default `agent-runtime` key (hack/chart_injection_test.ts checks the chart's). */
const AGENT_RUNTIME = {
  volume: [{ name: "agent-runtime", emptyDir: {} }],
  initContainers: [{
    name: "agent-runtime-install",
    image: "kruise-agents/agent-runtime:0.1.0",
    imagePullPolicy: "IfNotPresent",
    command: ["/bin/cp", "-a", "/opt/kruise-agents/.", "/mnt/agent-runtime/"],
    volumeMounts: [{ name: "agent-runtime", mountPath: "/mnt/agent-runtime" }],
    securityContext: {
      runAsUser: 0,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"], add: ["CHOWN", "FOWNER"] },
    },
  }],
  mainContainer: {
    volumeMounts: [{ name: "agent-runtime", mountPath: "/mnt/agent-runtime", readOnly: true }],
    lifecycle: { postStart: { exec: { command: ["/bin/sh", "/mnt/agent-runtime/bin/start"] } } },
  },
};

async function pods(kube: KubeClient, ns: string): Promise<Pod[]> {
  return (await kube.list(PODS, { namespace: ns })).items.map(parsePod);
}

const WAIT = { attempts: 600, intervalMs: 100 };

/** What the API server stored for a pool member: the runtime's pieces around a plain image. */
function assertInjected(pod: Pod): void {
  const spec = pod.spec as Record<string, unknown> & {
    containers: Record<string, unknown>[];
    initContainers: Record<string, unknown>[];
  };
  assert.deepEqual(spec.initContainers.map((c) => [c.name, c.image, c.command]), [[
    "agent-runtime-install",
    "kruise-agents/agent-runtime:0.1.0",
    ["/bin/cp", "-a", "/opt/kruise-agents/.", "/mnt/agent-runtime/"],
  ]]);
  const volumes = spec.volumes as { name: string; emptyDir?: unknown }[];
  assert.deepEqual(volumes.find((v) => v.name === "agent-runtime")?.emptyDir, {});
  const main = spec.containers[0]!;
  assert.equal(main.image, "debian:12");
  assert.deepEqual(main.lifecycle, AGENT_RUNTIME.mainContainer.lifecycle);
  assert.deepEqual(main.volumeMounts, AGENT_RUNTIME.mainContainer.volumeMounts);
  assert.equal((main.readinessProbe as { httpGet: { port: number } }).httpGet.port, 49983);
}

/** A pool of 2 with `runtimes: [agent-runtime]`: injected pods, and the members become ready. */
async function poolIsInjected(kube: KubeClient, ns: string): Promise<void> {
  const manifest = sandboxSet("ci", 2, "debian:12");
  manifest.metadata.namespace = ns;
  manifest.spec.runtimes = [{ name: "agent-runtime" }];
  await kube.create(SANDBOX_SETS, { ...manifest });
  const members = await eventually("2 pods", async () => {
    const all = (await pods(kube, ns)).filter((p) => p.metadata.labels?.app === "ci");
    return all.length === 2 && all;
  }, WAIT);
  for (const pod of members) assertInjected(pod);
  await eventually("the pool is ready", async () => {
    const list = await kube.list(SANDBOXES, {
      namespace: ns,
      labelSelector: `${LABEL_SANDBOX_POOL}=ci`,
    });
    const ready = list.items.map(parseSandbox).filter((s) =>
      s.status?.conditions?.some((c) =>
        c.type === SandboxConditionType.Ready && c.status === "True"
      )
    );
    return ready.length === 2;
  }, WAIT);
}

/** A runtime the ConfigMap lacks fails the Sandbox with the message, until the key is added. */
async function missingKeyFailsThenRecovers(kube: KubeClient, ns: string): Promise<void> {
  await kube.create(SANDBOXES, {
    ...standaloneSandbox("needs-csi", { runtimes: [{ name: "csi" }] }),
    metadata: { name: "needs-csi", namespace: ns },
  });
  const failed = await eventually("needs-csi fails", async () => {
    const s = parseSandbox(await kube.get(SANDBOXES, ns, "needs-csi"));
    const ready = s.status?.conditions?.find((c) => c.type === SandboxConditionType.Ready);
    return ready?.reason === SandboxConditionReason.PodCreateFailed && s;
  }, WAIT);
  // The reconciler's errorMessage() names the error's class, as for every failed create.
  const message =
    `TerminalError: Cannot inject runtime "csi": ConfigMap ${ns}/${NAME} has no key "csi"`;
  assert.equal(failed.status?.phase, "Pending");
  assert.equal(failed.status?.message, message);
  const ready = failed.status?.conditions?.find((c) => c.type === SandboxConditionType.Ready);
  assert.deepEqual([ready?.status, ready?.message], ["False", message]);
  assert.equal((await pods(kube, ns)).some((p) => p.metadata.name === "needs-csi"), false);

  // The key added: the ConfigMap's event (nothing else) brings the Sandbox back.
  await kube.patch(CONFIG_MAPS, ns, NAME, {
    data: { csi: JSON.stringify({ mainContainer: { env: [{ name: "CSI", value: "1" }] } }) },
  });
  const pod = await eventually("needs-csi gets its pod", async () => {
    return (await pods(kube, ns)).find((p) => p.metadata.name === "needs-csi");
  }, WAIT);
  const env = pod.spec?.containers[0]?.env as { name: string }[];
  assert.ok(env.some((e) => e.name === "CSI"));
}

Deno.test({
  name: "runtimes: [agent-runtime] yields pods with the install init container and the start hook",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const env = await kubeEnvWithCrds();
    const ns = `injection-test-${crypto.randomUUID().slice(0, 8)}`;
    await kubectlOk(env, ["create", "namespace", ns]);
    const kube = createKubernetesClient({ kubeconfigPath: env.kubeconfig });
    await kube.create(CONFIG_MAPS, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { namespace: ns, name: NAME },
      data: { "agent-runtime": JSON.stringify(AGENT_RUNTIME) },
    });
    const kubelet = new FakeKubelet(kube);
    await kubelet.start();
    const controller = await startController({
      kube,
      namespace: ns,
      workers: 2,
      tokenKey: await testTokenKey(),
      injectionConfig: { namespace: ns, name: NAME },
    });
    try {
      await poolIsInjected(kube, ns);
      await missingKeyFailsThenRecovers(kube, ns);
    } finally {
      await controller.stop();
      await kubelet.stop();
      await kubectl(env, ["delete", "namespace", ns, "--wait=false"]);
    }
  },
});
