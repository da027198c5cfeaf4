/**
 * The errors of the Kubernetes seam ({@linkcode KubeClient}), in one place: a `reason`-carrying
 * {@linkcode KubeApiError} that both backends throw, and the predicates callers branch on.
 *
 * @module
 */
import { HttpError } from "../std/http_error.ts";
// deno-lint-ignore no-unused-vars -- referenced by the JSDoc above
import type { KubeClient } from "./client.ts";

/**
 * The `reason` of a failed API call, as the API server's `Status` reports it.
 *
 * @example
 * ```ts
 * import { KubeApiError, type KubeErrorReason } from "@kruise-agents/shared/kube";
 * function reasonOf(error: unknown): KubeErrorReason | undefined {
 *   return error instanceof KubeApiError ? error.reason : undefined;
 * }
 * ```
 */
export type KubeErrorReason =
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Invalid"
  | "BadRequest"
  | "Gone"
  | "Forbidden"
  | "Unauthorized"
  | "Timeout"
  | "TooManyRequests"
  | "ServiceUnavailable"
  | "InternalError"
  | "Unknown";

/**
 * A failed API call, with the HTTP `status` (e.g. 404, 409, 410, 422) and `reason` of the API
 * server's `Status`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EmbeddedStore, KubeApiError, PODS } from "@kruise-agents/shared/kube";
 * await using kube = await EmbeddedStore.open();
 * const error = await kube.get(PODS, "default", "missing").catch((e) => e);
 * assert.ok(error instanceof KubeApiError);
 * assert.equal(error.status, 404);
 * assert.equal(error.reason, "NotFound");
 * ```
 */
export class KubeApiError extends HttpError {
  /** Machine-readable reason. */
  readonly reason: KubeErrorReason;

  /** Creates the error. */
  constructor(status: number, reason: KubeErrorReason, message: string, options?: ErrorOptions) {
    super(status, message, options);
    this.reason = reason;
  }
}

/**
 * Whether `error` is a 404 NotFound.
 *
 * @example
 * ```ts
 * import { EmbeddedStore, isNotFound, PODS } from "@kruise-agents/shared/kube";
 * await using kube = await EmbeddedStore.open();
 * try {
 *   await kube.delete(PODS, "default", "gone-already");
 * } catch (error) {
 *   if (!isNotFound(error)) throw error; // deleting twice is fine
 * }
 * ```
 */
export function isNotFound(error: unknown): boolean {
  return error instanceof KubeApiError && error.reason === "NotFound";
}

/**
 * Whether `error` is a 409 Conflict (stale resourceVersion).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isConflict, KubeApiError } from "@kruise-agents/shared/kube";
 * assert.ok(isConflict(new KubeApiError(409, "Conflict", "the object has been modified")));
 * assert.ok(!isConflict(new KubeApiError(409, "AlreadyExists", "already exists")));
 * ```
 */
export function isConflict(error: unknown): boolean {
  return error instanceof KubeApiError && error.reason === "Conflict";
}

/**
 * Whether `error` is a 409 AlreadyExists.
 *
 * @example
 * ```ts
 * import { EmbeddedStore, isAlreadyExists, NAMESPACES } from "@kruise-agents/shared/kube";
 * await using kube = await EmbeddedStore.open();
 * const namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" } };
 * await kube.create(NAMESPACES, namespace);
 * await kube.create(NAMESPACES, namespace).catch((error) => {
 *   if (!isAlreadyExists(error)) throw error; // created before: nothing to do
 * });
 * ```
 */
export function isAlreadyExists(error: unknown): boolean {
  return error instanceof KubeApiError && error.reason === "AlreadyExists";
}

/**
 * Whether `error` is a 410 Gone (watch resourceVersion too old).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isGone, KubeApiError } from "@kruise-agents/shared/kube";
 * // a watch from a too-old resourceVersion ends with 410: list again, then watch
 * assert.ok(isGone(new KubeApiError(410, "Gone", "too old resource version: 1 (42)")));
 * ```
 */
export function isGone(error: unknown): boolean {
  return error instanceof KubeApiError && error.reason === "Gone";
}

/**
 * Whether `error` says the API server could not take the request just now and the same request
 * may succeed later: 429 (too many requests), 503, a 500 "storage is (re)initializing" (etcd
 * or the CRD's storage coming up), a 504 timeout, or a connection that could not be made or
 * broke (the API server restarting). Conflicts, validation and not-found errors are not
 * transient: retrying them changes nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTransient, KubeApiError } from "@kruise-agents/shared/kube";
 * assert.ok(isTransient(new KubeApiError(429, "TooManyRequests", "slow down")));
 * assert.ok(isTransient(new TypeError("error sending request: connection refused")));
 * assert.ok(!isTransient(new KubeApiError(409, "Conflict", "stale")));
 * ```
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof KubeApiError) {
    if (error.status === 429 || error.status === 503 || error.status === 504) return true;
    return error.status === 500 && /initializ|etcdserver|timeout/i.test(error.message);
  }
  return error instanceof TypeError && /connect|connection|network|socket|refused|reset|closed/i
    .test(`${error.message} ${String((error as { cause?: unknown }).cause ?? "")}`);
}
