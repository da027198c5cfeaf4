/**
 * The local node end to end: Pods in an EmbeddedStore, real containers under runc from the real
 * sandbox image, pod networking by the CNI plugins, status written back, freeze, limits, an
 * unknown image, delete, and a restart of the node. Traffic goes only to pod addresses inside the
 * network namespaces the node made.
 */
import assert from "node:assert/strict";
import { EmbeddedStore, type KubeClient, PODS } from "@kruise-agents/shared/kube";
import {
  ANNOTATION_POD_FREEZE,
  CONDITION_POD_FROZEN,
  CREATED_BY_SANDBOX,
  LABEL_CREATED_BY,
  type Pod,
} from "@kruise-agents/shared/api";
import { freezerState, memoryUsage } from "./container/mod.ts";
import { REASON_LOST, REASON_RUNTIME_EXITED } from "./mod.ts";
import { REASON_IMAGE_NOT_PRESENT } from "./pod_runner.ts";
import type { SandboxRecord } from "./sandbox_record.ts";
import { BASE_IMAGE, eventually, healthy, run, testNode } from "./test_support.ts";

function sandboxPod(name: string, image = BASE_IMAGE): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { [LABEL_CREATED_BY]: CREATED_BY_SANDBOX } },
    spec: {
      containers: [{
        name: "sandbox",
        image,
        ports: [{ containerPort: 49983 }],
        resources: { limits: { memory: "256Mi", cpu: "500m" } },
      }],
    },
  };
}

function condition(pod: Pod, type: string): string | undefined {
  return pod.status?.conditions?.find((c) => c.type === type)?.status;
}

async function waitPod(
  kube: KubeClient,
  name: string,
  check: (pod: Pod) => boolean,
): Promise<Pod> {
  let last: Pod | undefined;
  const ok = await eventually(async () => {
    last = await kube.get<Pod>(PODS, "default", name);
    return check(last);
  }, 120_000);
  assert.ok(ok, `pod ${name} never reached the expected state: ${JSON.stringify(last?.status)}`);
  return last!;
}

function podIP(pod: Pod): string {
  const ip = pod.status?.podIP;
  assert.ok(ip?.startsWith("10.215.0."), `pod ${pod.metadata.name} has podIP ${ip}`);
  return ip!;
}

const isReady = (p: Pod) => p.status?.phase === "Running" && condition(p, "Ready") === "True";

async function record(dataDir: string, pod: Pod): Promise<SandboxRecord> {
  return JSON.parse(await Deno.readTextFile(`${dataDir}/pods/${pod.metadata.uid}/sandbox.json`));
}

async function nothingLeft(node: { containers: { leftovers(): Promise<unknown> } }) {
  assert.deepEqual(await node.containers.leftovers(), {
    containers: [],
    netns: [],
    chains: [],
    cgroups: [],
  });
}

