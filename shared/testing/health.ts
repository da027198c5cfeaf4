/**
 * A probe of a sandbox runtime's `/health`, for tests and benches that wait for a runtime to
 * answer at its pod IP (the local node's, the real node's).
 *
 * @module
 */
import { ENVD_PORT, sandboxUrl } from "../envd/ports.ts";

/**
 * Options of {@linkcode healthy}.
 *
 * @example
 * ```ts
 * import { healthy, type HealthyOptions } from "@kruise-agents/shared/testing";
 * const options: HealthyOptions = { port: 49999, timeoutMs: 200 };
 * const up = await healthy("127.0.0.1", options);
 * ```
 */
export interface HealthyOptions {
  /** The port. @default {ENVD_PORT} */
  port?: number;
  /** How long one probe may take, in milliseconds. @default {1000} */
  timeoutMs?: number;
}

/**
 * Whether `GET http://ip:port/health` answers 2xx within the timeout; never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { healthy } from "@kruise-agents/shared/testing";
 * assert.equal(await healthy("127.0.0.1", { port: 9, timeoutMs: 200 }), false); // nothing listens
 * ```
 */
export async function healthy(ip: string, options: HealthyOptions = {}): Promise<boolean> {
  try {
    const res = await fetch(`${sandboxUrl(ip, options.port ?? ENVD_PORT)}/health`, {
      signal: AbortSignal.timeout(options.timeoutMs ?? 1000),
    });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}
