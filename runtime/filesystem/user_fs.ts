/**
 * The filesystem as one user sees it: the synchronous Deno file calls the file APIs need, each
 * run with that user's filesystem credentials (see `../fs_credentials.ts`), so the kernel checks
 * every path walk, symlink and permission as that user, and what it creates belongs to that
 * user. `/files` and `filesystem.Filesystem` build one per request from the requested
 * `username` (else the default user) and do all path work through it.
 *
 * Each method is a single synchronous call on the main thread; callers may await other things
 * between calls, because no call holds the switched credentials beyond its own return. Contents
 * of a file opened here are then read or written asynchronously through its descriptor.
 *
 * @module
 */
import { asFsIdentity, type FsIdentity, fsIdentityFor } from "../fs_credentials.ts";
import type { User, UserDirectory } from "../users.ts";
import { replaceFile } from "./replace_file.ts";

/** Filesystem calls as one user. */
export class UserFs {
  /** The runtime acting as itself (no switch): tests, and requests as the runtime's own user. */
  static readonly SELF: UserFs = new UserFs(undefined);

  /** The credentials the calls run with; `undefined` = the runtime's own. */
  readonly identity: FsIdentity | undefined;

  /** Acts as `identity`, or as the runtime itself when it is `undefined`. */
  constructor(identity: FsIdentity | undefined) {
    this.identity = identity;
  }

  /** The filesystem as `user` sees it (with the groups `users` lists for it). */
  static of(user: User, users: UserDirectory): UserFs {
    const identity = fsIdentityFor(user, users.groupsOf(user));
    return identity ? new UserFs(identity) : UserFs.SELF;
  }

  /** Runs the synchronous `fn` as this user. */
  run<T>(fn: () => T): T {
    return asFsIdentity(this.identity, fn);
  }

  /** `Deno.lstatSync` as this user. */
  lstat(path: string): Deno.FileInfo {
    return this.run(() => Deno.lstatSync(path));
  }

  /** `Deno.statSync` as this user (follows symlinks as the user may). */
  stat(path: string): Deno.FileInfo {
    return this.run(() => Deno.statSync(path));
  }

  /** `Deno.realPathSync` as this user. */
  realPath(path: string): string {
    return this.run(() => Deno.realPathSync(path));
  }

  /** The entries of a directory, read as this user (needs read and search permission). */
  readDir(path: string): Deno.DirEntry[] {
    return this.run(() => [...Deno.readDirSync(path)]);
  }

  /** `Deno.openSync` as this user; the kernel checks the user's rights once, here. */
  open(path: string, options: Deno.OpenOptions): Deno.FsFile {
    return this.run(() => Deno.openSync(path, options));
  }

  /** `Deno.mkdirSync` (one level) as this user; the directory is the user's. */
  mkdir(path: string, mode: number): void {
    this.run(() => Deno.mkdirSync(path, { mode }));
  }

  /** `Deno.chmodSync` as this user (who must own the path). */
  chmod(path: string, mode: number): void {
    this.run(() => Deno.chmodSync(path, mode));
  }

  /** `Deno.renameSync` as this user. */
  rename(from: string, to: string): void {
    this.run(() => Deno.renameSync(from, to));
  }

  /**
   * Replaces the existing file `to` with `from` (same directory) as this user, atomically and
   * without ext4's flush on rename ({@linkcode replaceFile}).
   */
  replace(from: string, to: string): void {
    this.run(() => replaceFile(from, to));
  }

  /** Removes one file, symlink or empty directory as this user. */
  removeOne(path: string): void {
    this.run(() => Deno.removeSync(path));
  }

  /**
   * Whether this user may list `dir`: opening it for reading checks read permission on it and
   * search permission on the way to it, which is what `ls` needs.
   */
  canList(dir: string): boolean {
    try {
      this.run(() => Deno.openSync(dir, { read: true })).close();
      return true;
    } catch {
      return false;
    }
  }
}
