/**
 * A directory watch on `Deno.watchFs` (inotify), producing envd `FilesystemEvent`s: names relative
 * to the watched directory (`nested/file.txt` when recursive), directories created after the
 * start covered (the watcher adds them), and the entry of created, written or chmod-ed paths when
 * asked for. Both `WatchDir` (a stream per request) and `CreateWatcher` (polled) use it.
 *
 * Events that arrive together are translated as one batch, because inotify reports a rename as
 * several events that only make sense side by side.
 *
 * **Sync points** (for the polled watchers). A poll must return every event of the changes that
 * happened before it: E2B's sync SDK tests write a file and ask for the events at once. inotify
 * delivers events asynchronously, so a syncable watcher also watches a private directory of the
 * runtime's, and {@linkcode DirWatcher.mark} creates a marker file there: inotify queues events in
 * order, so once the marker's event comes out of the watch, every earlier change's events have
 * too. Marker events are never reported.
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
  /** Whether {@linkcode DirWatcher.mark} is used (it watches the marker directory). */
  syncable?: boolean;
}

/** A batch of events, and the markers that came out of the watch with it. */
export interface WatchBatch {
  /** Translated events, in order. */
  events: FilesystemEventInit[];
  /** Paths of the markers seen (see {@linkcode DirWatcher.mark}). */
  markers: string[];
}

/** How long to wait for the rest of a burst before translating it (inotify delivers at once). */
const SETTLE_MS = 10;

let markerDir: string | undefined;
let markerUsers = 0;

/**
 * The runtime's private marker directory (mode 0700), made on first use and shared by the
 * syncable watchers; each one that takes it gives it back with {@linkcode releaseMarkers}.
 */
function acquireMarkers(): string {
  markerDir ??= Deno.makeTempDirSync({ prefix: "agent-runtime-watch-" });
  markerUsers++;
  return markerDir;
}

/** Gives the marker directory back; the last user removes it, so none is left in `/tmp`. */
function releaseMarkers(): void {
  if (--markerUsers > 0 || markerDir === undefined) return;
  try {
    Deno.removeSync(markerDir, { recursive: true });
  } catch {
    // Removed under us; a later watcher makes a new one.
  }
  markerDir = undefined;
}

/** Whether `path` is the marker directory or in it (any watcher's markers). */
function isMarkerPath(path: string): boolean {
  return markerDir !== undefined && (path === markerDir || path.startsWith(`${markerDir}/`));
}

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

/** A running watch; read {@linkcode DirWatcher.events} or its batches (not both), then close it. */
export class DirWatcher implements Disposable {
  /** The translated events, in order; ends when the watcher is closed. */
  readonly events: ReadableStream<FilesystemEventInit>;
  readonly #root: string;
  readonly #fs: Deno.FsWatcher;
  readonly #iterator: AsyncIterator<Deno.FsEvent>;
  readonly #options: DirWatcherOptions;
  readonly #userFs: UserFs;
  readonly #markerPrefix: string | undefined;
  #pending: Promise<IteratorResult<Deno.FsEvent>> | undefined;
  #seq = 0;
  #closed = false;
  #reading = false;

  private constructor(
    root: string,
    fs: Deno.FsWatcher,
    options: DirWatcherOptions,
    markers: string | undefined,
  ) {
    this.#root = root;
    this.#fs = fs;
    this.#iterator = fs[Symbol.asyncIterator]();
    this.#options = options;
    this.#userFs = options.fs ?? UserFs.SELF;
    this.#markerPrefix = markers ? `${markers}/${crypto.randomUUID()}.` : undefined;
    // highWaterMark 0: the stream pulls only when it is read. With the default queue of one it
    // would start a nextBatch() of its own at once, and a polled watcher, which reads batches
    // and never this stream, would lose that first batch to it (on the runtime-rpc branch the
    // Python SDK's watch_dir saw an upload's rename split in two: a CREATE and never its WRITE).
    this.events = new ReadableStream<FilesystemEventInit>({
      pull: async (controller) => {
        const batch = await this.nextBatch();
        if (!batch) return controller.close();
        for (const event of batch.events) controller.enqueue(event);
      },
      cancel: () => this.close(),
    }, { highWaterMark: 0 });
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
    let markers: string | undefined;
    try {
      markers = options.syncable ? acquireMarkers() : undefined;
      const fs = Deno.watchFs(markers ? [dir, markers] : [dir], { recursive: options.recursive });
      return Promise.resolve(new DirWatcher(posix.normalize(dir), fs, options, markers));
    } catch (error) {
      if (markers) releaseMarkers();
      return Promise.reject(error);
    }
  }

