/**
 * A look at the process table. The interpreter uses it to find kernel
 * processes that outlived the Jupyter Server (kernels run in their own sessions, so a server that
 * died hard leaves them behind); tests use it to prove no kernel or zombie is left.
 *
 * @module
 */

/** One process, as `ps` describes it. */
export interface ProcessInfo {
  /** Process id. */
  pid: number;
  /** Parent process id. */
  ppid: number;
  /** State letter: `R`, `S`, `Z` (zombie), ... */
  state: string;
  /** Command line, arguments joined with spaces. */
  cmdline: string;
}

/**
 * Every process on the machine, from `ps`. Deno denies reads under `/proc` unless it runs with
 * `--allow-all`, and the runtime runs with explicit flags including `--allow-run`, so `ps` (procps)
 * is the portable way in.
 */
export async function listProcesses(): Promise<ProcessInfo[]> {
  const { success, stdout } = await new Deno.Command("ps", {
    args: ["-e", "-o", "pid=,ppid=,stat=,args="],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
    env: { LC_ALL: "C" },
  }).output();
  if (!success) throw new Error("Cannot list processes: ps failed");
  const processes: ProcessInfo[] = [];
  for (const line of new TextDecoder().decode(stdout).split("\n")) {
    const match = /^\s*(\d+)\s+(\d+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!match) continue;
    const [, pid = "", ppid = "", stat = "", args = ""] = match;
    processes.push({
      pid: Number(pid),
      ppid: Number(ppid),
      state: stat[0] ?? "?",
      cmdline: args.trim(),
    });
  }
  return processes;
}

/** The descendants of `pid` (children, grandchildren, ...) among `processes`. */
export function descendantsOf(pid: number, processes: readonly ProcessInfo[]): ProcessInfo[] {
  const children = new Map<number, ProcessInfo[]>();
  for (const info of processes) {
    const siblings = children.get(info.ppid) ?? [];
    siblings.push(info);
    children.set(info.ppid, siblings);
  }
  const result: ProcessInfo[] = [];
  const queue = [pid];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of children.get(next) ?? []) {
      result.push(child);
      queue.push(child.pid);
    }
  }
  return result;
}
