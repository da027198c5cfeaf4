/**
 * `GET`/`POST /files`, envd's file transfer endpoints. The server routes here before its token
 * gate because these requests may authenticate with a signed URL instead; this handler checks
 * the token or the signature itself, resolves the user from `?username=` (else the default
 * user), and hands over to {@linkcode download} or {@linkcode upload}, which act with that user's
 * filesystem rights. Errors are envd's JSON `{code, message}`.
 *
 * @module
 */
import { fallbackUser } from "../auth.ts";
import type { RuntimeDeps } from "../deps.ts";
import { EnvdHttpError, errorResponse } from "../errors.ts";
import { resolvePath } from "../paths.ts";
import type { User } from "../users.ts";
import { UserFs } from "../filesystem/user_fs.ts";
import { download } from "./download.ts";
import { checkFileAccess } from "./signature.ts";
import { upload } from "./upload.ts";

function lookupUser(deps: RuntimeDeps, username: string | null): User {
  const name = username || deps.state.defaultUser;
  const user = deps.users.byName(name) ??
    (username ? undefined : fallbackUser(name, deps.state, deps.users));
  if (!user) {
    throw new EnvdHttpError(401, `error looking up user '${name}': user: unknown user ${name}`);
  }
  return user;
}

/**
 * Builds the `/files` handler.
 *
 * @example
 * ```ts
 * const files = filesHandler({ state, users });
 * const res = await files(new Request("http://sandbox/files?path=notes.txt"));
 * ```
 */
export function filesHandler(deps: RuntimeDeps): (req: Request) => Promise<Response> {
  return async (req) => {
    try {
      if (req.method !== "GET" && req.method !== "POST") {
        throw new EnvdHttpError(405, `method ${req.method} not allowed on /files`);
      }
      const read = req.method === "GET";
      await checkFileAccess(req, deps.state, read ? "read" : "write");
      const query = new URL(req.url).searchParams;
      const user = lookupUser(deps, query.get("username"));
      const fs = UserFs.of(user, deps.users);
      const workdir = deps.state.defaultWorkdir;
      if (read) {
        return await download(req, resolvePath(query.get("path") ?? "", user.home, workdir), fs);
      }
      return await upload(req, { user, fs, path: query.get("path"), workdir });
    } catch (error) {
      if (error instanceof EnvdHttpError) return errorResponse(error.status, error.message);
      return errorResponse(500, error instanceof Error ? error.message : String(error));
    }
  };
}
