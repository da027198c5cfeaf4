/**
 * `Move`: renames an entry as the run-as user, creating the destination's missing parents for
 * that user. Metadata xattrs travel with the inode. A missing source is `not_found`, which the
 * SDKs raise as `FileNotFoundError`; a rename the user may not do is `permission_denied`.
 *
 * @module
 */
import { posix } from "@kruise-agents/shared/std";
import type { UserDirectory } from "../users.ts";
import { entryInfo, type EntryInfoInit } from "./entry_info.ts";
import { toConnectError } from "./fs_error.ts";
import { ensureDirs } from "./ownership.ts";
import type { UserFs } from "./user_fs.ts";

/** Moves `source` to `destination` (both absolute) and answers the destination's entry. */
export function move(
  source: string,
  destination: string,
  users: UserDirectory,
  fs: UserFs,
): { entry: EntryInfoInit } {
  try {
    fs.lstat(source);
  } catch (error) {
    throw toConnectError(error, source, "error getting source info");
  }
  try {
    ensureDirs(posix.dirname(destination), fs);
    fs.rename(source, destination);
    return { entry: entryInfo(destination, { users, fs }) };
  } catch (error) {
    throw toConnectError(error, destination, "error moving file");
  }
}
