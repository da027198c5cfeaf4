/**
 * File metadata as envd stores it: one extended attribute `user.e2b.<key>` per entry, read and
 * written with `listxattr(2)`, `getxattr(2)` and `setxattr(2)` through FFI, as the requesting
 * user ({@linkcode UserFs}), so the kernel applies that user's rights to the metadata as it does
 * to the file. Symlinks are followed, as `getfattr` did before. Where the filesystem has no user
 * xattrs (or the C library cannot be opened), metadata reads as empty and writes report `false`,
 * so files still work.
 *
 * @module
 */
import { cString, Errno, errno, libcSymbols } from "../libc.ts";
import { UserFs } from "./user_fs.ts";

/** The xattr namespace prefix of E2B metadata keys. */
export const METADATA_PREFIX = "user.e2b.";

/** Calls `fill(size)` with a growing buffer until the value fits; `undefined` on failure. */
function readSized(
  query: () => number,
  fill: (buffer: Uint8Array<ArrayBuffer>, size: number) => number,
): Uint8Array | undefined {
  for (let attempt = 0; attempt < 3; attempt++) {
    const size = query();
    if (size < 0) return undefined;
    if (size === 0) return new Uint8Array(0);
    const buffer = new Uint8Array(size);
    const n = fill(buffer, size);
    if (n >= 0) return buffer.subarray(0, n);
    if (errno() !== Errno.ERANGE) return undefined; // ERANGE: it grew in between; ask again
  }
  return undefined;
}

/** The E2B metadata of `path`, read in the calling thread's current credentials. */
function readOne(path: string): Record<string, string> {
  const c = libcSymbols();
  const cPath = cString(path);
  const names = readSized(
    () => Number(c.listxattr(cPath, null, 0n)),
    (buffer, size) => Number(c.listxattr(cPath, buffer, BigInt(size))),
  );
  const metadata: Record<string, string> = {};
  if (!names) return metadata;
  const decoder = new TextDecoder();
  for (const name of decoder.decode(names).split("\0")) {
    if (!name.startsWith(METADATA_PREFIX)) continue;
    const cName = cString(name);
    const value = readSized(
      () => Number(c.getxattr(cPath, cName, null, 0n)),
      (buffer, size) => Number(c.getxattr(cPath, cName, buffer, BigInt(size))),
    );
    if (value) metadata[name.slice(METADATA_PREFIX.length)] = decoder.decode(value);
  }
  return metadata;
}

/**
 * Reads the E2B metadata of many paths as `fs`'s user; a path without any, or one that cannot be
 * read, is absent from the result.
 */
export function readMetadataMany(
  paths: readonly string[],
  fs: UserFs = UserFs.SELF,
): Map<string, Record<string, string>> {
  const result = new Map<string, Record<string, string>>();
  try {
    fs.run(() => {
      for (const path of paths) {
        const metadata = readOne(path);
        if (Object.keys(metadata).length > 0) result.set(path, metadata);
      }
    });
  } catch {
    // No FFI or no C library: metadata is unavailable, files still work.
  }
  return result;
}

/** Reads the E2B metadata of one path as `fs`'s user; empty when it has none. */
export function readMetadata(path: string, fs: UserFs = UserFs.SELF): Record<string, string> {
  return readMetadataMany([path], fs).get(path) ?? {};
}

/**
 * Sets `metadata` on `path` as `fs`'s user. Returns `false` when the filesystem (or the user's
 * rights) refuse user xattrs, so that an upload still succeeds there.
 */
export function writeMetadata(
  path: string,
  metadata: Readonly<Record<string, string>>,
  fs: UserFs = UserFs.SELF,
): boolean {
  const entries = Object.entries(metadata);
  if (entries.length === 0) return true;
  try {
    return fs.run(() => {
      const c = libcSymbols();
      const cPath = cString(path);
      for (const [key, value] of entries) {
        const bytes = new TextEncoder().encode(value);
        if (
          c.setxattr(cPath, cString(`${METADATA_PREFIX}${key}`), bytes, BigInt(bytes.length), 0)
        ) {
          return false;
        }
      }
      return true;
    });
  } catch {
    return false;
  }
}
