/**
 * A thin typed wrapper of the `runc` command line, with a state directory (`--root`) of its own
 * so the node never sees (or deletes) containers of other users of runc on the machine.
 *
 * A container outlives the program that started it: the local node re-adopts running containers
 * after a restart. So nothing ties a container to the Deno process: no `--console-socket`, no
 * pipes. `runc create` runs under a small `sh` that points the container's stdin at `/dev/null`
 * and its stdout and stderr at a log file before `exec`ing runc; runc hands those descriptors to
 * the container process ("pass-through" stdio) and exits, and the container is re-parented to the
 * machine's init.
 *
 * runc's own errors are read from its `--log` file (JSON lines), because with pass-through stdio
 * runc's stderr is the container's log.
 *
 * @module
 */
import { delay } from "@kruise-agents/shared/std";
import { type CommandRunner, runCommand } from "./_command.ts";
import { ContainerError, RuncError } from "./errors.ts";

/** The default state directory of the node's runc. */
export const DEFAULT_RUNC_ROOT = "/run/kruise-agents/runc";

/** A container's status as runc reports it. */
export type RuncStatus = "creating" | "created" | "running" | "paused" | "stopped";

/** What `runc state` (and each entry of `runc list`) says about a container. */
export interface RuncState {
  /** The container id. */
  id: string;
  /** Host PID of the container's init (0 when stopped). */
  pid: number;
  /** Status. */
  status: RuncStatus;
  /** The bundle directory. */
  bundle: string;
  /** The root filesystem path. */
  rootfs: string;
  /** Creation time (RFC 3339). */
  created: string;
  /** The spec's annotations. */
  annotations: Record<string, string>;
}

/** Options of {@linkcode Runc}. */
export interface RuncOptions {
  /** The state directory. @default {DEFAULT_RUNC_ROOT} */
  root?: string;
  /** The runc binary. @default {"runc"} */
  binary?: string;
  /** How commands run (tests may record). @default {runCommand} */
  run?: CommandRunner;
}

/** Options of {@linkcode Runc.create}. */
export interface CreateOptions {
  /** The container's stdout and stderr go here (appended). */
  logFile: string;
  /** runc's own log (JSON lines). @default {`${bundle}/runc.log`} */
  runcLog?: string;
  /** Where runc writes the init's PID. @default {`${bundle}/init.pid`} */
  pidFile?: string;
}

const STATUSES: ReadonlySet<string> = new Set([
  "creating",
  "created",
  "running",
  "paused",
  "stopped",
]);

/**
 * Parses one container object of `runc state`/`runc list --format json`.
 *
 * @throws {TypeError} When the object lacks the fields runc always prints.
 */
export function parseRuncState(value: unknown): RuncState {
  if (typeof value !== "object" || value === null) {
    throw new TypeError("Cannot parse runc state: not an object");
  }
  const v = value as Record<string, unknown>;
  if (typeof v.id !== "string" || typeof v.status !== "string" || !STATUSES.has(v.status)) {
    throw new TypeError(`Cannot parse runc state: bad id or status in ${JSON.stringify(value)}`);
  }
  const annotations: Record<string, string> = {};
  if (typeof v.annotations === "object" && v.annotations !== null) {
    for (const [k, a] of Object.entries(v.annotations)) {
      if (typeof a === "string") annotations[k] = a;
    }
  }
  return {
    id: v.id,
    pid: typeof v.pid === "number" ? v.pid : 0,
    status: v.status as RuncStatus,
    bundle: typeof v.bundle === "string" ? v.bundle : "",
    rootfs: typeof v.rootfs === "string" ? v.rootfs : "",
    created: typeof v.created === "string" ? v.created : "",
    annotations,
  };
}

/** The error messages of a runc `--log-format json` log, last first trimmed to what matters. */
export function runcLogErrors(log: string): string[] {
  const errors: string[] = [];
  for (const line of log.split("\n")) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string };
      if ((entry.level === "error" || entry.level === "fatal") && entry.msg) errors.push(entry.msg);
    } catch {
      errors.push(line.trim());
    }
  }
  return errors;
}

/** The node's runc, bound to its own state directory. */
export class Runc {
  #root: string;
  #binary: string;
  #run: CommandRunner;

  /** Binds to a state directory; nothing runs until a method is called. */
  constructor(options: RuncOptions = {}) {
    this.#root = options.root ?? DEFAULT_RUNC_ROOT;
    this.#binary = options.binary ?? "runc";
    this.#run = options.run ?? runCommand;
  }

  /** The state directory. */
  get root(): string {
    return this.#root;
  }

