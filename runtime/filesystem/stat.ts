/**
 * `Stat`: the `EntryInfo` of one path, without following a final symlink (the entry describes the
 * link and carries its resolved target). The SDKs' `exists` reads `not_found` as `false`.
 *
 * @module
 */
import type { UserDirectory } from "../users.ts";
import { entryInfo, type EntryInfoInit } from "./entry_info.ts";
import { toConnectError } from "./fs_error.ts";

/** Stats the absolute `path`. */
export async function stat(path: string, users: UserDirectory): Promise<{ entry: EntryInfoInit }> {
  try {
    return { entry: await entryInfo(path, { users }) };
  } catch (error) {
    throw toConnectError(error, path, "error getting file info");
  }
}
