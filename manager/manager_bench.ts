/**
 * Benchmarks of the whole single-machine system (`deno task dev`) through the published JS SDK,
 * printed as figures, never asserted: warm `Sandbox.create` p50/p99, create plus first
 * `commands.run` against a bare spawn of the same command, throughput of 100 creates at
 * concurrency 20, and a `commands.run` through the manager's proxy against the same call made
 * directly to the sandbox's runtime.
 *
 * Run: `deno task bench manager` or `deno run --allow-all manager/manager_bench.ts`.
 *
 * @module
 */
import { Sandbox } from "e2b";
import { eventually, prepareDataDir, startDev } from "./e2e/dev_harness.ts";
import { percentile, rowPrinter } from "@kruise-agents/shared/testing";
import { p50p99, timePauseResume } from "./e2e/pause_timing.ts";
import { createMetadata } from "@kruise-agents/shared/api";

const POOL = 12;

const row = rowPrinter(52);

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await fn();
  return [value, performance.now() - t0];
}

/** Waits until `n` warm sandboxes of `base` are ready: probes by the pool's own readiness. */
async function poolReady(dataDir: string, n: number): Promise<boolean> {
  return await eventually(async () => {
    let ready = 0;
    for await (const pod of Deno.readDir(`${dataDir}/node/pods`)) {
      try {
        const record = JSON.parse(
          await Deno.readTextFile(`${dataDir}/node/pods/${pod.name}/sandbox.json`),
        );
        const res = await fetch(`http://${record.container?.ip}:49983/health`, {
          signal: AbortSignal.timeout(500),
        });
        await res.body?.cancel();
        if (res.status === 204) ready++;
      } catch { /* starting or gone */ }
    }
    return ready >= n;
  }, 180_000);
}

/** The runtime address of a sandbox: the pod whose runtime accepts the sandbox's token. */
async function runtimeOf(dataDir: string, token: string): Promise<string | undefined> {
  for await (const pod of Deno.readDir(`${dataDir}/node/pods`)) {
    try {
      const record = JSON.parse(
        await Deno.readTextFile(`${dataDir}/node/pods/${pod.name}/sandbox.json`),
      );
      const res = await fetch(`http://${record.container?.ip}:49983/envs`, {
        headers: { "x-access-token": token },
      });
      await res.body?.cancel();
      if (res.status === 200) return `http://${record.container?.ip}:49983`;
    } catch { /* gone */ }
  }
  return undefined;
}

