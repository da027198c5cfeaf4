/**
 * The object store behind {@linkcode Informer}: the cached objects by `namespace/name`, their
 * named indexes, the event handlers they fan out to, and the tombstones of forgotten objects
 * (client-go's indexer and the shared informer's handler list). It knows nothing of listing or
 * watching; the informer feeds it.
 *
 * Invariants:
 * - An object older than the cached one of the same uid (by resourceVersion) never replaces it,
 *   and one whose uid has a tombstone never enters: read-your-writes survives late events.
 * - Handlers run synchronously, in event order, each call guarded: a handler that throws is
 *   reported and the others still run.
 *
 * @module
 */
import { objectKey } from "./object_key.ts";
import type { ObjectMeta } from "../api/meta.ts";

/**
 * Callbacks for cache changes.
 *
 * @example
 * ```ts
 * import { EmbeddedStore, type EventHandler, Informer, PODS } from "@kruise-agents/shared/kube";
 * import { type Pod, parsePod } from "@kruise-agents/shared/api";
 * const queue: string[] = [];
 * const handler: EventHandler<Pod> = {
 *   onAdd: (pod) => queue.push(pod.metadata.name ?? ""),
 *   onUpdate: (_old, pod) => queue.push(pod.metadata.name ?? ""),
 *   onDelete: (pod) => queue.push(pod.metadata.name ?? ""),
 * };
 * await using kube = await EmbeddedStore.open();
 * await using pods = new Informer({ kube, resource: PODS, parse: parsePod });
 * pods.addEventHandler(handler);
 * ```
 */
export interface EventHandler<T> {
  /** An object appeared (first list, watch ADDED, or found by a relist). */
  onAdd?(object: T): void;
  /** An object changed (its resourceVersion moved). */
  onUpdate?(oldObject: T, newObject: T): void;
  /** An object disappeared (watch DELETED, missing from a relist, or forgotten). */
  onDelete?(object: T): void;
}

/**
 * Maps an object to the values it is indexed under.
 *
 * @example
 * ```ts
 * import type { IndexFn } from "@kruise-agents/shared/kube";
 * import type { Sandbox } from "@kruise-agents/shared/api";
 * const byOwnerUid: IndexFn<Sandbox> = (sandbox) =>
 *   (sandbox.metadata.ownerReferences ?? []).filter((ref) => ref.controller).map((ref) => ref.uid);
 * ```
 */
export type IndexFn<T> = (object: T) => readonly string[];

/**
 * The objects an informer caches must have metadata.
 *
 * @example
 * ```ts
 * import type { Cached } from "@kruise-agents/shared/kube";
 * interface ConfigMap extends Cached {
 *   data?: Record<string, string>;
 * }
 * ```
 */
export interface Cached {
  /** Object metadata (name, namespace, uid, resourceVersion). */
  metadata: ObjectMeta;
}

/**
 * Whether resourceVersion `a` is older than `b`; unknown orders count as not older.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isOlderVersion } from "@kruise-agents/shared/kube";
 * assert.ok(isOlderVersion("9", "10")); // numerically, not as text
 * assert.ok(!isOlderVersion("10", "9"));
 * assert.ok(!isOlderVersion("abc", "10")); // unknown order
 * ```
 */
export function isOlderVersion(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) < BigInt(b);
}

const MAX_TOMBSTONES = 4096;

/** Options of {@linkcode Indexer}. */
export interface IndexerOptions<T> {
  /** Named indexes. */
  indexes?: Record<string, IndexFn<T>> | undefined;
  /** Called with what a handler threw. */
  onHandlerError: (error: unknown) => void;
}

/** Cached objects, their indexes, their handlers and the tombstones of forgotten ones. */
export class Indexer<T extends Cached> {
  readonly #indexFns: Record<string, IndexFn<T>>;
  readonly #onHandlerError: (error: unknown) => void;
  readonly #store = new Map<string, T>();
  readonly #indexes = new Map<string, Map<string, Set<string>>>();
  readonly #handlers = new Set<EventHandler<T>>();
  readonly #tombstones = new Map<string, string | undefined>(); // uid → last resourceVersion

