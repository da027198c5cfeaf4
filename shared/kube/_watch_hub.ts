/**
 * The watch fan-out of the embedded store: a bounded history of committed changes and the open
 * watchers, each fed every change as it commits.
 *
 * Invariants:
 * - The history holds every event after resourceVersion `compacted`, in commit order. A watch
 *   that starts at or after `compacted` misses nothing; an older start is answered 410 `Gone`,
 *   as an etcd compaction is. The history is trimmed in halves (amortised O(1) per event) and
 *   keeps at least `historyLimit` events.
 * - A watch's start is fixed when it is asked for, and every later commit reaches it exactly once.
 * - Consumers get deep copies: the stored objects in the history are never handed out.
 * - At `timeoutSeconds` a watch ends cleanly, after a `BOOKMARK` at the version reached when
 *   `allowBookmarks` is set, so the caller resumes without a gap, as from the API server.
 *
 * @module
 */
import { badRequest, gone } from "./_api_errors.ts";
import { parseSelectors } from "./_field_selector.ts";
import { collectionKey, type Slot } from "./_object_table.ts";
import { type HistoryEvent, Watcher } from "./_watcher.ts";
import type { KubeObject, Resource, WatchEvent, WatchOptions } from "./client.ts";

/** Limits of {@linkcode WatchHub}. */
export interface WatchHubLimits {
  /** Events kept for watches that start at an older resourceVersion. */
  historyLimit: number;
  /** Events a single watcher may have pending before it is ended with 410 `Gone`. */
  watchBufferLimit: number;
}

/** What a watch reads besides the history: the current objects and resourceVersion. */
export interface WatchSource {
  /** The resourceVersion of the last committed write. */
  readonly resourceVersion: number;
  /** The objects of a collection, in no particular order. */
  slotsOf(collection: string): Slot[];
}

/** The history and the open watchers; {@linkcode WatchHub.emit} is the store's commit hook. */
export class WatchHub {
  readonly #limits: WatchHubLimits;
  readonly #watchers = new Set<Watcher>();
  #history: HistoryEvent[] = [];
  /** Highest resourceVersion whose event is no longer in `#history`. */
  #compacted: number;

  /** A hub whose history starts after resourceVersion `compacted` (the store's at opening). */
  constructor(compacted: number, limits: WatchHubLimits) {
    this.#compacted = compacted;
    this.#limits = limits;
  }

  /** Records a committed change and offers it to every open watcher. */
  emit(event: HistoryEvent): void {
    this.#history.push(event);
    const limit = this.#limits.historyLimit;
    if (this.#history.length >= limit * 2) {
      const drop = this.#history.length - limit;
      this.#compacted = this.#history[drop - 1]!.rv;
      this.#history = this.#history.slice(drop);
    }
    for (const watcher of this.#watchers) watcher.offer(event);
  }

  /**
   * The changes of `resource` after resourceVersion `start` (`"0"`: first a synthetic `ADDED`
   * for every current object of `source`), until the signal aborts, the timeout or the hub closes.
   */
  async *stream(
    resource: Resource,
    options: WatchOptions,
    start: string,
    source: WatchSource,
  ): AsyncGenerator<WatchEvent<KubeObject>> {
    const matches = parseSelectors(options);
    const signal = options.signal;
    if (signal?.aborted) return;
    const namespace = resource.namespaced ? options.namespace : undefined;
    const limit = this.#limits.watchBufferLimit;
    const watcher = new Watcher(collectionKey(resource), namespace, matches, limit);
    this.#replay(watcher, start, source);
    this.#watchers.add(watcher);
    const onAbort = () => watcher.end();
    signal?.addEventListener("abort", onAbort, { once: true });
    const timer = this.#timeout(watcher, resource, options, source);
    try {
      while (true) {
        if (signal?.aborted) return;
        const event = watcher.take();
        if (event !== undefined) {
          yield { type: event.type, object: structuredClone(event.object) };
          continue;
        }
        if (watcher.error !== undefined) throw watcher.error;
        if (watcher.ended) return;
        await watcher.wait();
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      watcher.end();
      this.#watchers.delete(watcher);
    }
  }

  /** Ends every open watch. */
  close(): void {
    for (const watcher of this.#watchers) watcher.end();
    this.#watchers.clear();
  }

  /** Offers `watcher` what happened after `start`: the history, or (`"0"`) the current state. */
  #replay(watcher: Watcher, start: string, source: WatchSource): void {
    if (start === "0") {
      const slots = source.slotsOf(watcher.collection).sort((a, b) =>
        Number(a.object.metadata.resourceVersion) - Number(b.object.metadata.resourceVersion)
      );
      const rv = source.resourceVersion;
      for (const { object } of slots) {
        watcher.offer({ rv, collection: watcher.collection, type: "ADDED", object });
      }
      return;
    }
    if (!/^\d+$/.test(start)) {
      throw badRequest(`invalid resource version: ${JSON.stringify(start)}`);
    }
    const from = Number(start);
    if (from < this.#compacted) throw gone(start, this.#compacted + 1);
    for (const event of this.#history) if (event.rv > from) watcher.offer(event);
  }

  /** Arms the `timeoutSeconds` end of a watch (nothing without one). */
  #timeout(
    watcher: Watcher,
    resource: Resource,
    options: WatchOptions,
    source: WatchSource,
  ): ReturnType<typeof setTimeout> | undefined {
    if (options.timeoutSeconds === undefined) return undefined;
    return setTimeout(() => {
      if (options.allowBookmarks) watcher.endWith(bookmark(resource, source.resourceVersion));
      else watcher.end();
    }, options.timeoutSeconds * 1000);
  }
}

/** A `BOOKMARK` event at resourceVersion `rv`. */
function bookmark(resource: Resource, rv: number): WatchEvent<KubeObject> {
  return {
    type: "BOOKMARK",
    object: {
      apiVersion: resource.apiVersion,
      kind: resource.kind,
      metadata: { resourceVersion: String(rv) },
    },
  };
}
