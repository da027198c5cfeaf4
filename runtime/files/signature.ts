/**
 * `/files` access control. The route sits outside the general token gate because envd also
 * accepts signed URLs (`sbx.downloadUrl`/`uploadUrl`): `"v1_" + base64(sha256("<path>:<op>:<user>:
 * <token>[:<expiry>]"))` without padding, where `path` and `user` are the query strings exactly as
 * sent. The order of checks and the error texts are envd's; the SDK tests compare one body
 * verbatim.
 *
 * @module
 */
import { safeEqual } from "@kruise-agents/shared/std";
import { EnvdHttpError } from "../errors.ts";
import type { RuntimeState } from "../state.ts";

/** What a signature grants: `read` for GET, `write` for POST. */
export type FileOperation = "read" | "write";

/**
 * Computes envd's file URL signature.
 *
 * @example
 * ```ts
 * await fileSignature("hello.txt", "read", "user", "0tQG31xiMp0IOQfaz9dcwi72L1CPo8e0");
 * // "v1_gUtH/s9YCJWgCizjfUxuWfhFE4QSydOWEIIvfLwDr6E"
 * ```
 */
export async function fileSignature(
  path: string,
  operation: FileOperation,
  username: string,
  token: string,
  expiration?: number,
): Promise<string> {
  const parts = [path, operation, username, token];
  if (expiration !== undefined) parts.push(String(expiration));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(parts.join(":")));
  return `v1_${new Uint8Array(digest).toBase64({ omitPadding: true })}`;
}

/**
 * Admits a `/files` request or throws a 401 `EnvdHttpError`: no token set means open; a token in
 * `X-Access-Token` must match; otherwise a valid, unexpired `signature` is required.
 *
 * @param now current time in milliseconds, injectable for tests
 */
export async function checkFileAccess(
  req: Request,
  state: RuntimeState,
  operation: FileOperation,
  now: number = Date.now(),
): Promise<void> {
  const token = state.accessToken;
  if (token === undefined) return;
  const header = req.headers.get("x-access-token");
  if (header) {
    if (!safeEqual(header, token)) {
      throw new EnvdHttpError(401, "access token present in header but does not match");
    }
    return;
  }
  const query = new URL(req.url).searchParams;
  const signature = query.get("signature");
  if (signature === null) throw new EnvdHttpError(401, "missing signature query parameter");
  const rawExpiration = query.get("signature_expiration");
  let expiration: number | undefined;
  if (rawExpiration !== null) {
    expiration = Number(rawExpiration);
    if (!/^-?\d+$/.test(rawExpiration) || !Number.isSafeInteger(expiration)) {
      throw new EnvdHttpError(
        400,
        `Invalid format for parameter signature_expiration: ${rawExpiration}`,
      );
    }
  }
  const expected = await fileSignature(
    query.get("path") ?? "",
    operation,
    query.get("username") ?? "",
    token,
    expiration,
  );
  if (!safeEqual(signature, expected)) throw new EnvdHttpError(401, "invalid signature");
  if (expiration !== undefined && expiration < Math.floor(now / 1000)) {
    throw new EnvdHttpError(401, "signature is already expired");
  }
}
