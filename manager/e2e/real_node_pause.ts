/**
 * Issue 13's Freeze pause on the real node of `kube.sh up-node`, for `real_node_test.ts`: the node
 * agent runs as its own process on the host (which is the node), as the chart's DaemonSet runs it
 * on every node, and the published JS SDK pauses and resumes a code-interpreter sandbox whose pod
 * the kubelet runs.
 *
 * What it shows: the pod's cgroup is frozen while paused (the kernel's `freezer.state`, read on
 * the host); a daemon in its own session and, where the container may create one (it has no
 * CAP_SYS_ADMIN by default, so usually not), a `sudo unshare --pid` child stop too (their ticking
 * loops leave a gap as long as the pause); the data plane answers 502 meanwhile; and after
 * `connect` the background process has its PID and the kernel its variables. It returns the pause
 * and resume latencies it measured.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Sandbox as CodeSandbox } from "@e2b/code-interpreter";
import { percentile } from "@kruise-agents/shared/testing";
import type { DevUnderTest } from "./dev_harness.ts";
import { type RealNode, sandboxOf } from "./real_node.ts";
import { timePauseResume } from "./pause_timing.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
/** The node's name and the kubelet's `cgroupRoot` in `hack/kube/node.sh`. */
const NODE_NAME = "kruise-agents-node";
const KUBELET_CGROUP_ROOT = "/kruise-agents-node";

/**
 * The node agent process, stopped with SIGTERM on dispose. On the host it needs `--allow-all`
 * (Deno grants nothing under `/sys` otherwise); the DaemonSet runs it with the task's flags.
 */
export function startNodeAgentProcess(kubeconfig: string): AsyncDisposable {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "controller/node_agent/main.ts",
      "--kubeconfig",
      kubeconfig,
      "--node-name",
      NODE_NAME,
      "--kubelet-cgroup-root",
      KUBELET_CGROUP_ROOT,
      "--health-port",
      "0",
    ],
    cwd: ROOT,
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  return {
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await child.status;
    },
  };
}

/** The pod's freezer state, read on the host. */
async function freezerState(node: RealNode, sandboxId: string): Promise<string> {
  const object = await sandboxOf(node.kube, sandboxId);
  const uid = (object?.status as { podInfo?: { podUID?: string } })?.podInfo?.podUID;
  assert.ok(uid, "the sandbox reports its pod's UID");
  for (const qos of ["", "burstable/", "besteffort/"]) {
    const file =
      `/sys/fs/cgroup/freezer${KUBELET_CGROUP_ROOT}/kubepods/${qos}pod${uid}/freezer.state`;
    try {
      return (await Deno.readTextFile(file)).trim();
    } catch { /* another QoS class */ }
  }
  assert.fail(`no freezer cgroup for pod ${uid}`);
}

/**
 * The seed's pause on the real node through the JS SDK, with what must hold while paused and
 * after; then `rounds` more pause/connect pairs, timed. Returns the figures.
 */
export async function freezeOnRealNode(
  node: RealNode,
  dev: DevUnderTest,
  rounds = 5,
): Promise<Record<string, string>> {
  const sbx = await CodeSandbox.create("code-interpreter", dev.sdkOptions);
  try {
    await sbx.runCode("a = 1");
    const worker = await sbx.commands.run("sleep 600", { background: true });
    // A daemon in its own session, and a child in its own PID namespace if the kernel lets the
    // container make one: the two ways out of one process tree or one PID namespace.
    const loop = (file: string) => `while :; do date +%s%N >> ${file}; sleep 0.05; done`;
    await sbx.commands.run(`setsid -f sh -c '${loop("/tmp/ticks-setsid")}' >/dev/null 2>&1`);
    const unshared = await sbx.commands.run(
      `sudo unshare --pid --fork sh -c '${loop("/tmp/ticks-unshare")}' >/dev/null 2>&1 & ` +
        "sleep 1; test -s /tmp/ticks-unshare && echo running || echo refused",
    );
    const files = ["/tmp/ticks-setsid"];
    if (unshared.stdout.includes("running")) files.push("/tmp/ticks-unshare");
    assert.equal(await freezerState(node, sbx.sandboxId), "THAWED");

    assert.equal(await sbx.pause(), true);
    assert.equal(await freezerState(node, sbx.sandboxId), "FROZEN");
    assert.equal((await sbx.getInfo()).state, "paused");
    // The data plane: E2B's 502, which the SDK reports as a sandbox not running.
    await assert.rejects(sbx.commands.run("true", { requestTimeoutMs: 10_000 }));
    await new Promise((r) => setTimeout(r, 2_000));

    const resumed = await CodeSandbox.connect(sbx.sandboxId, dev.sdkOptions);
    assert.equal(await freezerState(node, sbx.sandboxId), "THAWED");
    const alive = await resumed.commands.run(`tr '\\0' ' ' < /proc/${worker.pid}/cmdline`);
    assert.equal(alive.stdout.trim(), "sleep 600", "the background process kept its PID");
    const a = await resumed.runCode("print(a)");
    assert.deepEqual(a.logs.stdout, ["1\n"]);
    // Each loop stopped for the whole pause: its longest gap covers the 2 s wait.
    await new Promise((r) => setTimeout(r, 300));
    let longest = Infinity;
    for (const file of files) {
      const ticks = (await resumed.files.read(file)).trim().split("\n").map(Number);
      const gaps = ticks.slice(1).map((t, i) => (t - ticks[i]!) / 1e6);
      const gap = Math.max(...gaps);
      assert.ok(gap >= 2_000, `${file}: it ran while paused (longest gap ${gap} ms)`);
      assert.ok(ticks.at(-1)! / 1e6 > Date.now() - 5_000, `${file}: it ticks again after`);
      longest = Math.min(longest, gap);
    }

    const { pauses, resumes } = await timePauseResume(resumed, dev.sdkOptions, rounds);
    return {
      "Freeze pause p50 (real node)": `${percentile(pauses, 50).toFixed(0)} ms`,
      "Freeze resume p50 (real node)": `${percentile(resumes, 50).toFixed(0)} ms`,
      "tick gap of the detached loops while paused": `${longest.toFixed(0)} ms (${
        files.join(", ")
      })`,
    };
  } finally {
    await sbx.kill();
  }
}
