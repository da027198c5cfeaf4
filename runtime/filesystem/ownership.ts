/**
 * Creating things on behalf of the run-as user. The runtime runs as root, so whatever it creates
 * for a request is handed to that user afterwards (`chown`), the way envd's
 * `permissions.EnsureDirs` does: new directories are `0755` and owned `user:user`, existing ones
 * are left alone.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { posix } from "@kruise-agents/shared/std";
import type { User } from "../users.ts";

/**
 * Gives `path` to `user`. Only root can give files away; a runtime started as an ordinary user
 * (tests, development) already owns what it creates, so it skips the call.
 */
export async function chownTo(path: string, user: User): Promise<void> {
  if (Deno.uid() !== 0) return;
  await Deno.chown(path, user.uid, user.gid);
}

/**
 * Creates `dir` and any missing ancestors, each `0755` and owned by `user`. Returns whether
 * anything was created. A non-directory in the way is `invalid_argument`.
 */
export async function ensureDirs(dir: string, user: User): Promise<boolean> {
  const missing: string[] = [];
  let current = posix.normalize(dir);
  while (true) {
    try {
      const info = await Deno.stat(current);
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
      await Deno.mkdir(path, { mode: 0o755 });
    } catch (error) {
      // Another request may have created it in the meantime; that is fine.
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      continue;
    }
    await Deno.chmod(path, 0o755);
    await chownTo(path, user);
  }
  return missing.length > 0;
}
