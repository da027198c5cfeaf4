/**
 * One watch of the embedded store: its filter (collection, namespace, label selector) and its own
 * buffer of pending events.
 *
 * Invariants:
 * - A watcher sees a committed change as the API server's watch cache shows it: an object that
 *   starts matching the selector arrives as `ADDED`, one that stops matching as `DELETED` (with
 *   its previous content at the event's resourceVersion).
 * - Offering never blocks the writer: events queue in the watcher's own buffer. A watcher more
 *   than `limit` events behind is ended with 410 `Gone` (its buffer dropped), so its consumer
 *   relists instead of holding memory without bound.
 * - Once ended, a watcher accepts nothing more; the events queued before a clean end are still
 *   delivered, an error end delivers none.
 *
 * @module
 */
import { gone } from "./_api_errors.ts";
import type { ObjectMatcher } from "./_field_selector.ts";
import type { KubeApiError, KubeObject, WatchEvent } from "./client.ts";

/** A committed change, as the store records it for watches (before any watcher's filter). */
export interface HistoryEvent {
  /** The resourceVersion the change committed at. */
  rv: number;
  /** The collection of the object (as `collectionKey()` of `_object_table.ts` names it). */
  collection: string;
  /** What happened to the object. */
  type: WatchEvent<KubeObject>["type"];
  /** The object after the change (for `DELETED`: its last state). The store never mutates it. */
  object: KubeObject;
  /** The object before a `MODIFIED` change; a watcher needs it for selector transitions. */
  previous?: KubeObject | undefined;
}

/** Consumed entries a buffer keeps at most before it is compacted (amortised, O(1) per event). */
const COMPACT_AFTER = 1024;

/** The buffer and filter of one watch; the watch fan-out offers it every committed change. */
export class Watcher {
  /** The collection watched. */
  readonly collection: string;
  readonly #namespace: string | undefined;
  readonly #matches: ObjectMatcher;
  readonly #limit: number;
  #queue: (WatchEvent<KubeObject> | undefined)[] = [];
  #head = 0;
  #wake: (() => void) | undefined;
  #ended = false;
  #error: KubeApiError | undefined;

  /**
   * A watcher of `collection`, in `namespace` only when given, of the objects its selectors
   * `matches`; ended with `Gone` once `limit` events are pending.
   */
  constructor(
    collection: string,
    namespace: string | undefined,
    matches: ObjectMatcher,
    limit: number,
  ) {
    this.collection = collection;
    this.#namespace = namespace;
    this.#matches = matches;
    this.#limit = limit;
  }

  /** Whether the watch is over (events queued before a clean end may still be pending). */
  get ended(): boolean {
    return this.#ended;
  }

  /** Why the watch ended, when it ended with an error. */
  get error(): KubeApiError | undefined {
    return this.#error;
  }

  /** Queues what `event` means to this watcher; a selector change turns into ADDED/DELETED. */
  offer(event: HistoryEvent): void {
    if (this.#ended || event.collection !== this.collection) return;
    if (this.#namespace !== undefined && event.object.metadata.namespace !== this.#namespace) {
      return;
    }
    const out = this.#translate(event);
    if (out === undefined) return;
    if (this.#queue.length - this.#head >= this.#limit) {
      this.end(gone("(watcher too slow)", event.rv));
      return;
    }
    this.#queue.push(out);
    this.#notify();
  }

  /** Ends the watch; with `error`, pending events are dropped and the consumer gets `error`. */
  end(error?: KubeApiError): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    if (error !== undefined) {
      this.#queue = [];
      this.#head = 0;
    }
    this.#notify();
  }

  /** Ends the watch cleanly after `last` (unless it has already ended), as a timeout does. */
  endWith(last: WatchEvent<KubeObject>): void {
    if (!this.#ended) this.#queue.push(last);
    this.end();
  }

  /** The next pending event, or `undefined` when none is pending. */
  take(): WatchEvent<KubeObject> | undefined {
    if (this.#head >= this.#queue.length) return undefined;
    const event = this.#queue[this.#head];
    this.#queue[this.#head++] = undefined;
    if (this.#head > COMPACT_AFTER && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return event;
  }

  /** Resolves at the next offer or end. */
  wait(): Promise<void> {
    return new Promise<void>((resolve) => this.#wake = resolve);
  }

  /** What `event` looks like through this watcher's selector, if anything. */
  #translate(event: HistoryEvent): WatchEvent<KubeObject> | undefined {
    const now = this.#matches(event.object);
    if (event.type !== "MODIFIED") {
      return now ? { type: event.type, object: event.object } : undefined;
    }
    const previous = event.previous;
    const before = previous !== undefined && this.#matches(previous);
    if (now) return { type: before ? "MODIFIED" : "ADDED", object: event.object };
    if (!before) return undefined;
    // As the API server's watch cache: the previous content, at the event's resourceVersion.
    const object = {
      ...previous,
      metadata: { ...previous.metadata, resourceVersion: String(event.rv) },
    };
    return { type: "DELETED", object };
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
