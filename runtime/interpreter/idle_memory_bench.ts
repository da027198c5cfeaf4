/**
 * Idle memory of a code-interpreter sandbox: the runtime as it runs for real (its own process,
 * token from birth, kernels as `user` when run as root), after its startup contexts came up and
 * one `run_code("1+1")` answered, then a few seconds of rest. Prints the resident memory of the
 * runtime, of Jupyter Server and of each kernel, and their sum against the sandbox target
 * (250 MB). Asserts nothing.
 *
 * Run: `deno run --allow-all runtime/interpreter/idle_memory_bench.ts [settle-seconds]`
 *
 * @module
 */
import { Sandbox } from "@e2b/code-interpreter";
import { delay } from "@kruise-agents/shared/std";
import { startRuntime } from "../testing/harness.ts";
import { readRss } from "../testing/rss.ts";
import { descendantsOf, listProcesses } from "./process_tree.ts";

/** One process's share of the idle figure. */
export interface IdleProcess {
  /** What it is: `runtime`, `jupyter server`, or the kernel's command. */
  role: string;
  /** Resident memory in bytes. */
  rss: number;
}

/** Names a process of the sandbox by its command line. */
function roleOf(cmdline: string): string {
  if (cmdline.includes("--ServerApp.ip")) return "jupyter server";
  if (cmdline.includes("ipykernel")) return "python kernel";
  if (cmdline.includes("jupyter --kernel")) return "deno kernel";
  return cmdline.slice(0, 60);
}

/**
 * Starts a runtime with the interpreter, runs one cell through the JS SDK, waits
 * `settleSeconds`, and returns the resident memory of the runtime and of every process below it.
 */
export async function measureIdleMemory(settleSeconds = 5): Promise<IdleProcess[]> {
  await using rt = await startRuntime({ interpreter: true });
  const sbx = await Sandbox.create(rt.sdkOptions);
  const first = await sbx.runCode("1+1");
  if (first.text !== "2") throw new Error(`Unexpected result: ${first.text}`);
  await delay(settleSeconds * 1000);
  const processes = descendantsOf(rt.pid, await listProcesses());
  const figures: IdleProcess[] = [{ role: "runtime", rss: (await readRss(rt.pid)).rss }];
  for (const process of processes) {
    const rss = await readRss(process.pid).then((r) => r.rss, () => 0);
    if (rss > 0) figures.push({ role: roleOf(process.cmdline), rss });
  }
  return figures;
}

if (import.meta.main) {
  const figures = await measureIdleMemory(Number(Deno.args[0] ?? 5));
  const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
  for (const { role, rss } of figures) console.log(`${role.padEnd(20)} ${mb(rss)}`);
  const total = figures.reduce((sum, { rss }) => sum + rss, 0);
  console.log(`${"total".padEnd(20)} ${mb(total)} (target <= 250 MB)`);
}
