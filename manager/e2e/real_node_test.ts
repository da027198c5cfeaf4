/**
 * Issue 11's acceptance on a real node: `kube.sh up-node` (kubelet, containerd, runc, CNI,
 * kube-proxy, on a state folder of this test's own) runs the pods, and `deno task dev
 * --kubeconfig` runs the controller and the manager on the host against it. Driven by the
 * published SDKs (npm `e2b`/`@e2b/code-interpreter` here, PyPI `e2b-code-interpreter` for the
 * seed's snippets):
 *
 * 1. the Node is Ready; a SandboxSet of 3 code-interpreter sandboxes reaches 3 available, each
 *    pod's container running in containerd (crictl);
 * 2. the seed's Python snippets (its pause too, through the node agent of issue 13, which runs
 *    here as a host process, as the chart's DaemonSet runs it on each node) and the JS flows run
 *    against real containers, and E2B's domain scheme (TLS, signed URLs, `getHost`) reaches them
 *    through the proxy; the Freeze pause freezes the pod's cgroup (`real_node_pause.ts`); the
 *    Stop pause deletes the pod and connect starts a new one (`stop_pause_flow.ts`); and
 *    an in-place image upgrade keeps the pod (`real_node_upgrade.ts`);
 * 3. after 3 creates the pool refills to 3; kill removes the Sandbox, its pod and the container;
 *    deleting the SandboxSet removes its unclaimed members and keeps the claimed ones;
 * 4. restarting containerd, the kubelet and the API server while the pool is full loses no claimed
 *    sandbox, the manager still routes to each, and no sandbox is claimed twice.
 *
 * It prints the figures it measures. `down` runs in `finally`, and dev is stopped first.
 * Network: the manager's proxy reaches the pods at 10.244.0.0/24 (the node's bridge); nothing
 * else leaves loopback.
 */
import assert from "node:assert/strict";
import { Sandbox as CodeSandbox } from "@e2b/code-interpreter";
import { SANDBOX_SETS, SANDBOXES } from "@kruise-agents/shared/kube";
import { poll } from "@kruise-agents/shared/std";
import { processesNaming } from "@kruise-agents/shared/testing";
import { type DevUnderTest, prepareDataDir, runClient, startDev } from "./dev_harness.ts";
import { seedJsFlow, seedPythonSnippets } from "./sdk_flow.ts";
import { freezeOnRealNode, startNodeAgentProcess } from "./real_node_pause.ts";
import { stopPauseFlow } from "./stop_pause_flow.ts";
import { cpuResizeFlow } from "./cpu_resize_flow.ts";
import { upgradeOnRealNode } from "./real_node_upgrade.ts";
import {
  available,
  containersOfPod,
  kubeSh,
  poolMembers,
  type RealNode,
  sandboxOf,
  upNode,
} from "./real_node.ts";

const TEMPLATES = new URL("./real_node_templates", import.meta.url).pathname;
const CLIENT = new URL("./clients/sdk_flow.ts", import.meta.url).pathname;
const POOL = "code-interpreter";
const figures: Record<string, string> = {};

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

/** Waits until the pool has 3 available sandboxes; returns how long that took. */
async function poolFull(node: RealNode, what: string, timeoutMs = 180_000): Promise<string> {
  const start = performance.now();
  await poll(what, async () => (await available(node.kube, POOL)).length === 3 || undefined, {
    timeoutMs,
    intervalMs: 250,
  });
  return seconds(start);
}

/** Point 1: Node Ready; 3 available sandboxes whose containers run in containerd. */
async function pointOne(node: RealNode, devStarted: number): Promise<void> {
  const nodes = await node.kubectl(["get", "nodes", "--no-headers"]);
  assert.match(nodes, /^kruise-agents-node\s+Ready\s/m, nodes);
  await poolFull(node, "3 available code-interpreter sandboxes");
  figures["dev start to 3 available"] = seconds(devStarted);
  await poll("the SandboxSet to count 3 available", async () => {
    const set = await node.kube.get(SANDBOX_SETS, "default", POOL);
    return (set.status as { availableReplicas?: number }).availableReplicas === 3 || undefined;
  }, { timeoutMs: 30_000, intervalMs: 250 });
  const containers = await node.containers();
  for (const sandbox of await available(node.kube, POOL)) {
    const mine = containersOfPod(containers, sandbox.metadata.name!);
    assert.deepEqual(mine.map((c) => c.state), ["CONTAINER_RUNNING"], sandbox.metadata.name!);
  }
}

/** Point 2: the JS flows of the seed with the code-interpreter SDK. */
async function jsFlows(dev: DevUnderTest): Promise<void> {
  const start = performance.now();
  const sbx = await CodeSandbox.create("code-interpreter", {
    ...dev.sdkOptions,
    timeoutMs: 300_000,
  });
  figures["JS create (warm)"] = `${(performance.now() - start).toFixed(0)} ms`;
  await seedJsFlow(sbx);
  assert.equal((await sbx.runCode("x = 20\nx * 2 + 2")).text, "42");
  const ip = (await sbx.commands.run("hostname -I")).stdout.trim();
  assert.match(ip, /^10\.244\.0\.\d+$/, "a pod IP of the real node's bridge");
  assert.equal(await sbx.kill(), true);
}