Deno.test("pods become Running, Ready containers; limits, freeze, thaw and delete act on the container", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "local-node-" });
  await using kube = await EmbeddedStore.open();
  const node = await testNode(kube, dataDir);
  try {
    const created = await kube.create(PODS, sandboxPod("a"));
    await kube.create(PODS, sandboxPod("b"));
    // Bound to this node by name (as a scheduler would): its deletion is graceful.
    await kube.create(PODS, {
      ...sandboxPod("c"),
      spec: { ...sandboxPod("c").spec!, nodeName: node.nodeName },
    });
    // Not ours: a plain pod, and a sandbox pod bound to another node.
    await kube.create(PODS, {
      ...sandboxPod("plain"),
      metadata: { name: "plain", namespace: "default" },
    });
    await kube.create(PODS, {
      ...sandboxPod("elsewhere"),
      spec: { containers: [{ name: "x", image: BASE_IMAGE }], nodeName: "other" },
    });
    const a = await waitPod(kube, "a", isReady);
    const b = await waitPod(kube, "b", isReady);
    assert.equal(a.metadata.uid, created.metadata.uid);
    const ipA = podIP(a), ipB = podIP(b);
    assert.notEqual(ipA, ipB);
    assert.equal(a.status?.hostIP, "127.0.0.1");
    assert.ok(a.status?.startTime);
    assert.equal(condition(a, CONDITION_POD_FROZEN), "False");
    assert.equal((await kube.get<Pod>(PODS, "default", "plain")).status?.phase, "Pending");
    assert.equal((await kube.get<Pod>(PODS, "default", "elsewhere")).status?.phase, "Pending");

    assert.equal(
      (await run(ipA, "echo hi > /home/user/mine && cat /home/user/mine")).stdout,
      "hi\n",
    );
    assert.equal((await run(ipB, "ls -A /home/user/mine 2>&1 | grep -c 'No such'")).stdout, "1\n");
    assert.equal((await run(ipA, "hostname")).stdout, "a\n");
    const count = Number((await run(ipA, "ls /proc | grep -c '^[0-9]'")).stdout.trim());
    assert.ok(count > 0 && count < 15, `sandbox sees ${count} processes`);
    // The pod's limits are its container's cgroup's.
    const recA = await record(dataDir, a);
    assert.ok(recA.container);
    assert.equal((await memoryUsage(recA.container.cgroupsPath)).limitBytes, 256 * 2 ** 20);

    // Freeze: the cgroup freezer stops every process, the runtime stops answering, b runs on.
    const inner = (await run(ipA, "setsid sleep 1000 >/dev/null 2>&1 & echo $!")).stdout.trim();
    await kube.patch(PODS, "default", "a", {
      metadata: { annotations: { [ANNOTATION_POD_FREEZE]: "true" } },
    });
    await waitPod(kube, "a", (p) => condition(p, CONDITION_POD_FROZEN) === "True");
    assert.equal(await freezerState(recA.container.cgroupsPath), "FROZEN");
    assert.equal(await healthy(ipA), false);
    assert.ok(await healthy(ipB), "freezing a froze b");
    await kube.patch(PODS, "default", "a", {
      metadata: { annotations: { [ANNOTATION_POD_FREEZE]: null } },
    });
    await waitPod(kube, "a", (p) => condition(p, CONDITION_POD_FROZEN) === "False");
    assert.ok(await eventually(() => healthy(ipA)));
    assert.equal((await run(ipA, `kill -0 ${inner} && cat /home/user/mine`)).stdout, "hi\n");

    // Delete: the container, its network and its directory are gone.
    await kube.delete(PODS, "default", "a");
    assert.ok(
      await eventually(async () => !(await Deno.stat(recA.dir).then(() => true, () => false))),
      "pod a left its directory behind",
    );
    assert.equal(await healthy(ipA), false);
    assert.ok(await healthy(ipB));

    // A pod bound to the node stays Terminating while the node stops its container (SIGTERM,
    // then the grace period), and goes once the node confirms with a delete of grace 0.
    const c = await waitPod(kube, "c", isReady);
    const recC = await record(dataDir, c);
    await kube.delete(PODS, "default", "c", { gracePeriodSeconds: 5 });
    const terminating = await kube.get<Pod>(PODS, "default", "c");
    assert.equal(terminating.metadata.deletionGracePeriodSeconds, 5);
    assert.ok(
      await eventually(async () =>
        !(await kube.list(PODS)).items.some((p) => p.metadata.name === "c")
      ),
      "the node never confirmed that pod c stopped",
    );
    assert.equal(await Deno.stat(recC.dir).then(() => true, () => false), false);
    assert.equal(await healthy(podIP(c)), false);
    assert.ok(await healthy(ipB));
  } finally {
    await node.stop({ killSandboxes: true, teardown: true });
    await nothingLeft(node);
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("a pod whose image is not built here waits with ErrImageNeverPull", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "local-node-" });
  await using kube = await EmbeddedStore.open();
  const node = await testNode(kube, dataDir);
  try {
    await kube.create(PODS, sandboxPod("nope", "example.com/nope:1"));
    const pod = await waitPod(kube, "nope", (p) => p.status?.reason === REASON_IMAGE_NOT_PRESENT);
    assert.equal(pod.status?.phase, "Pending");
    assert.match(pod.status?.message ?? "", /example\.com\/nope:1/);
    assert.match(pod.status?.message ?? "", /kruise-agents\/sandbox-base/, "names what is built");
  } finally {
    await node.stop({ killSandboxes: true, teardown: true });
    await nothingLeft(node);
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("a restarted node re-adopts live containers and reports dead ones Failed", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "local-node-" });
  const kubeDir = await Deno.makeTempDir({ prefix: "local-node-kube-" });
  let kube = await EmbeddedStore.open({ dataDir: kubeDir });
  let node = await testNode(kube, dataDir);
  try {
    await kube.create(PODS, sandboxPod("keep"));
    await kube.create(PODS, sandboxPod("lose"));
    const keep = await waitPod(kube, "keep", isReady);
    const lose = await waitPod(kube, "lose", isReady);
    const ip = podIP(keep);
    const inner =
      (await run(ip, "echo kept > /home/user/f; setsid sleep 1000 >/dev/null 2>&1 & echo $!"))
        .stdout.trim();
    const before = await record(dataDir, keep);
    const lost = await record(dataDir, lose);

    // The whole dev process goes: node and store. The containers stay.
    await node.stop();
    await kube.close();
    assert.ok(await healthy(ip));
    // One sandbox dies while no node is running.
    await node.containers.runc.kill(lost.container!.containerId, "KILL");
    assert.ok(await eventually(async () => !(await node.containers.alive(lost.container!))));

    kube = await EmbeddedStore.open({ dataDir: kubeDir });
    node = await testNode(kube, dataDir);
    const adopted = await waitPod(kube, "keep", isReady);
    assert.equal(adopted.status?.podIP, ip);
    const after = await record(dataDir, keep);
    assert.deepEqual(after.container, before.container);
    assert.equal((await run(ip, `kill -0 ${inner} && cat /home/user/f`)).stdout, "kept\n");
    const failed = await waitPod(kube, "lose", (p) => p.status?.phase === "Failed");
    assert.equal(failed.status?.reason, REASON_LOST);
    assert.equal(condition(failed, "Ready"), "False");

    // A container that dies under a running node is reported too.
    await node.containers.runc.kill(after.container!.containerId, "KILL");
    const died = await waitPod(kube, "keep", (p) => p.status?.phase === "Failed");
    assert.equal(died.status?.reason, REASON_RUNTIME_EXITED);

    // Deleting the failed pods removes what is left of them.
    await kube.delete(PODS, "default", "keep");
    await kube.delete(PODS, "default", "lose");
    assert.ok(
      await eventually(async () =>
        !(await Deno.stat(after.dir).then(() => true, () => false)) &&
        !(await Deno.stat(lost.dir).then(() => true, () => false))
      ),
    );
  } finally {
    await node.stop({ killSandboxes: true, teardown: true });
    await nothingLeft(node);
    await kube.close();
    await Deno.remove(dataDir, { recursive: true });
    await Deno.remove(kubeDir, { recursive: true });
  }
});
