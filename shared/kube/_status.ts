// The one place where API server failures become `KubeApiError`s: from a failed response's
// status and body (a `Status` object or its JSON text) or a watch `ERROR` event's `Status`.
import { isRecord } from "../std/json.ts";
import { KubeApiError, type KubeErrorReason } from "./client.ts";

const REASONS: ReadonlySet<string> = new Set<KubeErrorReason>([
  "NotFound",
  "AlreadyExists",
  "Conflict",
  "Invalid",
  "BadRequest",
  "Gone",
  "Forbidden",
  "Unauthorized",
  "Timeout",
  "TooManyRequests",
  "ServiceUnavailable",
  "InternalError",
]);

function reasonOfCode(code: number): KubeErrorReason {
  switch (code) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 422:
      return "Invalid";
    case 429:
      return "TooManyRequests";
    case 500:
      return "InternalError";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "Timeout";
    default:
      return "Unknown";
  }
}

/**
 * Maps a failed response (HTTP status and body, a `Status` object or its JSON text) or a watch
 * `ERROR` event's `Status` to a {@linkcode KubeApiError}. The one place where API failures are
 * translated: `reason` is taken from the `Status` when it is one we name, else derived from the
 * code (410 `Expired` becomes `Gone`: both mean "list again").
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kubeApiErrorFromStatus } from "@kruise-agents/shared/kube";
 * const error = kubeApiErrorFromStatus(409, {
 *   kind: "Status",
 *   reason: "AlreadyExists",
 *   message: 'sandboxes "a" already exists',
 * });
 * assert.equal(error.reason, "AlreadyExists");
 * ```
 */
export function kubeApiErrorFromStatus(code: number, body: unknown): KubeApiError {
  let status: unknown = body;
  if (typeof body === "string") {
    try {
      status = JSON.parse(body);
    } catch {
      status = { message: body };
    }
  }
  const s = isRecord(status) ? status : {};
  const httpCode = typeof s.code === "number" && s.code > 0 ? s.code : code;
  const reason = typeof s.reason === "string" && REASONS.has(s.reason)
    ? s.reason as KubeErrorReason
    : reasonOfCode(httpCode);
  const message = typeof s.message === "string" && s.message !== ""
    ? s.message
    : `the server answered ${httpCode}`;
  return new KubeApiError(httpCode, reason, message);
}
