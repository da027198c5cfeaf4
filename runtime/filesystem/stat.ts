/**
 * `Stat`: the `EntryInfo` of one path, without following a final symlink (the entry describes the
 * link and carries its resolved target), looked up as the requesting user. The SDKs' `exists`
 * reads `not_found` as `false`.
 *
 * @module
 */
import type { UserDirectory } from "../users.ts";
import { entryInfo, type EntryInfoInit } from "./entry_info.ts";
import { toConnectError } from "./fs_error.ts";
import type { UserFs } from "./user_fs.ts";

/** Stats the absolute `path` as `fs`'s user. */
export function stat(path: string, users: UserDirectory, fs: UserFs): { entry: EntryInfoInit } {
  try {
    // One switch to the user for the lookups (lstat, the link's target, the metadata).
    return { entry: fs.run(() => entryInfo(path, { users, fs })) };
  } catch (error) {
    throw toConnectError(error, path, "error getting file info");
  }
}