/**
 * Point 2 in E2B's domain scheme: a client process given only dev's variables (the domain ones)
 * builds `https://api.{domain}` and `https://{port}-{id}.{domain}` itself; signed URLs and
 * `getHost()` reach the real containers through the manager's proxy.
 */
async function domainScheme(dev: DevUnderTest): Promise<void> {
  const env = { ...dev.clientEnv };
  delete env.E2B_API_URL;
  delete env.E2B_SANDBOX_URL;
  const out = await runClient(Deno.execPath(), [
    "run",
    "--allow-net",
    "--allow-env",
    "--allow-read",
    "--allow-sys",
    CLIENT,
  ], env);
  assert.equal(out.code, 0, out.stderr);
  const js = JSON.parse(out.stdout.trim().split("\n").at(-1)!);
  const id = js.sandboxId as string;
  assert.equal(js.command, `hello from ${id}\n`);
  assert.equal(js.download, "signed download");
  assert.equal(js.uploaded, "signed upload");
  assert.equal(js.host, `8000-${id}.${env.E2B_DOMAIN}`);
  assert.equal(js.hostBody, "served from the sandbox\n");
  assert.equal(js.killed, true);
  assert.equal(js.afterKill.status, 502);
  assert.equal(js.code, "42");
}

/** Point 3: 3 creates, the refill, and kill down to containerd. Returns the claimed sandboxes. */
async function refillAndKill(node: RealNode, dev: DevUnderTest): Promise<CodeSandbox[]> {
  await poolFull(node, "a full pool before the creates");
  const created = await Promise.all(
    [1, 2, 3].map(() =>
      CodeSandbox.create("code-interpreter", { ...dev.sdkOptions, timeoutMs: 600_000 })
    ),
  );
  figures["refill after 3 creates"] = await poolFull(node, "the pool to refill to 3");
  for (const sbx of created) {
    assert.equal((await sbx.commands.run("echo $E2B_SANDBOX_ID")).stdout.trim(), sbx.sandboxId);
  }
  const victim = created.pop()!;
  const object = await sandboxOf(node.kube, victim.sandboxId);
  const pod = object!.metadata.name!;
  assert.equal(containersOfPod(await node.containers(), pod).length, 1);
  const start = performance.now();
  assert.equal(await victim.kill(), true);
  const gone: Record<string, string> = {};
  await poll("the Sandbox, its pod and its container to be gone", async () => {
    const mine = containersOfPod(await node.containers(), pod);
    const left = {
      "Sandbox gone": await sandboxOf(node.kube, victim.sandboxId) !== undefined,
      "pod gone": (await node.kubectl(["get", "pods", "-n", "default", "-o", "name"]))
        .includes(`pod/${pod}\n`),
      "container stopped": mine.some((c) => c.state === "CONTAINER_RUNNING"),
      // The kubelet removes the exited container in its container GC, once a minute.
      "container removed": mine.length > 0,
    };
    for (const [what, there] of Object.entries(left)) {
      if (!there) gone[`kill to ${what}`] ??= seconds(start);
    }
    return Object.values(left).every((there) => !there) || undefined;
  }, { timeoutMs: 120_000, intervalMs: 250 });
  Object.assign(figures, gone);
  return created;
}

/** The running containers of the pods of `sandboxes`, by pod name (one ID each). */
async function runningContainers(node: RealNode, pods: string[]): Promise<Record<string, string>> {
  const containers = await node.containers();
  const out: Record<string, string> = {};
  for (const pod of pods) {
    const running = containersOfPod(containers, pod).filter((c) => c.state === "CONTAINER_RUNNING");
    assert.equal(running.length, 1, `one running container of ${pod}`);
    out[pod] = running[0]!.id;
  }
  return out;
}

/**
 * Point 4: restarts of containerd, the kubelet and the API server while the pool is full. Every
 * container (claimed and warm) is the same one afterwards, the manager still routes to each
 * claimed sandbox, the claimed set is unchanged, and a create afterwards gets a new sandbox.
 */
