/**
 * Puts a finished upload in place of the file it replaces, atomically, without ext4's flush on
 * rename. A `rename` over an existing file makes ext4 (mounted with its default `auto_da_alloc`)
 * start writing the new file's data out before the rename returns, so that a crash leaves the
 * old or the new content rather than an empty file. That costs 130 to 300 µs per upload here,
 * most of a small `files.write`. Sandboxes are scratch space that no crash recovery reads back,
 * so the runtime swaps the two names instead (`renameat2` with `RENAME_EXCHANGE`: atomic too,
 * readers see the old file or the new one, never neither) and removes the old file under the
 * temporary name, which costs about 30 µs. The data reaches the disk on the kernel's usual
 * schedule, as for any file a command writes.
 *
 * Where the swap is unavailable (another kernel or filesystem, the target gone in between), a
 * plain rename does the job, with its usual errors.
 *
 * @module
 */
import { cString, libcSymbols } from "../libc.ts";

const AT_FDCWD = -100;
const RENAME_EXCHANGE = 2;

/**
 * Swaps the names `a` and `b` (both must exist); whether the kernel did it. Without FFI (a
 * runtime started without `--allow-ffi`) or off Linux, nothing is swapped.
 */
function exchange(a: string, b: string): boolean {
  if (Deno.build.os !== "linux") return false;
  let libc: ReturnType<typeof libcSymbols>;
  try {
    libc = libcSymbols();
  } catch {
    return false;
  }
  return libc.renameat2(AT_FDCWD, cString(a), AT_FDCWD, cString(b), RENAME_EXCHANGE) === 0;
}

/**
 * Replaces the existing file `target` with the file `temp` (same directory), atomically: `temp`
 * then names nothing. Runs with the calling thread's credentials (call it inside
 * `UserFs.run`). Throws as `Deno.renameSync` does when the replacement cannot happen.
 */
export function replaceFile(temp: string, target: string): void {
  if (exchange(temp, target)) {
    // `temp` now names what `target` was. If that is no longer a file (a directory put there
    // since the caller looked), swap back and let the rename below fail as it should.
    if (!Deno.lstatSync(temp).isDirectory) return Deno.removeSync(temp);
    exchange(temp, target);
  }
  Deno.renameSync(temp, target);
}
