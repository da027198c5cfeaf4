/**
 * The local node end to end: Pods in an EmbeddedStore, real sandboxes (namespaces, the real
 * runtime), status written back, freeze, delete, and a restart of the node.
 */
import assert from "node:assert/strict";
import { EmbeddedStore, type KubeClient, PODS } from "@kruise-agents/shared/kube";
import {
  ANNOTATION_POD_FREEZE,
  CONDITION_POD_FROZEN,
  CREATED_BY_SANDBOX,
  LABEL_CREATED_BY,
} from "@kruise-agents/shared/api";
import { ENVD_PORT } from "@kruise-agents/shared/envd/http";
import { REASON_LOST, REASON_RUNTIME_EXITED, startLocalNode } from "./mod.ts";
import type { Pod } from "@kruise-agents/shared/api";
import { livePids, probeHealth } from "./sandbox_process.ts";
import { readStat } from "./proc.ts";
import type { SandboxRecord } from "./sandbox_record.ts";
import { eventually, run } from "./test_support.ts";

function sandboxPod(name: string): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { [LABEL_CREATED_BY]: CREATED_BY_SANDBOX } },
    spec: { containers: [{ name: "sandbox", image: "local" }] },
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
  });
  assert.ok(ok, `pod ${name} never reached the expected state: ${JSON.stringify(last?.status)}`);
  return last!;
}

function podIP(pod: Pod): string {
  const ip = pod.status?.podIP;
  assert.ok(
    ip !== undefined && ip.startsWith("127.77."),
    `pod ${pod.metadata.name} has podIP ${ip}`,
  );
  return ip;
}

const isReady = (p: Pod) => p.status?.phase === "Running" && condition(p, "Ready") === "True";

async function record(dataDir: string, pod: Pod): Promise<SandboxRecord> {
  return JSON.parse(await Deno.readTextFile(`${dataDir}/pods/${pod.metadata.uid}/sandbox.json`));
}

async function hostPidOf(pidNs: string, innerPid: number): Promise<number | undefined> {
  for (const pid of await livePids(pidNs)) {
    const status = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => "");
    const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/);
    if (nspid?.at(-1) === String(innerPid)) return pid;
  }
  return undefined;
}

