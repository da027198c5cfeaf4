/**
 * Acting as another user on the filesystem, the way the kernel enforces it. The runtime runs as
 * root; a file request names a user (`?username=`, Basic auth, else the default user). Around
 * each synchronous filesystem call made for that request, the calling thread's filesystem
 * credentials are switched to the user's (`setfsuid`, `setfsgid`, and the user's groups) and then
 * back in a `finally`. While the filesystem uid is not 0 the kernel drops the thread's
 * CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_CHOWN and the like, so every permission
 * check, symlink walk and ownership of a new file is exactly what that user would get: the kernel
 * decides, not a re-implementation of its rules.
 *
 * Why per thread, and why synchronous calls:
 * - `setfsuid`/`setfsgid` change only the calling thread; the groups are set with the raw
 *   `setgroups` system call, because glibc's `setgroups()` broadcasts the change to every thread
 *   of the process. So the tokio threads that serve Deno's async ops, other requests and
 *   commands being spawned keep root's credentials.
 * - Deno runs synchronous ops (`Deno.openSync`, `statSync`, `readDirSync`, `mkdirSync`,
 *   `renameSync`, `removeSync`, `realPathSync`, `chmodSync`) on the calling thread, which is the
 *   main JS thread, and no JS runs in between on that thread. Async ops run on a thread pool with
 *   root's credentials, so they must not be used for the user's path walks. Reads and writes of a
 *   file that was opened as the user go through its descriptor and may be asynchronous: the
 *   kernel checked the user's rights at `open`.
 *
 * `runtime/fs_credentials_test.ts` checks these assumptions against the kernel (`/etc/shadow`,
 * a directory of mode 0700, threads other than the caller untouched).
 *
 * A runtime that is not root (tests, development) cannot switch and acts as its own account, as
 * before; {@linkcode fsIdentityFor} returns `undefined` there and for a request as the runtime's
 * own user.
 *
 * @module
 */
import { errno, libcSymbols, syscallNumbers } from "./libc.ts";

/** Filesystem credentials: whom the kernel checks a filesystem call against. */
export interface FsIdentity {
  /** Filesystem user id. */
  uid: number;
  /** Filesystem group id (the primary group; new files get it). */
  gid: number;
  /** Supplementary groups, e.g. from `/etc/group`. */
  groups: readonly number[];
}

/** The identity a switch returns to: the runtime's own, read once. */
let own: FsIdentity | undefined;
/** The identity the main thread currently has (nested calls restore the outer one). */
let current: FsIdentity | undefined;

function readGroups(): number[] {
  const { getgroups } = syscallNumbers();
  const c = libcSymbols();
  const size = Number(c.syscall(getgroups, 0n, null));
  if (size < 0) throw new Error(`Cannot read the runtime's groups: errno ${errno()}`);
  const list = new Uint32Array(Math.max(size, 1));
  const n = Number(c.syscall(getgroups, BigInt(size), list));
  if (n < 0) throw new Error(`Cannot read the runtime's groups: errno ${errno()}`);
  return [...list.subarray(0, n)];
}

function ownIdentity(): FsIdentity {
  own ??= { uid: Deno.uid() ?? 0, gid: Deno.gid() ?? 0, groups: readGroups() };
  return own;
}

/**
 * Switches the calling thread to `identity`. `setfsuid` cannot report failure, so the result is
 * checked by asking for the current value (an invalid id changes nothing and returns it).
 */
function switchTo(identity: FsIdentity): void {
  const c = libcSymbols();
  const { setgroups } = syscallNumbers();
  const groups = new Uint32Array(identity.groups);
  if (Number(c.syscall(setgroups, BigInt(groups.length), groups)) !== 0) {
    throw new Error(`Cannot switch to the groups of uid ${identity.uid}: errno ${errno()}`);
  }
  c.setfsgid(identity.gid);
  c.setfsuid(identity.uid);
  if (c.setfsuid(0xffffffff) !== identity.uid || c.setfsgid(0xffffffff) !== identity.gid) {
    throw new Error(`Cannot switch the filesystem credentials to uid ${identity.uid}`);
  }
}

/**
 * Runs `fn` with the calling thread's filesystem credentials set to `identity`, restoring the
 * previous ones afterwards; with `undefined`, just runs `fn`. `fn` must be synchronous: a
 * returned promise is refused, because its work would run after the switch back.
 *
 * Throws when the switch fails: a request must never fall back to root's rights.
 *
 * @example
 * ```ts ignore
 * const info = asFsIdentity({ uid: 1000, gid: 1000, groups: [1000] }, () =>
 *   Deno.statSync("/home/user/notes.txt"));
 * ```
 */
export function asFsIdentity<T>(identity: FsIdentity | undefined, fn: () => T): T {
  if (identity === undefined) return fn();
  // Inside a run as this same identity already: nothing to switch (a batch of calls, e.g. a
  // directory listing, pays for one switch instead of one per entry).
  if (identity === current) return runSync(fn);
  const outer = current;
  const back = outer ?? ownIdentity();
  try {
    switchTo(identity);
  } catch (error) {
    switchTo(back); // a half-done switch (groups changed, uid not) is undone
    throw error;
  }
  current = identity;
  try {
    return runSync(fn);
  } finally {
    current = outer;
    switchTo(back);
  }
}

/** Runs `fn`, refusing a promise: its work would run after the switch back. */
function runSync<T>(fn: () => T): T {
  const result = fn();
  if (result instanceof Promise) {
    result.catch(() => {});
    throw new TypeError("Cannot act as a user in an async function: pass a synchronous one");
  }
  return result;
}

/** What {@linkcode fsIdentityFor} needs to know about a user. */
export interface FsUser {
  /** User id. */
  uid: number;
  /** Primary group id. */
  gid: number;
}

/**
 * The identity to act as for `user` with `groups`, or `undefined` when no switch is needed or
 * possible: the runtime is not root (it can only act as itself), or `user` is the runtime's own
 * account.
 */
export function fsIdentityFor(user: FsUser, groups: readonly number[]): FsIdentity | undefined {
  const self = Deno.uid();
  if (self !== 0 || user.uid === self) return undefined;
  return { uid: user.uid, gid: user.gid, groups };
}
