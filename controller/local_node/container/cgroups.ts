/**
 * The cgroup side of the node: a start-up check that the controllers the node relies on are
 * there and writable, and readers of a container's cgroup (memory usage for the idle-memory
 * benchmark, the freezer state for pause).
 *
 * This machine has cgroup v1 (one hierarchy per controller under `/sys/fs/cgroup/<controller>`):
 * `memory` (the pod's memory limit and OOM kills), `cpu` (shares and quota), `pids` (the pods
 * limit), `freezer` (pause) and `devices` (the device rules). A cgroup v2 host (a unified
 * hierarchy at `/sys/fs/cgroup` with `cgroup.controllers`) is also understood by the readers;
 * runc handles both.
 *
 * @module
 */
import { ContainerError } from "./errors.ts";

/** The default root of the cgroup mounts. */
export const CGROUP_ROOT = "/sys/fs/cgroup";

/** The controllers a pod needs. */
export const REQUIRED_CONTROLLERS: readonly string[] = [
  "memory",
  "cpu",
  "pids",
  "freezer",
  "devices",
];

/** Which cgroup layout the host has. */
export type CgroupVersion = 1 | 2;

/** Detects the layout: v2 when the root itself is the unified hierarchy. */
export async function cgroupVersion(root = CGROUP_ROOT): Promise<CgroupVersion> {
  try {
    await Deno.stat(`${root}/cgroup.controllers`);
    return 2;
  } catch {
    return 1;
  }
}

/** The directories of a cgroup path, one per controller on v1 (only those that exist). */
export async function cgroupDirs(
  cgroupsPath: string,
  root = CGROUP_ROOT,
  controllers: readonly string[] = [
    ...REQUIRED_CONTROLLERS,
    "cpuacct",
    "cpuset",
    "blkio",
    "systemd",
  ],
): Promise<string[]> {
  const candidates = (await cgroupVersion(root)) === 2
    ? [`${root}${cgroupsPath}`]
    : controllers.map((c) => `${root}/${c}${cgroupsPath}`);
  const found: string[] = [];
  for (const dir of candidates) {
    try {
      if ((await Deno.stat(dir)).isDirectory) found.push(dir);
    } catch { /* absent */ }
  }
  return found;
}

/** Options of {@linkcode checkCgroups}. */
export interface CheckCgroupsOptions {
  /** Where the controllers are mounted. @default {CGROUP_ROOT} */
  root?: string;
  /** The node's cgroup parent, where the probe cgroup is made. @default {"/kruise-agents"} */
  parent?: string;
  /** The controllers to check. @default {REQUIRED_CONTROLLERS} */
  controllers?: readonly string[];
}

async function probeController(dir: string, parent: string): Promise<string | undefined> {
  try {
    await Deno.stat(`${dir}/cgroup.procs`);
  } catch {
    return "not mounted";
  }
  const probe = `${dir}${parent}/ka-probe-${Deno.pid}`;
  try {
    await Deno.mkdir(probe, { recursive: true });
    await Deno.remove(probe);
    return undefined;
  } catch (error) {
    return `not writable (${(error as Error).message})`;
  }
}

/**
 * Checks that every required controller is mounted and that the node can create and remove a
 * cgroup under its parent in each.
 *
 * @throws {ContainerError} `CgroupsUnavailable`, naming each missing controller and why.
 */
export async function checkCgroups(options: CheckCgroupsOptions = {}): Promise<CgroupVersion> {
  const root = options.root ?? CGROUP_ROOT;
  const parent = options.parent ?? "/kruise-agents";
  const controllers = options.controllers ?? REQUIRED_CONTROLLERS;
  const version = await cgroupVersion(root);
  const problems: string[] = [];
  if (version === 2) {
    const available = (await Deno.readTextFile(`${root}/cgroup.controllers`)).trim().split(/\s+/);
    for (const c of controllers) {
      // v2 has no devices controller (eBPF programs replace it) and freezing is built in.
      if (c === "devices" || c === "freezer") continue;
      if (!available.includes(c)) problems.push(`${c}: not enabled in ${root}/cgroup.controllers`);
    }
    const why = await probeController(root, parent);
    if (why) problems.push(`${root}: ${why}`);
  } else {
    for (const c of controllers) {
      const why = await probeController(`${root}/${c}`, parent);
      if (why) problems.push(`${c}: ${why}`);
    }
  }
  if (problems.length > 0) {
    throw new ContainerError(
      "CgroupsUnavailable",
      `Cannot run pods: cgroup controllers missing under ${root}: ${problems.join("; ")}`,
    );
  }
  return version;
}

/** A container's memory, from its cgroup. */
export interface MemoryUsage {
  /** What the cgroup is charged (v1 `memory.usage_in_bytes`, v2 `memory.current`). */
  usageBytes: number;
  /** Anonymous memory of its processes (v1 `total_rss`, v2 `anon`): the idle-memory figure. */
  rssBytes: number;
  /** Page cache (v1 `total_cache`, v2 `file`). */
  cacheBytes: number;
  /** The limit (`Infinity` when unlimited). */
  limitBytes: number;
  /** How many times the OOM killer struck in it (v1 `oom_kill` of `memory.oom_control`). */
  oomKills: number;
}

