/**
 * `Remove`: `rm -rf` semantics. A path that is already gone is not an error, so that retries and
 * cleanups are idempotent, as in envd.
 *
 * @module
 */
import { toConnectError } from "./fs_error.ts";

/** Removes the absolute `path`, recursively; a symlink is removed, never its target. */
export async function remove(path: string): Promise<Record<string, never>> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw toConnectError(error, path, "error removing file or directory");
    }
  }
  return {};
}