  /**
   * Creates a marker file (as the runtime itself) and returns its path; its appearance in a
   * later {@linkcode WatchBatch} means every change made before this call has been reported.
   * `undefined` when the watcher is not syncable or the marker cannot be made.
   */
  mark(): string | undefined {
    if (!this.#markerPrefix) return undefined;
    const path = `${this.#markerPrefix}${++this.#seq}`;
    try {
      Deno.openSync(path, { write: true, createNew: true }).close();
      Deno.removeSync(path);
      return path;
    } catch {
      return undefined;
    }
  }

  /**
   * The next batch that has events or markers; `null` once the watcher is closed. One reader at
   * a time: read either this or {@linkcode DirWatcher.events}, and await each batch before asking
   * for the next; a second concurrent call throws a `TypeError`, because two readers would split
   * the bursts that must be translated together.
   */
  async nextBatch(): Promise<WatchBatch | null> {
    if (this.#reading) throw new TypeError("Cannot read a watch's batches twice at once");
    this.#reading = true;
    try {
      return await this.#readBatch();
    } finally {
      this.#reading = false;
    }
  }

  async #readBatch(): Promise<WatchBatch | null> {
    while (true) {
      const raw: Deno.FsEvent[] = [];
      const markersSeen: string[] = [];
      const first = await this.#next();
      if (first.done) return null;
      // A marker ends the batch at once: everything before it has come out of the watch.
      if (!this.#take(first.value, raw, markersSeen)) await this.#settle(raw, markersSeen);
      const events = this.#translate(raw);
      if (events.length > 0 || markersSeen.length > 0) return { events, markers: markersSeen };
    }
  }

  #next(): Promise<IteratorResult<Deno.FsEvent>> {
    const next = this.#pending ?? this.#iterator.next();
    this.#pending = undefined;
    return next;
  }

  /** Adds `event` to the batch or records its marker; true when it was a marker. */
  #take(event: Deno.FsEvent, raw: Deno.FsEvent[], markersSeen: string[]): boolean {
    const prefix = this.#markerPrefix;
    const marker = prefix ? event.paths.find((p) => p.startsWith(prefix)) : undefined;
    if (marker === undefined) {
      if (!event.paths.some(isMarkerPath)) raw.push(event);
      return false;
    }
    if (event.kind !== "create") return false;
    markersSeen.push(marker);
    return true;
  }

  /** Takes the events that follow within the settle window (or up to a marker). */
  async #settle(raw: Deno.FsEvent[], markersSeen: string[]): Promise<void> {
    while (true) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settled = new Promise<"settled">((resolve) => {
        timer = setTimeout(() => resolve("settled"), SETTLE_MS);
      });
      const pending = this.#pending ??= this.#iterator.next();
      const more = await Promise.race([pending, settled]);
      clearTimeout(timer);
      if (more === "settled") return;
      this.#pending = undefined;
      if (more.done) return;
      if (this.#take(more.value, raw, markersSeen)) return;
    }
  }

  /** envd events of `raw`, visible to the user, with entries when asked for. */
  #translate(raw: Deno.FsEvent[]): FilesystemEventInit[] {
    const listable = new Map<string, boolean>();
    const visible = (path: string) => {
      const dir = posix.dirname(path);
      let ok = listable.get(dir);
      if (ok === undefined) listable.set(dir, ok = this.#userFs.canList(dir));
      return ok;
    };
    const out: FilesystemEventInit[] = [];
    for (const event of translateFsEvents(raw, this.#root)) {
      if (!visible(event.path)) continue;
      const type = event.type === "modify" ? classifyModify(event.path, this.#userFs) : event.type;
      const init: FilesystemEventInit = { name: posix.relative(this.#root, event.path), type };
      const withEntry = type === EventType.CREATE || type === EventType.WRITE ||
        type === EventType.CHMOD;
      if (this.#options.includeEntry && withEntry) {
        try {
          init.entry = entryInfo(event.path, { users: this.#options.users, fs: this.#userFs });
        } catch {
          // Removed before we looked; send the event without an entry.
        }
      }
      out.push(init);
    }
    return out;
  }

  /** Stops watching; the events stream and batches end. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#markerPrefix) releaseMarkers();
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
