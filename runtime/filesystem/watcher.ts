/**
 * A directory watch on `Deno.watchFs` (inotify), producing envd `FilesystemEvent`s: names relative
 * to the watched directory (`nested/file.txt` when recursive), directories created after the
 * start covered (the watcher adds them), and the entry of created, written or chmod-ed paths when
 * asked for. Both `WatchDir` (a stream per request) and `CreateWatcher` (polled) use it.
 *
 * Events that arrive together are translated as one batch, because inotify reports a rename as
 * several events that only make sense side by side.
 *
 * The watch itself is set up by Deno's watcher thread, with the runtime's (root's) rights, so the
 * requesting user's rights are applied here: the watched directory must be one the user may
 * list, and an event is passed on only when the user may list the directory it happened in (what
 * the user's own inotify watch could have seen). Entries are looked up as the user.
 *
 * @module
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { EventType, type FilesystemEventSchema } from "@kruise-agents/shared/envd";
import { posix } from "@kruise-agents/shared/std";
import type { UserDirectory } from "../users.ts";
import { entryInfo } from "./entry_info.ts";
import { translateFsEvents } from "./fs_event_translate.ts";
import { UserFs } from "./user_fs.ts";

/** The init shape of a `FilesystemEvent`. */
export type FilesystemEventInit = MessageInitShape<typeof FilesystemEventSchema>;

/** Options of {@linkcode DirWatcher.open}. */
export interface DirWatcherOptions {
  /** Watch subdirectories too, including ones created later. */
  recursive: boolean;
  /** Attach the entry's `EntryInfo` to create, write and chmod events. */
  includeEntry: boolean;
  /** Names owners in entries. */
  users: UserDirectory;
  /** Whose rights apply. @default {UserFs.SELF} */
  fs?: UserFs | undefined;
}

/** How long to wait for the rest of a burst before translating it (inotify delivers at once). */
const SETTLE_MS = 10;

/**
 * A write changes mtime and ctime together; a chmod changes only ctime. Deno reports ctime in
 * whole seconds, so a chmod within the same second as the last write still reads as a write.
 */
function classifyModify(path: string, fs: UserFs): EventType {
  try {
    const info = fs.lstat(path);
    if (info.ctime && info.mtime) {
      const ctime = Math.floor(info.ctime.getTime() / 1000);
      const mtime = Math.floor(info.mtime.getTime() / 1000);
      if (ctime > mtime) return EventType.CHMOD;
    }
  } catch {
    // Gone already; the write happened.
  }
  return EventType.WRITE;
}

/** A running watch; read {@linkcode DirWatcher.events}, then close it. */
export class DirWatcher implements Disposable {
  /** The translated events, in order; ends when the watcher is closed. */
  readonly events: ReadableStream<FilesystemEventInit>;
  #fs: Deno.FsWatcher;
  #closed = false;

  private constructor(root: string, fs: Deno.FsWatcher, options: DirWatcherOptions) {
    this.#fs = fs;
    const userFs = options.fs ?? UserFs.SELF;
    const iterator = fs[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<Deno.FsEvent>> | undefined;
    const next = () => pending ??= iterator.next();
    this.events = new ReadableStream<FilesystemEventInit>({
      pull: async (controller) => {
        // Wait for one event, then take whatever follows it within the settle window.
        const batch: Deno.FsEvent[] = [];
        while (batch.length === 0) {
          const first = await next();
          pending = undefined;
          if (first.done) return controller.close();
          batch.push(first.value);
          while (true) {
            let timer: ReturnType<typeof setTimeout> | undefined;
            const settle = new Promise<"settled">((resolve) => {
              timer = setTimeout(() => resolve("settled"), SETTLE_MS);
            });
            const more = await Promise.race([next(), settle]);
            clearTimeout(timer);
            if (more === "settled") break;
            pending = undefined;
            if (more.done) break;
            batch.push(more.value);
          }
          const listable = new Map<string, boolean>();
          const visible = (path: string) => {
            const dir = posix.dirname(path);
            let ok = listable.get(dir);
            if (ok === undefined) listable.set(dir, ok = userFs.canList(dir));
            return ok;
          };
          const raw = translateFsEvents(batch, root).filter((event) => visible(event.path));
          if (raw.length === 0) batch.length = 0;
          for (const event of raw) {
            const type = event.type === "modify" ? classifyModify(event.path, userFs) : event.type;
            const out: FilesystemEventInit = { name: posix.relative(root, event.path), type };
            if (
              options.includeEntry &&
              (type === EventType.CREATE || type === EventType.WRITE || type === EventType.CHMOD)
            ) {
              try {
                out.entry = entryInfo(event.path, { users: options.users, fs: userFs });
              } catch {
                // Removed before we looked; send the event without an entry.
              }
            }
            controller.enqueue(out);
          }
        }
      },
      cancel: () => this.close(),
    });
  }

  /**
   * Starts watching `dir` (absolute). A missing directory is `not_found`, a non-directory
   * `invalid_argument`, as in envd; one the user may not list is `permission_denied`.
   */
  static open(dir: string, options: DirWatcherOptions): Promise<DirWatcher> {
    const userFs = options.fs ?? UserFs.SELF;
    let info: Deno.FileInfo;
    try {
      info = userFs.stat(dir);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        return Promise.reject(new ConnectError(`path ${dir} not found`, Code.NotFound));
      }
      if (error instanceof Deno.errors.PermissionDenied) {
        return Promise.reject(
          new ConnectError(`error statting path ${dir}: permission denied`, Code.PermissionDenied),
        );
      }
      return Promise.reject(
        new ConnectError(`error statting path ${dir}: ${error}`, Code.Internal),
      );
    }
    if (!info.isDirectory) {
      return Promise.reject(
        new ConnectError(`path ${dir} not a directory`, Code.InvalidArgument),
      );
    }
    if (!userFs.canList(dir)) {
      return Promise.reject(
        new ConnectError(`error watching path ${dir}: permission denied`, Code.PermissionDenied),
      );
    }
    try {
      const fs = Deno.watchFs(dir, { recursive: options.recursive });
      return Promise.resolve(new DirWatcher(posix.normalize(dir), fs, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Stops watching; the events stream ends. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#fs.close();
    } catch {
      // Already closed by its iterator.
    }
  }

  /** Same as {@linkcode DirWatcher.close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}
