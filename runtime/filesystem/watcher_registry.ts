/**
 * Watchers that outlive a request, for clients that poll instead of holding a stream (the Python
 * sync SDK's `watch_dir`): `CreateWatcher` starts one and returns its id, `GetWatcherEvents`
 * answers what it has collected since the last call, `RemoveWatcher` stops it. Unknown ids are
 * `not_found`.
 *
 * A poll returns every event of the changes made before it, so that the SDK's pattern "write a
 * file, then get the events" sees the write: the poll places a sync point in the watch
 * ({@linkcode DirWatcher.mark}) and answers once the collector has taken every event up to it.
 * The collector, not the poll, resolves the sync point, after it has stored the events of the
 * batch the marker came in, so no event of that batch can be missed.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { DirWatcher, type DirWatcherOptions, type FilesystemEventInit } from "./watcher.ts";

/** Events kept per watcher between polls; older ones are dropped first. */
const MAX_BUFFERED = 10_000;

/**
 * How long a poll waits for its sync point at most. The marker's event comes within a
 * millisecond; this bounds a poll only if the marker directory was removed under the runtime.
 */
const SYNC_WAIT_MS = 1000;

interface Entry {
  watcher: DirWatcher;
  buffer: FilesystemEventInit[];
  /** Polls waiting for their marker, by marker path. */
  waiting: Map<string, () => void>;
}

/** The polled watchers of one runtime. */
export class WatcherRegistry implements Disposable {
  #entries = new Map<string, Entry>();

  /** Starts watching the absolute `dir`; returns the new watcher's id. */
  async create(dir: string, options: DirWatcherOptions): Promise<string> {
    const watcher = await DirWatcher.open(dir, { ...options, syncable: true });
    const id = crypto.randomUUID();
    const entry: Entry = { watcher, buffer: [], waiting: new Map() };
    this.#entries.set(id, entry);
    collect(entry).catch(() => {});
    return id;
  }

  /** Takes the events collected by watcher `id` up to now (see the module doc). */
  async drain(id: string): Promise<FilesystemEventInit[]> {
    const entry = this.#get(id);
    const marker = entry.watcher.mark();
    if (marker !== undefined) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        entry.waiting.set(marker, resolve);
        timer = setTimeout(resolve, SYNC_WAIT_MS);
      });
      clearTimeout(timer);
      entry.waiting.delete(marker);
    }
    return entry.buffer.splice(0);
  }

  /** Stops watcher `id` and forgets it. */
  remove(id: string): void {
    this.#get(id).watcher.close();
    this.#entries.delete(id);
  }

  #get(id: string): Entry {
    const entry = this.#entries.get(id);
    if (!entry) throw new ConnectError(`watcher with id ${id} not found`, Code.NotFound);
    return entry;
  }

  /** Stops every watcher. */
  [Symbol.dispose](): void {
    for (const entry of this.#entries.values()) entry.watcher.close();
    this.#entries.clear();
  }
}

/** Stores `entry`'s events as they come and releases the polls whose markers came with them. */
async function collect(entry: Entry): Promise<void> {
  try {
    while (true) {
      const batch = await entry.watcher.nextBatch();
      if (!batch) return;
      entry.buffer.push(...batch.events);
      if (entry.buffer.length > MAX_BUFFERED) {
        entry.buffer.splice(0, entry.buffer.length - MAX_BUFFERED);
      }
      for (const marker of batch.markers) entry.waiting.get(marker)?.();
    }
  } finally {
    for (const release of entry.waiting.values()) release();
  }
}
