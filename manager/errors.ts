/**
 * The manager's one error type and its one rendering. Handlers and domain code throw
 * {@linkcode ApiError}; a single `onError` turns any error into E2B's `{code, message}` JSON body.
 * Both SDKs depend on that body on every 4xx/5xx: the JS SDK branches on the body's `code` (not
 * the HTTP status) to return `false` from `kill`, and the Python SDK's generated client pops
 * `code` and `message` and raises `KeyError` when either is missing.
 *
 * @module
 */
import { KubeApiError } from "@kruise-agents/shared/kube";
import { HttpError } from "@kruise-agents/shared/std";

/**
 * A failure with the HTTP status and message E2B answers for it; `status` is repeated as `code`
 * in the body.
 */
export class ApiError extends HttpError {}

/** E2B's error body. */
export interface ErrorBody {
  /** The HTTP status. */
  code: number;
  /** Human-readable reason. */
  message: string;
}

/** Renders E2B's `{code, message}` JSON body with `status`. */
export function errorResponse(status: number, message: string): Response {
  const body: ErrorBody = { code: status, message };
  return Response.json(body, { status });
}

/**
 * Maps any thrown value to an {@linkcode ApiError}: API errors pass through, malformed input
 * (`TypeError`/`RangeError` from parsers never reach here; routes wrap them) and Kubernetes
 * failures become 5xx, except a Kubernetes 404/409 that a handler did not expect, which E2B
 * would also report as 404/409.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof KubeApiError) {
    if (error.reason === "NotFound") return new ApiError(404, error.message, { cause: error });
    if (error.reason === "Conflict" || error.reason === "AlreadyExists") {
      return new ApiError(409, error.message, { cause: error });
    }
    return new ApiError(500, `Kubernetes API error: ${error.message}`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError(500, message || "Internal server error", { cause: error });
}

/** The message E2B uses for a sandbox that is missing or belongs to another team. */
export function sandboxNotFound(id: string): ApiError {
  return new ApiError(404, `Sandbox "${id}" doesn't exist or you don't have access to it`);
}
