/**
 * `GET /metrics`: a sandbox's resource use in envd's (snake_case) field names. The runtime
 * samples it and the manager relays it to the SDKs, so both sides share this one shape.
 *
 * @module
 */
import { isRecord } from "../std/json.ts";

/**
 * envd's metrics body.
 *
 * @example
 * ```ts
 * import type { EnvdMetrics } from "@kruise-agents/shared/envd/http";
 * function memoryPercent(metrics: EnvdMetrics): number {
 *   return (100 * metrics.mem_used) / metrics.mem_total;
 * }
 * ```
 */
export interface EnvdMetrics {
  /** Unix seconds. */
  ts: number;
  /** Online CPUs. */
  "cpu_count": number;
  /** CPU use in percent since the previous sample. */
  "cpu_used_pct": number;
  /** Total memory, bytes. */
  "mem_total": number;
  /** Used memory, bytes. */
  "mem_used": number;
  /** Page cache, bytes. */
  "mem_cache": number;
  /** Total memory, MiB. */
  "mem_total_mib": number;
  /** Used memory, MiB. */
  "mem_used_mib": number;
  /** Used disk of `/`, bytes. */
  "disk_used": number;
  /** Size of `/`, bytes. */
  "disk_total": number;
}

const FIELDS: readonly (keyof EnvdMetrics)[] = [
  "ts",
  "cpu_count",
  "cpu_used_pct",
  "mem_total",
  "mem_used",
  "mem_cache",
  "mem_total_mib",
  "mem_used_mib",
  "disk_used",
  "disk_total",
];

/**
 * Parses a `/metrics` body; a missing field is 0 (older runtimes send fewer), a field of the wrong
 * type a `TypeError`.
 *
 * @example
 * ```ts
 * import { parseEnvdMetrics } from "@kruise-agents/shared/envd";
 * parseEnvdMetrics({ ts: 1, cpu_count: 2 }).mem_used; // 0
 * ```
 */
export function parseEnvdMetrics(value: unknown): EnvdMetrics {
  if (!isRecord(value)) throw new TypeError("Cannot parse sandbox metrics: not a JSON object");
  const out = {} as EnvdMetrics;
  for (const field of FIELDS) {
    const v = value[field] ?? 0;
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new TypeError(`Cannot parse sandbox metrics: "${field}" must be a number`);
    }
    out[field] = v;
  }
  return out;
}