  /** An empty store with the indexes of `options`. */
  constructor(options: IndexerOptions<T>) {
    this.#indexFns = options.indexes ?? {};
    this.#onHandlerError = options.onHandlerError;
    for (const name of Object.keys(this.#indexFns)) this.#indexes.set(name, new Map());
  }

  /** Registers handlers and returns the function that removes them. */
  addEventHandler(handler: EventHandler<T>): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** Objects in the store. */
  get size(): number {
    return this.#store.size;
  }

  /** The object with `key` (`namespace/name`). */
  get(key: string): T | undefined {
    return this.#store.get(key);
  }

  /** Every object. */
  list(): T[] {
    return [...this.#store.values()];
  }

  /** The objects indexed under `value` by index `name`; `RangeError` for an unknown index. */
  byIndex(name: string, value: string): T[] {
    const index = this.#indexes.get(name);
    if (index === undefined) throw new RangeError(`Cannot look up unknown index "${name}"`);
    const out: T[] = [];
    for (const key of index.get(value) ?? []) {
      const object = this.#store.get(key);
      if (object !== undefined) out.push(object);
    }
    return out;
  }

  /**
   * Makes the store hold exactly `fresh` (a relist): what it lacks is removed (`onDelete`), the
   * rest added or updated.
   */
  replace(fresh: ReadonlyMap<string, T>): void {
    for (const [key, old] of [...this.#store]) {
      if (!fresh.has(key)) this.#remove(key, old);
    }
    for (const object of fresh.values()) this.upsert(object);
  }

  /** Adds or replaces an object, unless it is older than the cached one or was forgotten. */
  upsert(object: T): void {
    const meta = object.metadata;
    if (meta.uid !== undefined && this.#tombstones.has(meta.uid)) return;
    const key = objectKey(meta);
    const old = this.#store.get(key);
    if (old !== undefined && old.metadata.uid === meta.uid) {
      if (old.metadata.resourceVersion === meta.resourceVersion) return;
      if (isOlderVersion(meta.resourceVersion, old.metadata.resourceVersion)) return;
    }
    if (old !== undefined) this.#unindex(key, old);
    this.#store.set(key, object);
    this.#index(key, object);
    for (const handler of [...this.#handlers]) {
      this.#call(() =>
        old === undefined ? handler.onAdd?.(object) : handler.onUpdate?.(old, object)
      );
    }
  }

  /** Removes an object by a DELETED event or a forget, and remembers its uid a while. */
  delete(object: T): void {
    const meta = object.metadata;
    if (meta.uid !== undefined) {
      this.#tombstones.set(meta.uid, meta.resourceVersion);
      // Bounded: a tombstone only has to outlive the watch events already in flight.
      if (this.#tombstones.size > MAX_TOMBSTONES) {
        this.#tombstones.delete(this.#tombstones.keys().next().value!);
      }
    }
    const key = objectKey(meta);
    const current = this.#store.get(key);
    if (current !== undefined && (meta.uid === undefined || current.metadata.uid === meta.uid)) {
      this.#remove(key, current);
    }
  }

  #remove(key: string, last: T): void {
    this.#unindex(key, last);
    this.#store.delete(key);
    for (const handler of [...this.#handlers]) this.#call(() => handler.onDelete?.(last));
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#onHandlerError(error);
    }
  }

  #index(key: string, object: T): void {
    for (const [name, fn] of Object.entries(this.#indexFns)) {
      const index = this.#indexes.get(name)!;
      for (const value of fn(object)) {
        let keys = index.get(value);
        if (keys === undefined) index.set(value, keys = new Set());
        keys.add(key);
      }
    }
  }

  #unindex(key: string, object: T): void {
    for (const [name, fn] of Object.entries(this.#indexFns)) {
      const index = this.#indexes.get(name)!;
      for (const value of fn(object)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }
}
