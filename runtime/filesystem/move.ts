/**
 * `Move`: renames an entry, creating the destination's missing parents for the run-as user.
 * Metadata xattrs travel with the inode. A missing source is `not_found`, which the SDKs raise as
 * `FileNotFoundError`.
 *
 * @module
 */
import { posix } from "@kruise-agents/shared/std";
import type { User, UserDirectory } from "../users.ts";
import { entryInfo, type EntryInfoInit } from "./entry_info.ts";
import { toConnectError } from "./fs_error.ts";
import { ensureDirs } from "./ownership.ts";

/** Moves `source` to `destination` (both absolute) and answers the destination's entry. */
export async function move(
  source: string,
  destination: string,
  user: User,
  users: UserDirectory,
): Promise<{ entry: EntryInfoInit }> {
  try {
    await Deno.lstat(source);
  } catch (error) {
    throw toConnectError(error, source, "error getting source info");
  }
  try {
    await ensureDirs(posix.dirname(destination), user);
    await Deno.rename(source, destination);
    return { entry: await entryInfo(destination, { users }) };
  } catch (error) {
    throw toConnectError(error, destination, "error moving file");
  }
}
