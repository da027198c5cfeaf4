/**
 * Timestamps as the Kubernetes API server writes them: RFC 3339 in whole seconds
 * (`2030-01-01T00:00:00Z`). A time computed in memory must have the same form as the one read
 * back, or every reconcile would see a "changed" status and write it again.
 *
 * @module
 */

/**
 * `ms` (since the epoch) as RFC 3339 in whole seconds, rounded down.
 *
 * @example
 * ```ts
 * import { rfc3339Seconds } from "@kruise-agents/shared/std";
 * rfc3339Seconds(Date.UTC(2030, 0, 1, 0, 0, 0, 999)); // "2030-01-01T00:00:00Z"
 * ```
 */
export function rfc3339Seconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * `ms` (since the epoch) as a Kubernetes `MicroTime`: RFC 3339 with exactly six fractional digits
 * (`2030-01-01T00:00:00.123000Z`). Leases carry their `acquireTime` and `renewTime` in this form,
 * and the API server refuses any other (400: it parses them with a fixed layout).
 *
 * @example
 * ```ts
 * import { rfc3339Micro } from "@kruise-agents/shared/std";
 * rfc3339Micro(Date.UTC(2030, 0, 1, 0, 0, 0, 123)); // "2030-01-01T00:00:00.123000Z"
 * ```
 */
export function rfc3339Micro(ms: number): string {
  return new Date(Math.floor(ms)).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
