/**
 * Warm creates on a real kube-apiserver, busy and after idling: the programs run as on a cluster
 * (local node, controller and manager, each its own process, on a control plane of its own whose
 * watches end every few seconds). The busy run creates back to back, each time from a refilled
 * pool; the idle run lets every watch of every program end (a watch lifetime and a second) before
 * each create. A program that went deaf while idle would show here as a create that waits for a
 * cold start or times out, instead of one in the same range as the busy run.
 *
 * Run: `deno task bench kube` or `deno run --allow-all manager/kube_bench.ts`.
 *
 * @module
 */
import { Sandbox } from "e2b";
import { createKubernetesClient, NAMESPACES } from "@kruise-agents/shared/kube";
import { delay } from "@kruise-agents/shared/std";
import { basePool, poolFull, startSystem, stopSystem, type System } from "./e2e/kube_system.ts";
import { kubeDown, kubeEnv, percentile, rowPrinter } from "@kruise-agents/shared/testing";

const WATCH_TIMEOUT = 4;
const SAMPLES = 15;
const IDLE_SAMPLES = 5;

const row = rowPrinter(60, 16);

async function warmCreate(system: System): Promise<number> {
  await poolFull(system, "a full pool");
  const t0 = performance.now();
  const sbx = await Sandbox.create("base", { ...system.sdk, timeoutMs: 120_000 });
  const ms = performance.now() - t0;
  await sbx.kill();
  return ms;
}

if (import.meta.main) {
  const env = await kubeEnv({ name: "bench", minRequestTimeout: WATCH_TIMEOUT });
  const dir = await Deno.makeTempDir({ prefix: "ka-kube-bench-" });
  const namespace = "bench";
  const admin = createKubernetesClient({ kubeconfigPath: env.kubeconfig });
  const crds = new URL("../charts/kruise-agents/crds/", import.meta.url).pathname;
  await new Deno.Command(`${env.binDir}/kubectl`, {
    args: [`--kubeconfig=${env.kubeconfig}`, "apply", "--server-side", "-f", crds],
    stdout: "null",
  }).output();
  let system: System | undefined;
  try {
    await basePool(admin, namespace, 2);
    system = await startSystem(env, dir, namespace, WATCH_TIMEOUT);
    await warmCreate(system); // warm-up: first claim, first proxy connection
    const busy: number[] = [];
    for (let i = 0; i < SAMPLES; i++) busy.push(await warmCreate(system));
    const idle: number[] = [];
    for (let i = 0; i < IDLE_SAMPLES; i++) {
      await poolFull(system, "a full pool");
      await delay(2 * WATCH_TIMEOUT * 1000 + 1000); // every watch has ended at least once
      idle.push(await warmCreate(system));
    }
    console.log(`real kube-apiserver, watches end every ${WATCH_TIMEOUT}-${2 * WATCH_TIMEOUT} s`);
    row(
      `warm Sandbox.create, busy (${SAMPLES} back to back) p50 / p99`,
      `${percentile(busy, 50).toFixed(1)} / ${percentile(busy, 99).toFixed(1)} ms`,
    );
    row(
      `warm Sandbox.create after ${2 * WATCH_TIMEOUT + 1} s idle (${IDLE_SAMPLES}) p50 / max`,
      `${percentile(idle, 50).toFixed(1)} / ${Math.max(...idle).toFixed(1)} ms`,
    );
  } finally {
    await stopSystem(system);
    await admin.delete(NAMESPACES, "", namespace).catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await kubeDown(env);
  }
}
