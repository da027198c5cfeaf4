/**
 * Whether a path exists, the one way the programs ask: `false` only for NotFound, any other
 * failure (a permission refused, an I/O error) thrown, so that a path the program cannot see is
 * never taken for an absent one.
 *
 * @module
 */

/**
 * Whether `path` exists. With `{ followSymlinks: false }` a dangling symlink counts as existing
 * (`lstat`); by default the link is followed (`stat`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pathExists } from "@kruise-agents/shared/std";
 * const dir = await Deno.makeTempDir();
 * assert.equal(await pathExists(dir), true);
 * assert.equal(await pathExists(`${dir}/missing`), false);
 * await Deno.remove(dir);
 * ```
 */
export async function pathExists(
  path: string,
  options: { followSymlinks?: boolean } = {},
): Promise<boolean> {
  try {
    await (options.followSymlinks === false ? Deno.lstat(path) : Deno.stat(path));
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
