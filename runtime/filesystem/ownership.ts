/**
 * Creating directories on behalf of the run-as user, the way envd's `permissions.EnsureDirs`
 * does: every missing directory on the way is created, `0755`, and existing ones are left alone.
 * They are created as that user ({@linkcode UserFs}), so they belong to the user and the kernel
 * refuses what the user may not create (a directory under `/etc` for `user`).
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { posix } from "@kruise-agents/shared/std";
import type { UserFs } from "./user_fs.ts";

/**
 * Creates `dir` and any missing ancestors as `fs`'s user, each `0755`. Returns whether anything
 * was created. A non-directory in the way is `invalid_argument`; a directory the user may not
 * write to is Deno's `PermissionDenied`.
 */
export function ensureDirs(dir: string, fs: UserFs): boolean {
  const missing: string[] = [];
  let current = posix.normalize(dir);
  while (true) {
    try {
      const info = fs.stat(current);
      if (!info.isDirectory) {
        throw new ConnectError(
          `path already exists but it is not a directory: ${current}`,
          Code.InvalidArgument,
        );
      }
      break;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      missing.push(current);
      const parent = posix.dirname(current);
      if (parent === current) break;
      current = parent;
    }
  }
  for (const path of missing.reverse()) {
    try {
      fs.mkdir(path, 0o755);
    } catch (error) {
      // Another request may have created it in the meantime; that is fine.
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      continue;
    }
    fs.chmod(path, 0o755); // whatever the umask took away
  }
  return missing.length > 0;
}
