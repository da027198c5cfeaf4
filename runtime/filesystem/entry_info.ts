/**
 * `EntryInfo` as envd builds it (infra `shared/pkg/filesystem/entry.go`): `mode` holds only the
 * permission bits, `permissions` is Go's `FileMode.String()` of the entry itself, and a symlink
 * reports the type and mode of its target, the fully resolved target path, and its own name and
 * permissions. Owners are names, or numbers when the account is unknown. Metadata comes from
 * `user.e2b.*` xattrs and is left out when empty. Every lookup runs as the requesting user
 * ({@linkcode UserFs}), so a symlink is resolved as that user would resolve it.
 *
 * @module
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type EntryInfoSchema, FileType } from "@kruise-agents/shared/envd";
import { posix } from "@kruise-agents/shared/std";
import type { UserDirectory } from "../users.ts";
import { UserFs } from "./user_fs.ts";
import { readMetadata } from "./xattr.ts";

/** The init shape of an `EntryInfo` message. */
export type EntryInfoInit = MessageInitShape<typeof EntryInfoSchema>;

const S_IFMT = 0o170000;
const S_IFSOCK = 0o140000;
const S_IFLNK = 0o120000;
const S_IFBLK = 0o060000;
const S_IFDIR = 0o040000;
const S_IFCHR = 0o020000;
const S_IFIFO = 0o010000;

/**
 * Renders a raw `st_mode` as Go's `os.FileMode.String()` does: type and special-bit letters in
 * Go's order (`d L D p S u g c t`), or `-` when there are none, then `rwx` triplets.
 *
 * @example
 * ```ts
 * fileModeString(0o100644); // "-rw-r--r--"
 * fileModeString(0o041777); // "dtrwxrwxrwx"
 * ```
 */
export function fileModeString(stMode: number): string {
  const type = stMode & S_IFMT;
  let letters = "";
  if (type === S_IFDIR) letters += "d";
  if (type === S_IFLNK) letters += "L";
  if (type === S_IFBLK || type === S_IFCHR) letters += "D";
  if (type === S_IFIFO) letters += "p";
  if (type === S_IFSOCK) letters += "S";
  if (stMode & 0o4000) letters += "u";
  if (stMode & 0o2000) letters += "g";
  if (type === S_IFCHR) letters += "c";
  if (stMode & 0o1000) letters += "t";
  if (letters === "") letters = "-";
  const rwx = "rwxrwxrwx";
  let perms = "";
  for (let i = 0; i < 9; i++) perms += stMode & (1 << (8 - i)) ? rwx[i] : "-";
  return letters + perms;
}

/** The `FileType` of a (followed) stat result; devices, pipes and sockets are unspecified. */
export function fileTypeOf(info: Deno.FileInfo): FileType {
  if (info.isFile) return FileType.FILE;
  if (info.isDirectory) return FileType.DIRECTORY;
  if (info.isSymlink) return FileType.SYMLINK;
  return FileType.UNSPECIFIED;
}

/** What {@linkcode entryInfo} needs besides the path. */
export interface EntryInfoOptions {
  /** Names owners and groups. */
  users: UserDirectory;
  /** Whom the lookups run as. @default {UserFs.SELF} */
  fs?: UserFs | undefined;
  /**
   * Metadata already read in a batch (by `ListDir`); when absent the entry's own xattrs are
   * read.
   */
  metadata?: Record<string, string>;
}

/**
 * Builds the `EntryInfo` of `path` (absolute, not resolved: a symlink describes itself). Throws
 * Deno's `NotFound` when the path does not exist and `PermissionDenied` when the user may not
 * look it up.
 */
export function entryInfo(path: string, options: EntryInfoOptions): EntryInfoInit {
  const fs = options.fs ?? UserFs.SELF;
  const link = fs.lstat(path);
  let symlinkTarget: string | undefined;
  let target: Deno.FileInfo | undefined = link;
  if (link.isSymlink) {
    try {
      symlinkTarget = fs.realPath(path);
      target = fs.stat(symlinkTarget);
    } catch {
      // A dangling or cyclic link: envd reports the link path itself and an unknown type.
      symlinkTarget ??= path;
      target = undefined;
    }
  }
  const metadata = options.metadata ?? readMetadata(path, fs);
  const entry: EntryInfoInit = {
    name: posix.basename(path),
    type: target ? fileTypeOf(target) : FileType.UNSPECIFIED,
    path,
    size: BigInt(link.size),
    mode: target ? (target.mode ?? 0) & 0o777 : 0,
    permissions: fileModeString(link.mode ?? 0),
    owner: options.users.userName(link.uid ?? 0),
    group: options.users.groupName(link.gid ?? 0),
    symlinkTarget,
  };
  if (link.mtime) entry.modifiedTime = timestampFromMs(link.mtime.getTime());
  if (Object.keys(metadata).length > 0) entry.metadata = metadata;
  return entry;
}
