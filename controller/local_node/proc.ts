/**
 * Process facts read from `/proc`, the only source that sees processes of other sessions and
 * PID namespaces by their host PIDs. A PID alone is not an identity (PIDs are reused), so every
 * process the node records is identified by PID plus its start time in clock ticks (field 22 of
 * `/proc/PID/stat`), which no later process with the same PID can share.
 *
 * @module
 */

/** A process identity that survives PID reuse. */
export interface ProcessIdentity {
  /** Host PID. */
  pid: number;
  /** Start time in clock ticks since boot (`/proc/PID/stat` field 22). */
  startTicks: number;
}

/** The fields of `/proc/PID/stat` the node uses. */
export interface ProcStat {
  /** Host PID. */
  pid: number;
  /** One-letter state: `R`, `S`, `D`, `T` (stopped), `t`, `Z` (zombie), `X`... */
  state: string;
  /** Parent PID. */
  ppid: number;
  /** Start time in clock ticks since boot. */
  startTicks: number;
}

/** Parses the text of `/proc/PID/stat`; the command name may contain spaces and parentheses. */
export function parseStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(")");
  const open = text.indexOf("(");
  if (close < 0 || open < 0) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // Fields after the command name start at field 3 (state).
  const rest = text.slice(close + 2).split(" ");
  const state = rest[0];
  const ppid = Number(rest[1]);
  const startTicks = Number(rest[19]);
  if (!state || !Number.isInteger(pid) || !Number.isInteger(ppid) || !Number.isFinite(startTicks)) {
    return undefined;
  }
  return { pid, state, ppid, startTicks };
}

/** Reads `/proc/PID/stat`; undefined when the process is gone. */
export async function readStat(pid: number): Promise<ProcStat | undefined> {
  try {
    return parseStat(await Deno.readTextFile(`/proc/${pid}/stat`));
  } catch {
    return undefined;
  }
}

/** Whether the process still exists, is the same one (start time), and is not a zombie. */
export async function isAlive(id: ProcessIdentity): Promise<boolean> {
  const stat = await readStat(id.pid);
  return stat !== undefined && stat.startTicks === id.startTicks && stat.state !== "Z" &&
    stat.state !== "X";
}

/** The identity of a live process. */
export async function identify(pid: number): Promise<ProcessIdentity | undefined> {
  const stat = await readStat(pid);
  return stat ? { pid, startTicks: stat.startTicks } : undefined;
}

/** The PID namespace of a process, e.g. `pid:[4026532301]`; undefined when it is gone. */
export async function pidNamespace(pid: number): Promise<string | undefined> {
  try {
    return await Deno.readLink(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/** Host PIDs of every process now in `/proc`. */
export async function allPids(): Promise<number[]> {
  const pids: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (entry.isDirectory && /^\d+$/.test(entry.name)) pids.push(Number(entry.name));
  }
  return pids;
}

/** Host PIDs of every process in the PID namespace `ns` (as read by {@linkcode pidNamespace}). */
export async function pidsInNamespace(ns: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of await allPids()) {
    if ((await pidNamespace(pid)) === ns) found.push(pid);
  }
  return found;
}

/**
 * Host PIDs of the direct children of `ppid`: from `/proc/PID/task/TID/children` of each of its
 * threads where the kernel offers it (a child belongs to the thread that forked it), else by
 * scanning every process's parent.
 */
export async function childrenOf(ppid: number): Promise<number[]> {
  try {
    const found: number[] = [];
    for await (const task of Deno.readDir(`/proc/${ppid}/task`)) {
      const text = await Deno.readTextFile(`/proc/${ppid}/task/${task.name}/children`);
      found.push(...text.split(" ").filter((t) => t !== "").map(Number));
    }
    return found;
  } catch (error) {
    // Gone (or a thread gone mid-read): no children to report.
    if (!(error instanceof Deno.errors.NotFound)) return [];
    if (await Deno.stat(`/proc/${ppid}`).then(() => false, () => true)) return [];
  }
  const found: number[] = [];
  for (const pid of await allPids()) {
    const stat = await readStat(pid);
    if (stat?.ppid === ppid) found.push(pid);
  }
  return found;
}
