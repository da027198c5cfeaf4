/**
 * Pause by freezing: every process of a sandbox is stopped with SIGSTOP and later continued with
 * SIGCONT, so memory, PIDs, open files and the runtime's state (access token, env vars) survive
 * and resume takes milliseconds. The processes are found by PID namespace, which catches
 * everything the sandbox started, whatever session or process group it moved to.
 *
 * A process forking while the freeze runs may create a child after the scan; so the scan repeats
 * until one finds nothing that is not stopped.
 *
 * @module
 */
import { LocalNodeError } from "./errors.ts";
import { livePids } from "./sandbox_process.ts";
import { readStat } from "./proc.ts";

const ROUNDS = 250;

function send(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch { /* gone meanwhile */ }
}

/**
 * Stops every process of the PID namespace and returns once all of them are in the stopped
 * state (`T`).
 *
 * @throws {LocalNodeError} `SignalFailed` if the namespace does not settle within its rounds.
 */
export async function freezeNamespace(pidNs: string): Promise<void> {
  for (let round = 0; round < ROUNDS; round++) {
    let running = 0;
    for (const pid of await livePids(pidNs)) {
      const state = (await readStat(pid))?.state;
      if (state === undefined || state === "T" || state === "t") continue;
      running++;
      send(pid, "SIGSTOP");
    }
    if (running === 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new LocalNodeError("SignalFailed", `Cannot freeze ${pidNs}: processes keep running`);
}

/**
 * Continues every process of the PID namespace and returns once none is stopped.
 *
 * @throws {LocalNodeError} `SignalFailed` if processes stay stopped.
 */
export async function thawNamespace(pidNs: string): Promise<void> {
  for (let round = 0; round < ROUNDS; round++) {
    let stopped = 0;
    for (const pid of await livePids(pidNs)) {
      if ((await readStat(pid))?.state !== "T") continue;
      stopped++;
      send(pid, "SIGCONT");
    }
    if (stopped === 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new LocalNodeError("SignalFailed", `Cannot thaw ${pidNs}: processes stay stopped`);
}

/** Whether every live process of the namespace is stopped (and there is at least one). */
export async function isFrozen(pidNs: string): Promise<boolean> {
  const pids = await livePids(pidNs);
  if (pids.length === 0) return false;
  for (const pid of pids) {
    if ((await readStat(pid))?.state !== "T") return false;
  }
  return true;
}