async function restarts(node: RealNode, dev: DevUnderTest, claimed: CodeSandbox[]): Promise<void> {
  const ids = claimed.map((s) => s.sandboxId).sort();
  for (const component of ["containerd", "kubelet", "apiserver"]) {
    await poolFull(node, `a full pool before restarting ${component}`);
    const pods = [
      ...await poolMembers(node.kube, POOL, true),
      ...await available(node.kube, POOL),
    ].map((s) => s.metadata.name!);
    const before = await runningContainers(node, pods);
    const start = performance.now();
    await node.kubeSh(`restart-${component}`);
    figures[`restart ${component}`] = seconds(start);
    for (const sbx of claimed) {
      const echo = await sbx.commands.run("echo $E2B_SANDBOX_ID");
      assert.equal(echo.stdout.trim(), sbx.sandboxId, `routed after restarting ${component}`);
    }
    await poolFull(node, `a full pool after restarting ${component}`);
    assert.deepEqual(await runningContainers(node, pods), before, `containers of ${component}`);
    const claimedNow = await poolMembers(node.kube, POOL, true);
    const labels = claimedNow.map((s) => s.metadata.labels?.["agents.kruise.io/sandbox-id"]);
    assert.deepEqual(labels.sort(), ids, `the claimed sandboxes after restarting ${component}`);
  }
  const fresh = await CodeSandbox.create("code-interpreter", dev.sdkOptions);
  assert.ok(!ids.includes(fresh.sandboxId), "a new sandbox, not a claimed one");
  assert.equal((await fresh.runCode("6 * 7")).text, "42");
  assert.equal(await fresh.kill(), true);
}

/** Point 3: deleting the SandboxSet removes its unclaimed members and keeps the claimed ones. */
async function deleteSet(node: RealNode, claimed: CodeSandbox[]): Promise<void> {
  await poolFull(node, "a full pool before deleting the SandboxSet");
  const unclaimed = (await poolMembers(node.kube, POOL, false)).map((s) => s.metadata.name!);
  assert.equal(unclaimed.length, 3);
  const start = performance.now();
  await node.kube.delete(SANDBOX_SETS, "default", POOL);
  await poll("the unclaimed members and their containers to be gone", async () => {
    const { items } = await node.kube.list(SANDBOXES, { namespace: "default" });
    const names = items.map((s) => s.metadata.name!);
    const containers = await node.containers();
    const left = unclaimed.filter((n) =>
      names.includes(n) || containersOfPod(containers, n).length > 0
    );
    return left.length === 0 || undefined;
  }, { timeoutMs: 120_000, intervalMs: 250 });
  figures["SandboxSet delete to members gone"] = seconds(start);
  for (const sbx of claimed) {
    assert.equal((await sbx.commands.run("echo kept")).stdout, "kept\n");
    assert.equal(await sbx.kill(), true);
  }
}

Deno.test({
  name: "dev --kubeconfig on a real node: pool, seed flows, refill, kill, restarts, set deletion",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const parent = await Deno.makeTempDir({ prefix: "real-node-test-" });
    const state = `${parent}/kube`;
    let dev: DevUnderTest | undefined;
    try {
      let start = performance.now();
      const node = await upNode(state);
      figures["kube.sh up-node"] = seconds(start);
      await using _agent = startNodeAgentProcess(node.kubeconfig);
      await prepareDataDir(`${parent}/dev`);
      start = performance.now();
      dev = await startDev(`${parent}/dev`, { kubeconfig: node.kubeconfig, templates: TEMPLATES });
      const running = dev;
      await t.step("1: Node Ready, 3 available, crictl lists them", () => pointOne(node, start));
      await t.step("2: the seed's Python snippets", async () => {
        Object.assign(figures, await seedPythonSnippets(running.env, { pause: true }));
      });
      await t.step("issue 13: the Freeze pause on the real node", async () => {
        Object.assign(figures, await freezeOnRealNode(node, running));
      });
      await t.step("issue 13: the Stop pause on the real node", async () => {
        const podUid = async (id: string) =>
          ((await sandboxOf(node.kube, id))?.status as { podInfo?: { podUID?: string } })?.podInfo
            ?.podUID;
        const stop = await stopPauseFlow(running.sdkOptions, "base", true, podUid);
        figures["Stop pause"] = `${stop.pauseMs.toFixed(0)} ms`;
        figures["Stop resume (a new pod)"] = `${stop.resumeMs.toFixed(0)} ms`;
      });
      await t.step("issue 13: in-place CPU resize on the real node", async () => {
        const ms = await cpuResizeFlow(running.sdkOptions, "sized");
        figures["create with an in-place CPU resize"] = `${ms.toFixed(0)} ms`;
      });
      await t.step("issue 13: in-place image upgrade on the real node", async () => {
        Object.assign(figures, await upgradeOnRealNode(node, running));
      });
      await t.step("2: the JS flows", () => jsFlows(running));
      await t.step("2: E2B's domain scheme, signed URLs, getHost", () => domainScheme(running));
      let claimed: CodeSandbox[] = [];
      await t.step("3: refill after 3 creates; kill", async () => {
        claimed = await refillAndKill(node, running);
      });
      await t.step(
        "4: restarts of containerd, kubelet, API server",
        () => restarts(node, running, claimed),
      );
      await t.step("3: deleting the SandboxSet", () => deleteSet(node, claimed));
    } finally {
      await dev?.stop();
      await kubeSh(state, "down").catch((error) => console.error(error));
      await Deno.remove(parent, { recursive: true }).catch(() => {});
      console.log(JSON.stringify(figures, null, 2));
    }
    assert.deepEqual(await processesNaming(state), [], "processes naming the state folder");
  },
});
