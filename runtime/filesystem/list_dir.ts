/**
 * `ListDir`: entries below a directory up to `depth` levels, depth-first pre-order with siblings
 * sorted by name (Go's `filepath.WalkDir`), which the SDK tests assert exactly. The requested
 * path is followed if it is a symlink, but entry paths keep the requested spelling; symlinks
 * inside are listed, not descended into. Metadata of all entries is read in one batch. Everything
 * is read as the requesting user, so a directory that user may not read is `permission_denied`.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { posix } from "@kruise-agents/shared/std";
import type { UserDirectory } from "../users.ts";
import { entryInfo, type EntryInfoInit } from "./entry_info.ts";
import { toConnectError } from "./fs_error.ts";
import { parseUploadTempName } from "./upload_temp.ts";
import { UserFs } from "./user_fs.ts";
import { readMetadataMany } from "./xattr.ts";

/**
 * The paths below `dir` (absolute) in listing order, to `depth` levels (1 = direct children),
 * read as `fs`'s user. `prefix` replaces `dir` in the paths returned.
 */
export function walkDir(
  dir: string,
  prefix: string,
  depth: number,
  fs: UserFs = UserFs.SELF,
): string[] {
  const out: string[] = [];
  function visit(real: string, shown: string, level: number): void {
    let entries: Deno.DirEntry[];
    try {
      entries = fs.readDir(real);
    } catch (error) {
      // A subdirectory the user may not read is listed but not entered, as `find` does.
      if (level > 1 && error instanceof Deno.errors.PermissionDenied) return;
      throw error;
    }
    // An upload in flight is not a file yet.
    const children = entries.filter((entry) => !parseUploadTempName(entry.name));
    children.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    for (const child of children) {
      const path = posix.join(shown, child.name);
      out.push(path);
      if (child.isDirectory && level < depth) {
        visit(posix.join(real, child.name), path, level + 1);
      }
    }
  }
  visit(dir, prefix, 1);
  return out;
}

/** Lists the absolute `path` to `depth` levels (0 means 1, as in envd), as `fs`'s user. */
export function listDir(
  path: string,
  depth: number,
  users: UserDirectory,
  fs: UserFs = UserFs.SELF,
): { entries: EntryInfoInit[] } {
  let real: string;
  let info: Deno.FileInfo;
  try {
    real = fs.realPath(path);
    info = fs.stat(real);
  } catch (error) {
    throw toConnectError(error, path, "error resolving path");
  }
  if (!info.isDirectory) {
    throw new ConnectError(`path is not a directory: ${path}`, Code.InvalidArgument);
  }
  try {
    // One switch to the user for the whole listing, not one per entry and call.
    return fs.run(() => {
      const paths = walkDir(real, path, Math.max(depth, 1), fs);
      const metadata = readMetadataMany(paths, fs);
      const entries: EntryInfoInit[] = [];
      for (const entryPath of paths) {
        try {
          entries.push(
            entryInfo(entryPath, { users, fs, metadata: metadata.get(entryPath) ?? {} }),
          );
        } catch (error) {
          // Removed while we listed; envd's walk would not have seen it either.
          if (!(error instanceof Deno.errors.NotFound)) throw error;
        }
      }
      return { entries };
    });
  } catch (error) {
    throw toConnectError(error, path, `error reading directory ${path}`);
  }
}
