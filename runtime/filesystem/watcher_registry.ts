/**
 * Watchers that outlive a request, for clients that poll instead of holding a stream (the Python
 * sync SDK): `CreateWatcher` starts one and returns its id, `GetWatcherEvents` drains what it has
 * collected since the last call, `RemoveWatcher` stops it. Unknown ids are `not_found`.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { DirWatcher, type DirWatcherOptions, type FilesystemEventInit } from "./watcher.ts";

/** Events kept per watcher between polls; older ones are dropped first. */
const MAX_BUFFERED = 10_000;

interface Entry {
  watcher: DirWatcher;
  buffer: FilesystemEventInit[];
}

/** The polled watchers of one runtime. */
export class WatcherRegistry implements Disposable {
  #entries = new Map<string, Entry>();

  /** Starts watching the absolute `dir`; returns the new watcher's id. */
  async create(dir: string, options: DirWatcherOptions): Promise<string> {
    const watcher = await DirWatcher.open(dir, options);
    const id = crypto.randomUUID();
    const entry: Entry = { watcher, buffer: [] };
    this.#entries.set(id, entry);
    // Collect in the background until the watcher is closed.
    (async () => {
      for await (const event of watcher.events) {
        entry.buffer.push(event);
        if (entry.buffer.length > MAX_BUFFERED) entry.buffer.shift();
      }
    })().catch(() => {});
    return id;
  }

  /** Takes the events collected by watcher `id` since the last call. */
  drain(id: string): FilesystemEventInit[] {
    const entry = this.#get(id);
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
