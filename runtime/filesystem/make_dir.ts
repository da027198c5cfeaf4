/**
 * `MakeDir`: creates a directory and its missing parents, all owned by the run-as user. An
 * existing directory is `already_exists` (the SDKs return `false` for it); an existing
 * non-directory is `invalid_argument`.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { FileType } from "@kruise-agents/shared/envd";
import { posix } from "@kruise-agents/shared/std";
import type { User } from "../users.ts";
import type { EntryInfoInit } from "./entry_info.ts";
import { toConnectError } from "./fs_error.ts";
import { ensureDirs } from "./ownership.ts";

/** Creates the absolute `path` for `user`; answers envd's short entry (name, type, path). */
export async function makeDir(path: string, user: User): Promise<{ entry: EntryInfoInit }> {
  let existing: Deno.FileInfo | undefined;
  try {
    existing = await Deno.stat(path);
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
    await ensureDirs(path, user);
  } catch (error) {
    throw toConnectError(error, path, "error creating directory");
  }
  return { entry: { name: posix.basename(path), type: FileType.DIRECTORY, path } };
}
