/**
 * Maps a failed filesystem call onto a Connect error in one place, so every RPC reports a missing
 * path as `not_found` (which the SDKs turn into `FileNotFoundError`), a permission problem as
 * `permission_denied`, and the rest as `internal`, with envd's wording.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Turns `error` from a Deno filesystem call on `path` into a `ConnectError`; a `ConnectError`
 * passes through unchanged.
 *
 * @param what a short description of the operation, used in the message ("error moving file")
 */
export function toConnectError(error: unknown, path: string, what: string): ConnectError {
  if (error instanceof ConnectError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Deno.errors.NotFound) {
    return new ConnectError(`path not found: ${path}`, Code.NotFound, undefined, undefined, error);
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return new ConnectError(`${what}: permission denied: ${path}`, Code.PermissionDenied);
  }
  if (error instanceof Deno.errors.AlreadyExists) {
    return new ConnectError(`${what}: path already exists: ${path}`, Code.AlreadyExists);
  }
  if (error instanceof Deno.errors.NotADirectory || error instanceof Deno.errors.IsADirectory) {
    return new ConnectError(`${what}: ${message}`, Code.InvalidArgument);
  }
  return new ConnectError(`${what}: ${message}`, Code.Internal);
}
