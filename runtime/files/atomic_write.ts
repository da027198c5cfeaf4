/**
 * Writes an upload so that readers never see half a file: the bytes go to a temporary file in the
 * target's directory (same filesystem, so the final `rename` is atomic), which gets the final
 * mode, owner and metadata before it replaces the target. If the stream fails part-way (a client
 * that disconnects, a bad gzip body), the temporary file is removed and the target is untouched.
 *
 * @module
 */
import { posix } from "@kruise-agents/shared/std";
import { EnvdHttpError } from "../errors.ts";
import { chownTo, ensureDirs } from "../filesystem/ownership.ts";
import { uploadTempName } from "../filesystem/upload_temp.ts";
import { writeMetadata } from "../filesystem/xattr.ts";
import type { User } from "../users.ts";

/** The outcome of {@linkcode writeFileAtomic}. */
export interface AtomicWriteResult {
  /** Whether the metadata was stored (false where user xattrs are unavailable). */
  metadataStored: boolean;
}

/**
 * Streams `body` into `target` (absolute) for `user`: missing parents are created for the user,
 * a new file is `0644`, a replaced file keeps its mode, and the result is owned by the user.
 * Writing through a symlink replaces the file it points to.
 */
export async function writeFileAtomic(
  target: string,
  body: ReadableStream<Uint8Array>,
  user: User,
  metadata: Readonly<Record<string, string>> = {},
): Promise<AtomicWriteResult> {
  let path = target;
  let existing: Deno.FileInfo | undefined;
  try {
    existing = await Deno.lstat(path);
    if (existing.isSymlink) {
      path = await Deno.realPath(path).catch(() => path);
      existing = await Deno.stat(path).catch(() => undefined);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (existing?.isDirectory) throw new EnvdHttpError(400, `path '${target}' is a directory`);
  await ensureDirs(posix.dirname(path), user);
  const temp = posix.join(posix.dirname(path), uploadTempName(existing !== undefined));
  try {
    const file = await Deno.open(temp, { write: true, createNew: true, mode: 0o600 });
    await body.pipeTo(file.writable);
    await Deno.chmod(temp, existing?.isFile ? (existing.mode ?? 0o644) & 0o7777 : 0o644);
    await chownTo(temp, user);
    const metadataStored = await writeMetadata(temp, metadata);
    await Deno.rename(temp, path);
    return { metadataStored };
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}
