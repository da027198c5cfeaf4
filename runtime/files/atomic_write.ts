/**
 * Writes an upload so that readers never see half a file: the bytes go to a temporary file in the
 * target's directory (same filesystem, so the final `rename` is atomic), which gets the final
 * mode and metadata before it replaces the target. If the stream fails part-way (a client that
 * disconnects, a bad gzip body), the temporary file is removed and the target is untouched.
 *
 * Every step that names a path runs as the requesting user ({@linkcode UserFs}): the user's
 * rights decide, and what is created belongs to the user. One exception to atomicity follows from
 * that: when the user may write the file but not its directory (no temporary file can be created
 * there), the file is truncated and written in place, as `cat > file` would do.
 *
 * @module
 */
import { posix } from "@kruise-agents/shared/std";
import { EnvdHttpError } from "../errors.ts";
import { writeStream } from "./coalesced_write.ts";
import { ensureDirs } from "../filesystem/ownership.ts";
import { uploadTempName } from "../filesystem/upload_temp.ts";
import type { UserFs } from "../filesystem/user_fs.ts";
import { writeMetadata } from "../filesystem/xattr.ts";

/** The outcome of {@linkcode writeFileAtomic}. */
export interface AtomicWriteResult {
  /** Whether the metadata was stored (false where user xattrs are unavailable). */
  metadataStored: boolean;
}

/** The target's current state, looked up as the user; a symlink is followed to its file. */
function existingTarget(target: string, fs: UserFs): { path: string; info?: Deno.FileInfo } {
  let info: Deno.FileInfo;
  try {
    info = fs.lstat(target);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { path: target };
    throw error;
  }
  if (!info.isSymlink) return { path: target, info };
  let path = target;
  try {
    path = fs.realPath(target);
  } catch (error) {
    // A dangling link is written through to the path it names; anything else is the user's
    // answer (e.g. a link into a directory the user may not enter).
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    return { path: target };
  }
  try {
    return { path, info: fs.stat(path) };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { path };
    throw error;
  }
}

/**
 * Streams `body` into `target` (absolute) as `fs`'s user: missing parents are created for the
 * user, a new file is `0644`, a replaced file keeps its mode, and the result is the user's.
 * Writing through a symlink replaces the file it points to.
 */
export async function writeFileAtomic(
  target: string,
  body: ReadableStream<Uint8Array>,
  fs: UserFs,
  metadata: Readonly<Record<string, string>> = {},
): Promise<AtomicWriteResult> {
  // The path work before and after the bytes runs in one switch to the user each.
  const { path, existing, temp, file } = fs.run(() => openTemp(target, fs));
  if (file === undefined) return await writeInPlace(path, body, fs, metadata);
  try {
    await writeBody(body, file);
    return fs.run(() => {
      fs.chmod(temp, existing?.isFile ? (existing.mode ?? 0o644) & 0o7777 : 0o644);
      const metadataStored = writeMetadata(temp, metadata, fs);
      if (existing === undefined) fs.rename(temp, path);
      else fs.replace(temp, path);
      return { metadataStored };
    });
  } catch (error) {
    try {
      fs.removeOne(temp);
    } catch {
      // gone already
    }
    throw error;
  }
}

/**
 * Resolves `target`, creates its missing parents and opens a new temporary file beside it; no
 * file when the user may write the existing file but not create one in its directory.
 */
function openTemp(target: string, fs: UserFs): {
  path: string;
  existing: Deno.FileInfo | undefined;
  temp: string;
  file: Deno.FsFile | undefined;
} {
  const { path, info: existing } = existingTarget(target, fs);
  if (existing?.isDirectory) throw new EnvdHttpError(400, `path '${target}' is a directory`);
  ensureDirs(posix.dirname(path), fs);
  const temp = posix.join(posix.dirname(path), uploadTempName(existing !== undefined));
  try {
    return {
      path,
      existing,
      temp,
      file: fs.open(temp, { write: true, createNew: true, mode: 0o600 }),
    };
  } catch (error) {
    if (existing?.isFile && error instanceof Deno.errors.PermissionDenied) {
      return { path, existing, temp, file: undefined };
    }
    throw error;
  }
}

/**
 * Writes `body` to `file` and closes it, in large writes overlapped with reading
 * ({@linkcode writeStream}); a small body is one synchronous write. On a failure the body is
 * cancelled, and the file is closed once no write is in flight.
 */
async function writeBody(body: ReadableStream<Uint8Array>, file: Deno.FsFile): Promise<void> {
  try {
    await writeStream(body, file);
  } finally {
    file.close();
  }
}

/** Truncates and writes the existing file `path` (which the user may write) in place. */
async function writeInPlace(
  path: string,
  body: ReadableStream<Uint8Array>,
  fs: UserFs,
  metadata: Readonly<Record<string, string>>,
): Promise<AtomicWriteResult> {
  const file = fs.open(path, { write: true, truncate: true });
  await writeBody(body, file);
  return { metadataStored: writeMetadata(path, metadata, fs) };
}
