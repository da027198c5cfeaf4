/**
 * `GET /metrics`: the sandbox's resource use in envd's field names. CPU use is the share of
 * non-idle time since the previous call (or since start-up), which is how envd's gopsutil-based
 * sampler reports it. Read through Deno's own APIs (`os.cpus()`, `Deno.systemMemoryInfo()`,
 * `statfs`) rather than `/proc`, which Deno guards behind `--allow-all`; they need only
 * `--allow-sys=cpus,systemMemoryInfo,statfs`.
 *
 * @module
 */
import type { statfsSync as StatfsSync } from "node:fs";
import type { cpus as Cpus } from "node:os";
import type { EnvdMetrics } from "@kruise-agents/shared/envd";

/** envd's metrics body (the shared contract's {@linkcode EnvdMetrics}). */
export type Metrics = EnvdMetrics;

interface CpuSample {
  idle: number;
  total: number;
}

function readCpu(cpus: typeof Cpus): CpuSample {
  let idle = 0, total = 0;
  for (const { times } of cpus()) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return { idle, total };
}

/**
 * Samples metrics; keeps the previous CPU sample so each call reports use since the last (the
 * first call: since boot). `node:fs` and `node:os` are loaded on the first call only: loading any
 * `node:` module costs about 5 MB of resident memory, which an idle sandbox need not pay.
 */
export class MetricsSampler {
  #last: CpuSample = { idle: 0, total: 0 };
  #node: { cpus: typeof Cpus; statfsSync: typeof StatfsSync } | undefined;

  /** Takes one sample. */
  async sample(): Promise<Metrics> {
    this.#node ??= {
      cpus: (await import("node:os")).cpus,
      statfsSync: (await import("node:fs")).statfsSync,
    };
    const { cpus, statfsSync } = this.#node;
    const cpu = readCpu(cpus);
    const dTotal = cpu.total - this.#last.total, dIdle = cpu.idle - this.#last.idle;
    this.#last = cpu;
    const mem = Deno.systemMemoryInfo();
    const total = mem.total;
    const used = total - mem.available;
    const fs = statfsSync("/");
    const diskTotal = fs.blocks * fs.bsize;
    return {
      ts: Math.floor(Date.now() / 1000),
      "cpu_count": navigator.hardwareConcurrency,
      "cpu_used_pct": dTotal > 0 ? Math.round(((dTotal - dIdle) / dTotal) * 10000) / 100 : 0,
      "mem_total": total,
      "mem_used": used,
      "mem_cache": mem.cached,
      "mem_total_mib": Math.floor(total / 1048576),
      "mem_used_mib": Math.floor(used / 1048576),
      "disk_used": diskTotal - fs.bfree * fs.bsize,
      "disk_total": diskTotal,
    };
  }
}