if (import.meta.main) {
  const dataDir = await Deno.makeTempDir();
  const templates = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${templates}/base.yaml`,
    `apiVersion: agents.kruise.io/v1alpha1
kind: SandboxSet
metadata: { name: base, namespace: default }
spec:
  replicas: ${POOL}
  template:
    spec:
      containers: [{ name: sandbox, image: kruise-agents/sandbox-base:0.1.0, ports: [{ containerPort: 49983 }] }]
`,
  );
  await prepareDataDir(dataDir);
  const dev = await startDev(dataDir, { killSandboxesOnExit: true, templates });
  try {
    console.log(
      "sandbox-manager benchmarks, deno task dev (machine: %d cores)",
      navigator.hardwareConcurrency,
    );
    if (!await poolReady(dataDir, POOL)) console.log("(pool did not fill within 180 s)");
    const opts = { ...dev.sdkOptions, timeoutMs: 600_000 };

    // Warm creates, each from a full pool: on 2 cores a create issued while the previous claim's
    // replacement runtime is starting measures that start-up, not the claim.
    const creates: number[] = [];
    const firstCommand: number[] = [];
    const created: Sandbox[] = [];
    for (let i = 0; i < 20; i++) {
      await poolReady(dataDir, POOL + created.length);
      const [sbx, ms] = await timed(() => Sandbox.create("base", opts));
      creates.push(ms);
      created.push(sbx);
    }
    // Time to first command in a steady state: the pool has refilled before each sample, so a
    // replacement runtime starting on the same 2 cores does not slow the measured command.
    for (let i = 0; i < 12; i++) {
      await poolReady(dataDir, POOL + created.length);
      const [, ms] = await timed(async () => {
        const sbx = await Sandbox.create("base", opts);
        await sbx.commands.run("true");
        created.push(sbx);
      });
      firstCommand.push(ms);
    }
    row("warm Sandbox.create p50", `${percentile(creates, 50).toFixed(2)} ms`, "target <= 15 ms");
    row("warm Sandbox.create p99", `${percentile(creates, 99).toFixed(2)} ms`, "target <= 40 ms");
    row('create + first commands.run("true") p50', `${percentile(firstCommand, 50).toFixed(2)} ms`);

    // A bare spawn of the same command as the sandbox's user, for the time-to-first-command gap.
    const bare: number[] = [];
    for (let i = 0; i < 20; i++) {
      const [, ms] = await timed(() =>
        new Deno.Command("setpriv", {
          args: [
            "--reuid=user",
            "--regid=user",
            "--init-groups",
            "--",
            "/bin/bash",
            "-l",
            "-c",
            "true",
          ],
          env: { HOME: "/home/user", PATH: "/usr/local/bin:/usr/bin:/bin" },
          clearEnv: true,
          cwd: "/tmp",
        }).output()
      );
      bare.push(ms);
    }
    row("bare spawn bash -l -c true p50", `${percentile(bare, 50).toFixed(2)} ms`);
    row(
      "time to first command over bare spawn (p50)",
      `${(percentile(firstCommand, 50) - percentile(bare, 50)).toFixed(2)} ms`,
      "target <= 30 ms",
    );

    // Proxy overhead: the same SDK call through the manager's proxy and straight to the runtime.
    const target = created[0]!;
    const info = await Sandbox.connect(target.sandboxId, opts);
    const direct = await runtimeOf(
      dataDir,
      (info as unknown as { envdAccessToken?: string }).envdAccessToken ?? "",
    );
    if (direct) {
      const viaDirect = await Sandbox.connect(target.sandboxId, { ...opts, sandboxUrl: direct });
      for (let i = 0; i < 20; i++) await info.commands.run("true");
      const proxied: number[] = [], straight: number[] = [];
      for (let i = 0; i < 100; i++) {
        proxied.push((await timed(() => info.commands.run("true")))[1]);
        straight.push((await timed(() => viaDirect.commands.run("true")))[1]);
      }
      const ratio = percentile(proxied, 50) / percentile(straight, 50);
      row("commands.run through proxy p50", `${percentile(proxied, 50).toFixed(2)} ms`);
      row("commands.run direct to runtime p50", `${percentile(straight, 50).toFixed(2)} ms`);
      row("proxy ratio (p50)", ratio.toFixed(3), "target <= 1.15");
    } else {
      row("proxy ratio", "n/a", "runtime address not found");
    }
    // The Freeze pause through the SDK: the local node's cgroup freezer (runc pause).
    const paused = created[0]!;
    const { pauses, resumes } = await timePauseResume(paused, opts, 20);
    row("Freeze pause() p50 / p99 (local node)", p50p99(pauses), "target p50 <= 50 ms");
    row("Freeze resume (connect) p50 / p99", p50p99(resumes), "target p50 <= 50 ms");
    // The Stop pause (`pause({keepMemory: false})`): the pod deleted, recreated at connect.
    const stopped = await timePauseResume(paused, { ...opts, timeoutMs: 600_000 }, 5, false);
    row("Stop pause() p50 / p99 (local node)", p50p99(stopped.pauses));
    row("Stop resume (connect: a new pod) p50 / p99", p50p99(stopped.resumes));
    await Promise.all(created.map((s) => s.kill()));

    // In-place image upgrade (issue 13): a base-pool create naming the code-interpreter image,
    // twice; the first also unpacks the image on this node, the second is the upgrade itself.
    for (const which of ["first use of the image", "image unpacked"]) {
      await poolReady(dataDir, POOL);
      const [upgraded, ms] = await timed(() =>
        Sandbox.create("base", {
          ...opts,
          requestTimeoutMs: 600_000,
          metadata: createMetadata({ image: "kruise-agents/sandbox-code-interpreter:0.1.0" }),
        })
      );
      row(`create with an in-place upgrade (${which})`, `${ms.toFixed(0)} ms`);
      await upgraded.kill();
    }

    // Throughput: 100 creates at concurrency 20 (warm while the pool lasts, then cold).
    await poolReady(dataDir, POOL);
    const burst: Sandbox[] = [];
    let next = 0;
    const [, total] = await timed(() =>
      Promise.all(Array.from({ length: 20 }, async () => {
        while (next < 100) {
          next++;
          burst.push(await Sandbox.create("base", opts));
        }
      }))
    );
    row(
      "100 creates at concurrency 20",
      `${(100 / (total / 1000)).toFixed(1)} /s`,
      `${(total / 1000).toFixed(1)} s total`,
    );
    await Promise.all(burst.map((s) => s.kill()));
  } finally {
    await dev.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    await Deno.remove(templates, { recursive: true }).catch(() => {});
  }
}
