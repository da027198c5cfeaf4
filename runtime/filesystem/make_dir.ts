/**
 * `MakeDir`: creates a directory and its missing parents as the run-as user, so they are that
 * user's. An existing directory is `already_exists` (the SDKs return `false` for it); an existing
 * non-directory is `invalid_argument`; a place the user may not write is `permission_denied`.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { FileType } from "@kruise-agents/shared/envd";
import { posix } from "@kruise-agents/shared/std";
import type { EntryInfoInit } from "./entry_info.ts";
import { toConnectError } from "./fs_error.ts";
import { ensureDirs } from "./ownership.ts";
import type { UserFs } from "./user_fs.ts";

/** Creates the absolute `path` as `fs`'s user; answers envd's short entry (name, type, path). */
export function makeDir(path: string, fs: UserFs): { entry: EntryInfoInit } {
  let existing: Deno.FileInfo | undefined;
  try {
    existing = fs.stat(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw toConnectError(error, path, "error getting file info");
    }
  }
  if (existing?.isDirectory) {
    throw new ConnectError(`directory already exists: ${path}`, Code.AlreadyExists);
  }
  if (existing) {
    throw new ConnectError(
      `path already exists but it is not a directory: ${path}`,
      Code.InvalidArgument,
    );
  }
  try {
    ensureDirs(path, fs);
  } catch (error) {
    throw toConnectError(error, path, "error creating directory");
  }
  return { entry: { name: posix.basename(path), type: FileType.DIRECTORY, path } };
}