/** Parses a `key value` stat file (memory.stat, memory.oom_control). */
export function parseKeyValues(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

async function readNumber(path: string): Promise<number> {
  const text = (await Deno.readTextFile(path)).trim();
  return text === "max" ? Infinity : Number(text);
}

/** A cgroup's CPU settings: the weight and the CFS quota (`Infinity`: no limit). */
export interface CpuSettings {
  /** v1 `cpu.shares` (v2: the `cpu.weight` as read). */
  shares: number;
  /** The quota per period, µs; `Infinity` when unlimited. */
  quotaUs: number;
  /** The period, µs. */
  periodUs: number;
}

/**
 * Reads a container's CPU settings from its cgroup (v1 `cpu.shares`/`cpu.cfs_quota_us`, v2
 * `cpu.weight`/`cpu.max`).
 *
 * @throws {Deno.errors.NotFound} When the cgroup does not exist.
 */
export async function cpuSettings(cgroupsPath: string, root = CGROUP_ROOT): Promise<CpuSettings> {
  if ((await cgroupVersion(root)) === 2) {
    const dir = `${root}${cgroupsPath}`;
    const [quota, period] = (await Deno.readTextFile(`${dir}/cpu.max`)).trim().split(/\s+/);
    return {
      shares: await readNumber(`${dir}/cpu.weight`),
      quotaUs: quota === "max" ? Infinity : Number(quota),
      periodUs: Number(period),
    };
  }
  const dir = `${root}/cpu${cgroupsPath}`;
  const quota = await readNumber(`${dir}/cpu.cfs_quota_us`);
  return {
    shares: await readNumber(`${dir}/cpu.shares`),
    quotaUs: quota < 0 ? Infinity : quota,
    periodUs: await readNumber(`${dir}/cpu.cfs_period_us`),
  };
}

/**
 * Reads a container's memory from its cgroup.
 *
 * @throws {Deno.errors.NotFound} When the cgroup does not exist.
 */
export async function memoryUsage(cgroupsPath: string, root = CGROUP_ROOT): Promise<MemoryUsage> {
  if ((await cgroupVersion(root)) === 2) {
    const dir = `${root}${cgroupsPath}`;
    const stat = parseKeyValues(await Deno.readTextFile(`${dir}/memory.stat`));
    const events = parseKeyValues(await Deno.readTextFile(`${dir}/memory.events`));
    return {
      usageBytes: await readNumber(`${dir}/memory.current`),
      rssBytes: stat.anon ?? 0,
      cacheBytes: stat.file ?? 0,
      limitBytes: await readNumber(`${dir}/memory.max`),
      oomKills: events.oom_kill ?? 0,
    };
  }
  const dir = `${root}/memory${cgroupsPath}`;
  const stat = parseKeyValues(await Deno.readTextFile(`${dir}/memory.stat`));
  const oom = parseKeyValues(await Deno.readTextFile(`${dir}/memory.oom_control`));
  const limit = await readNumber(`${dir}/memory.limit_in_bytes`);
  return {
    usageBytes: await readNumber(`${dir}/memory.usage_in_bytes`),
    rssBytes: stat.total_rss ?? stat.rss ?? 0,
    cacheBytes: stat.total_cache ?? stat.cache ?? 0,
    // v1 reports "no limit" as the largest page-aligned 64-bit value.
    limitBytes: limit >= 2 ** 62 ? Infinity : limit,
    oomKills: oom.oom_kill ?? 0,
  };
}

/** The freezer state of a container's cgroup: `THAWED`, `FREEZING` or `FROZEN` (v1). */
export async function freezerState(cgroupsPath: string, root = CGROUP_ROOT): Promise<string> {
  if ((await cgroupVersion(root)) === 2) {
    const frozen = (await Deno.readTextFile(`${root}${cgroupsPath}/cgroup.freeze`)).trim();
    return frozen === "1" ? "FROZEN" : "THAWED";
  }
  return (await Deno.readTextFile(`${root}/freezer${cgroupsPath}/freezer.state`)).trim();
}

/** Host PIDs of every process in the container's cgroup (pids controller on v1). */
export async function cgroupPids(cgroupsPath: string, root = CGROUP_ROOT): Promise<number[]> {
  const dir = (await cgroupVersion(root)) === 2
    ? `${root}${cgroupsPath}`
    : `${root}/pids${cgroupsPath}`;
  const text = await Deno.readTextFile(`${dir}/cgroup.procs`);
  return text.split("\n").filter((l) => l.trim()).map(Number);
}

/**
 * Removes a container's cgroup directories if runc left any (a container killed outside runc).
 * A cgroup with processes cannot be removed; that error is thrown.
 */
export async function removeCgroupDirs(cgroupsPath: string, root = CGROUP_ROOT): Promise<void> {
  for (const dir of await cgroupDirs(cgroupsPath, root)) {
    try {
      await Deno.remove(dir);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
}