  async #exec(args: string[]): Promise<string> {
    const out = await this.#run(this.#binary, ["--root", this.#root, ...args]);
    if (out.code !== 0) throw new RuncError(args, out.code, out.stderr || out.stdout);
    return out.stdout;
  }

  /**
   * `runc create`: sets up the container's namespaces, mounts and cgroup and leaves its init
   * waiting for {@linkcode Runc.start}. Detached by construction (see the module doc).
   *
   * @throws {RuncError} With runc's logged error in the message.
   */
  async create(id: string, bundle: string, options: CreateOptions): Promise<void> {
    const runcLog = options.runcLog ?? `${bundle}/runc.log`;
    const pidFile = options.pidFile ?? `${bundle}/init.pid`;
    const args = [
      "--root",
      this.#root,
      "--log",
      runcLog,
      "--log-format",
      "json",
      "create",
      "--bundle",
      bundle,
      "--pid-file",
      pidFile,
      id,
    ];
    const out = await this.#run("/bin/sh", [
      "-c",
      'log="$1"; shift; exec "$@" </dev/null >>"$log" 2>&1',
      "sh",
      options.logFile,
      this.#binary,
      ...args,
    ]);
    if (out.code !== 0) {
      let said = out.stderr;
      try {
        said = runcLogErrors(await Deno.readTextFile(runcLog)).slice(-2).join("; ") || said;
      } catch { /* no log: keep stderr */ }
      throw new RuncError(["create", id], out.code, said);
    }
  }

  /** `runc start`: the created container's init execs the process. */
  async start(id: string): Promise<void> {
    await this.#exec(["start", id]);
  }

  /**
   * `runc state`.
   *
   * @throws {RuncError} Code `ContainerNotFound` when there is no such container.
   */
  async state(id: string): Promise<RuncState> {
    return parseRuncState(JSON.parse(await this.#exec(["state", id])));
  }

  /** `runc state`, or undefined when the container does not exist. */
  async stateOrUndefined(id: string): Promise<RuncState | undefined> {
    try {
      return await this.state(id);
    } catch (error) {
      if (error instanceof ContainerError && error.code === "ContainerNotFound") return undefined;
      throw error;
    }
  }

  /** `runc list`: every container under this state directory. */
  async list(): Promise<RuncState[]> {
    const parsed = JSON.parse(await this.#exec(["list", "--format", "json"])) as unknown;
    if (parsed === null) return [];
    if (!Array.isArray(parsed)) throw new TypeError("Cannot parse runc list: not an array");
    return parsed.map(parseRuncState);
  }

  /** `runc kill`: sends a signal to the init (or, with `all`, to every process). */
  async kill(id: string, signal = "KILL", options: { all?: boolean } = {}): Promise<void> {
    await this.#exec(["kill", ...(options.all ? ["--all"] : []), id, signal]);
  }

  /**
   * Ends a container as a kubelet ends a pod's: a paused one is thawed first (frozen processes
   * cannot die), a running one gets SIGTERM on its init and up to `graceMs` to exit, then the
   * container is deleted with `--force` (SIGKILL for whatever is left). A no-op when there is no
   * such container.
   */
  async terminate(id: string, options: { graceMs?: number | undefined } = {}): Promise<void> {
    const state = await this.stateOrUndefined(id);
    if (!state) return;
    if (state.status === "paused") await this.resume(id);
    const graceMs = options.graceMs ?? 0;
    if (graceMs > 0 && state.status !== "stopped") {
      const deadline = Date.now() + graceMs;
      // The init may be gone already (kill then fails): the delete below cleans up either way.
      await this.kill(id, "TERM").catch(() => {});
      while (Date.now() < deadline && (await this.stateOrUndefined(id))?.status === "running") {
        await delay(50);
      }
    }
    await this.delete(id, { force: true });
  }

  /** `runc delete` (with `force`, kills a running container first). */
  async delete(id: string, options: { force?: boolean } = {}): Promise<void> {
    await this.#exec(["delete", ...(options.force ? ["--force"] : []), id]);
  }

  /** `runc pause`: freezes every process of the container's cgroup. */
  async pause(id: string): Promise<void> {
    await this.#exec(["pause", id]);
  }

  /** `runc resume`: thaws the cgroup. */
  async resume(id: string): Promise<void> {
    await this.#exec(["resume", id]);
  }

  /**
   * `runc update`: the container's CPU weight and CFS quota, changed while it runs (the
   * kubelet's in-place resize does the same through the CRI). `quota` -1: no limit.
   */
  async updateCpu(
    id: string,
    cpu: { shares: number; quota: number; period: number },
  ): Promise<void> {
    await this.#exec([
      "update",
      "--cpu-share",
      String(cpu.shares),
      "--cpu-period",
      String(cpu.period),
      "--cpu-quota",
      String(cpu.quota),
      id,
    ]);
  }

  /** `runc ps`: host PIDs of every process in the container's cgroup. */
  async pids(id: string): Promise<number[]> {
    const parsed = JSON.parse(await this.#exec(["ps", "--format", "json", id])) as unknown;
    if (parsed === null) return [];
    if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === "number")) {
      throw new TypeError("Cannot parse runc ps: not an array of PIDs");
    }
    return parsed;
  }
}
