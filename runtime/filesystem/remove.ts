/**
 * `Remove`: `rm -rf` semantics, as the run-as user: a path that is already gone is not an error,
 * so that retries and cleanups are idempotent, as in envd; what the user may not remove is
 * `permission_denied`.
 *
 * The tree is removed one entry at a time (each a synchronous call with the user's credentials)
 * and the event loop gets a turn every {@linkcode YIELD_EVERY} entries, so removing a large tree
 * does not stall every other request of the sandbox.
 *
 * @module
 */
import { posix } from "@kruise-agents/shared/std";
import { toConnectError } from "./fs_error.ts";
import type { UserFs } from "./user_fs.ts";

/** Entries removed between two turns of the event loop. */
const YIELD_EVERY = 256;

/** Runs `fn`; a path that is gone already (removed concurrently) counts as done. */
function unlessGone<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Removes the absolute `path` as `fs`'s user, recursively; a symlink is removed, never its target. */
export async function remove(path: string, fs: UserFs): Promise<Record<string, never>> {
  let removed = 0;
  async function removeTree(target: string): Promise<void> {
    const info = unlessGone(() => fs.lstat(target));
    if (!info) return;
    if (info.isDirectory) {
      for (const entry of unlessGone(() => fs.readDir(target)) ?? []) {
        await removeTree(posix.join(target, entry.name));
      }
    }
    unlessGone(() => fs.removeOne(target));
    if (++removed % YIELD_EVERY === 0) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  try {
    await removeTree(path);
  } catch (error) {
    throw toConnectError(error, path, "error removing file or directory");
  }
  return {};
}
