/**
 * Finding processes through `/proc`, for the tests that check what a start left running and
 * that a stop leaves nothing behind. Linux only; needs `--allow-read` of `/proc`.
 *
 * @module
 */

/**
 * Pids of the processes for which `test(pid)` holds. A process that exits during the scan (its
 * `/proc` entry gone, so `test` throws) is left out.
 *
 * @example
 * ```ts ignore
 * import { processesWhere } from "@kruise-agents/shared/testing";
 * const inNetns = await processesWhere(async (pid) =>
 *   await Deno.readLink(`/proc/${pid}/ns/net`) === "net:[4026531840]"
 * );
 * ```
 */
export async function processesWhere(
  test: (pid: number) => Promise<boolean>,
): Promise<number[]> {
  const pids: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const pid = Number(entry.name);
    try {
      if (await test(pid)) pids.push(pid);
    } catch { /* exited */ }
  }
  return pids;
}

/**
 * Pids of the processes whose command line names `needle`.
 *
 * @example
 * ```ts ignore
 * import { processesNaming } from "@kruise-agents/shared/testing";
 * const leftovers = await processesNaming("agent-runtime");
 * if (leftovers.length > 0) throw new Error(`still running: ${leftovers.join(", ")}`);
 * ```
 */
export function processesNaming(needle: string): Promise<number[]> {
  return processesWhere(async (pid) =>
    (await Deno.readTextFile(`/proc/${pid}/cmdline`)).includes(needle)
  );
}
