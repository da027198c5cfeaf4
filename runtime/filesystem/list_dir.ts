/**
 * `ListDir`: entries below a directory up to `depth` levels, depth-first pre-order with siblings
 * sorted by name (Go's `filepath.WalkDir`), which the SDK tests assert exactly. The requested
 * path is followed if it is a symlink, but entry paths keep the requested spelling; symlinks
 * inside are listed, not descended into. Metadata of all entries is read in one batch.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { posix } from "@kruise-agents/shared/std";
import type { UserDirectory } from "../users.ts";
import { entryInfo, type EntryInfoInit } from "./entry_info.ts";
import { toConnectError } from "./fs_error.ts";
import { parseUploadTempName } from "./upload_temp.ts";
import { readMetadataMany } from "./xattr.ts";

/**
 * The paths below `dir` (absolute) in listing order, to `depth` levels (1 = direct children).
 * `prefix` replaces `dir` in the paths returned.
 */
export async function walkDir(dir: string, prefix: string, depth: number): Promise<string[]> {
  const out: string[] = [];
  async function visit(real: string, shown: string, level: number): Promise<void> {
    const children: Deno.DirEntry[] = [];
    for await (const entry of Deno.readDir(real)) {
      // An upload in flight is not a file yet.
      if (!parseUploadTempName(entry.name)) children.push(entry);
    }
    children.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    for (const child of children) {
      const path = posix.join(shown, child.name);
      out.push(path);
      if (child.isDirectory && level < depth) {
        await visit(posix.join(real, child.name), path, level + 1);
      }
    }
  }
  await visit(dir, prefix, 1);
  return out;
}

/** Lists the absolute `path` to `depth` levels (0 means 1, as in envd). */
export async function listDir(
  path: string,
  depth: number,
  users: UserDirectory,
): Promise<{ entries: EntryInfoInit[] }> {
  let real: string;
  try {
    real = await Deno.realPath(path);
  } catch (error) {
    throw toConnectError(error, path, "error resolving path");
  }
  const info = await Deno.stat(real);
  if (!info.isDirectory) {
    throw new ConnectError(`path is not a directory: ${path}`, Code.InvalidArgument);
  }
  try {
    const paths = await walkDir(real, path, Math.max(depth, 1));
    const metadata = await readMetadataMany(paths);
    const entries: EntryInfoInit[] = [];
    for (const entryPath of paths) {
      try {
        entries.push(
          await entryInfo(entryPath, { users, metadata: metadata.get(entryPath) ?? {} }),
        );
      } catch (error) {
        // Removed while we listed; envd's walk would not have seen it either.
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    return { entries };
  } catch (error) {
    throw toConnectError(error, path, `error reading directory ${path}`);
  }
}