Deno.test("pods become Running and Ready sandboxes; freeze, thaw and delete act on every process", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "local-node-" });
  await using kube = await EmbeddedStore.open();
  const node = await startLocalNode({ kube, dataDir });
  try {
    const created = await kube.create(PODS, sandboxPod("a"));
    await kube.create(PODS, sandboxPod("b"));
    // Not ours: a plain pod, and a sandbox pod bound to another node.
    await kube.create(PODS, {
      ...sandboxPod("plain"),
      metadata: { name: "plain", namespace: "default" },
    });
    await kube.create(PODS, {
      ...sandboxPod("elsewhere"),
      spec: { containers: [], nodeName: "other" },
    });
    const a = await waitPod(kube, "a", isReady);
    const b = await waitPod(kube, "b", isReady);
    assert.equal(a.metadata.uid, created.metadata.uid);
    const ipA = podIP(a), ipB = podIP(b);
    assert.notEqual(ipA, ipB);
    assert.equal(a.status?.hostIP, "127.0.0.1");
    assert.ok(a.status?.startTime);
    assert.equal(condition(a, CONDITION_POD_FROZEN), "False");
    const health = await fetch(`http://${ipA}:${ENVD_PORT}/health`);
    await health.body?.cancel();
    assert.equal(health.status, 204);
    assert.equal((await kube.get<Pod>(PODS, "default", "plain")).status?.phase, "Pending");
    assert.equal(
      (await kube.get<Pod>(PODS, "default", "elsewhere")).status?.phase,
      "Pending",
    );

    assert.equal(
      (await run(ipA, "echo hi > /home/user/mine && cat /home/user/mine")).stdout,
      "hi\n",
    );
    assert.equal((await run(ipB, "ls -A /home/user")).stdout, "");
    const count = Number((await run(ipA, "ls /proc | grep -c '^[0-9]'")).stdout.trim());
    assert.ok(count > 0 && count < 12, `sandbox sees ${count} processes`);

    // Freeze: the runtime stops answering and a background sleep is stopped, not killed.
    const inner = Number(
      (await run(ipA, "setsid sleep 1000 >/dev/null 2>&1 & echo $!")).stdout.trim(),
    );
    const rec = await record(dataDir, a);
    assert.ok(rec.processes);
    const sleepPid = await hostPidOf(rec.processes.pidNamespace, inner);
    assert.ok(sleepPid !== undefined);
    const sleepStart = (await readStat(sleepPid))?.startTicks;
    await kube.patch(PODS, "default", "a", {
      metadata: { annotations: { [ANNOTATION_POD_FREEZE]: "true" } },
    });
    await waitPod(kube, "a", (p) => condition(p, CONDITION_POD_FROZEN) === "True");
    assert.equal((await readStat(sleepPid))?.state, "T");
    assert.equal(await probeHealth(ipA, ENVD_PORT), false);
    assert.ok(await probeHealth(ipB, ENVD_PORT), "freezing a froze b");

    await kube.patch(PODS, "default", "a", {
      metadata: { annotations: { [ANNOTATION_POD_FREEZE]: null } },
    });
    await waitPod(kube, "a", (p) => condition(p, CONDITION_POD_FROZEN) === "False");
    assert.ok(await eventually(() => probeHealth(ipA, ENVD_PORT)));
    assert.equal((await readStat(sleepPid))?.startTicks, sleepStart);
    assert.equal((await run(ipA, `kill -0 ${inner} && cat /home/user/mine`)).stdout, "hi\n");

    // Delete: no process of the sandbox is left, its directory is gone.
    await kube.delete(PODS, "default", "a");
    assert.ok(
      await eventually(async () =>
        (await livePids(rec.processes!.pidNamespace)).length === 0 &&
        !(await Deno.stat(rec.dir).then(() => true, () => false))
      ),
      "sandbox a left processes or files behind",
    );
    assert.equal(
      await readStat(sleepPid).then((s) =>
        s !== undefined && s.startTicks === sleepStart && s.state !== "Z"
      ),
      false,
    );
    assert.ok(await probeHealth(ipB, ENVD_PORT));
  } finally {
    await node.stop({ killSandboxes: true });
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("a pod that serves 49999 gets a runtime started with the code interpreter on 49999", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "local-node-" });
  await using kube = await EmbeddedStore.open();
  const node = await startLocalNode({ kube, dataDir });
  try {
    const pod = sandboxPod("ci");
    pod.spec = {
      containers: [{ name: "sandbox", image: "local", ports: [{ containerPort: 49999 }] }],
    };
    await kube.create(PODS, pod);
    await kube.create(PODS, sandboxPod("base"));
    const ci = await waitPod(kube, "ci", (p) => p.status?.phase === "Running");
    const base = await waitPod(kube, "base", (p) => p.status?.phase === "Running");
    const args = async (p: Pod) => {
      const rec = await record(dataDir, p);
      assert.ok(rec.processes);
      const ns = rec.processes.pidNamespace;
      let runtime: string[] | undefined;
      // Running is written once the namespace exists; the runtime is exec'd just after.
      await eventually(async () => {
        for (const pid of await livePids(ns)) {
          const argv = (await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "")).split(
            "\0",
          );
          if (argv[0] === Deno.execPath() && argv.includes("run")) runtime = argv;
        }
        return runtime !== undefined;
      });
      assert.ok(runtime, "no runtime process in the sandbox");
      return runtime;
    };
    const ciArgs = await args(ci);
    assert.equal(ciArgs[ciArgs.indexOf("--interpreter-port") + 1], "49999");
    const baseArgs = await args(base);
    assert.equal(baseArgs[baseArgs.indexOf("--interpreter-port") + 1], "0");
  } finally {
    await node.stop({ killSandboxes: true });
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("a restarted node re-adopts live sandboxes and reports dead ones Failed", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "local-node-" });
  const kubeDir = await Deno.makeTempDir({ prefix: "local-node-kube-" });
  let kube = await EmbeddedStore.open({ dataDir: kubeDir });
  let node = await startLocalNode({ kube, dataDir });
  try {
    await kube.create(PODS, sandboxPod("keep"));
    await kube.create(PODS, sandboxPod("lose"));
    const keep = await waitPod(kube, "keep", isReady);
    const lose = await waitPod(kube, "lose", isReady);
    const ip = podIP(keep);
    const inner = Number(
      (await run(ip, "echo kept > /home/user/f; setsid sleep 1000 >/dev/null 2>&1 & echo $!"))
        .stdout.trim(),
    );
    const before = await record(dataDir, keep);
    const lost = await record(dataDir, lose);

    // The whole dev process goes: node and store. The sandboxes stay.
    await node.stop();
    await kube.close();
    assert.ok(await probeHealth(ip, ENVD_PORT));
    // One sandbox dies while no node is running.
    Deno.kill(lost.processes!.init.pid, "SIGKILL");
    assert.ok(
      await eventually(async () => (await livePids(lost.processes!.pidNamespace)).length === 0),
    );

    kube = await EmbeddedStore.open({ dataDir: kubeDir });
    node = await startLocalNode({ kube, dataDir });
    const adopted = await waitPod(kube, "keep", isReady);
    assert.equal(adopted.status?.podIP, ip);
    const after = await record(dataDir, keep);
    assert.deepEqual(after.processes, before.processes);
    assert.equal((await run(ip, `kill -0 ${inner} && cat /home/user/f`)).stdout, "kept\n");
    const failed = await waitPod(kube, "lose", (p) => p.status?.phase === "Failed");
    assert.equal(failed.status?.reason, REASON_LOST);
    assert.equal(condition(failed, "Ready"), "False");

    // A runtime that dies under a running node is reported too.
    Deno.kill(after.processes!.init.pid, "SIGKILL");
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
    await node.stop({ killSandboxes: true });
    await kube.close();
    await Deno.remove(dataDir, { recursive: true });
    await Deno.remove(kubeDir, { recursive: true });
  }
});
