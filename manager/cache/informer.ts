/**
 * A list+watch cache of one resource over the {@linkcode KubeClient} seam, with secondary
 * indexes, so that the hot paths (lookup by sandbox ID, pool stock, proxy routing) never list.
 *
 * Read-your-writes: the claim path writes and then immediately reads (the SDK calls the data
 * plane right after create). {@linkcode Informer.observe} puts a write's result into the cache at
 * once; a later, older watch event for the same object is ignored by comparing resourceVersions
 * (numerically when both are integers, as etcd's and the embedded store's are), and
 * {@linkcode Informer.forget} leaves a tombstone so an in-flight event cannot resurrect an object
 * this process deleted.
 *
 * A `Gone` (410) or broken watch relists: the whole cache is replaced, and objects that vanished
 * meanwhile are reported as deletions to listeners.
 *
 * @module
 */
import {
  isGone,
  type KubeClient,
  type KubeObject,
  type Resource,
  type WatchEvent,
} from "@kruise-agents/shared/kube";
import type { ObjectMeta } from "@kruise-agents/shared/api";
import { delay } from "@kruise-agents/shared/std";

const MAX_TOMBSTONES = 4096;

/** Objects an informer holds: anything with metadata. */
export interface Cached {
  /** Object metadata (name, namespace, uid, resourceVersion). */
  metadata: ObjectMeta;
}

/** A change seen by the cache. */
export interface CacheEvent<T> {
  /** What happened. */
  type: "ADDED" | "MODIFIED" | "DELETED";
  /** The object after the change (for DELETED its last state). */
  object: T;
}

/** Options of {@linkcode Informer}. */
export interface InformerOptions<T extends Cached> {
  /** Parses one object at the boundary; objects that fail are skipped (and logged). */
  parse: (value: unknown) => T;
  /** Secondary indexes: name → function returning the index values of an object. */
  indexes?: Record<string, (object: T) => readonly string[]>;
  /** Delay before re-listing after a failed watch. @default {1000} */
  retryMs?: number;
  /** Where skipped objects and watch failures are reported. @default {console.warn} */
  warn?: (message: string) => void;
}

/** `namespace/name` of an object. */
export function objectKey(meta: ObjectMeta): string {
  return `${meta.namespace ?? ""}/${meta.name ?? ""}`;
}

/** Whether resourceVersion `a` is older than `b`; unknown orders count as not older. */
export function isOlder(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) < BigInt(b);
}

/** A list+watch cache of one resource. */
export class Informer<T extends Cached> implements AsyncDisposable {
  readonly #kube: KubeClient;
  readonly #resource: Resource;
  readonly #options: InformerOptions<T>;
  readonly #objects = new Map<string, T>();
  readonly #indexes = new Map<string, Map<string, Set<string>>>();
  readonly #tombstones = new Map<string, string | undefined>(); // uid → last resourceVersion
  readonly #listeners = new Set<(event: CacheEvent<T>) => void>();
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;

  /** Creates the informer; call {@linkcode Informer.start} to fill it. */
  constructor(kube: KubeClient, resource: Resource, options: InformerOptions<T>) {
    this.#kube = kube;
    this.#resource = resource;
    this.#options = options;
    for (const name of Object.keys(options.indexes ?? {})) this.#indexes.set(name, new Map());
  }

  /** Lists once (resolves when the cache is synced), then keeps watching in the background. */
  async start(): Promise<void> {
    const rv = await this.#relist();
    this.#loop = this.#watchLoop(rv);
  }

  /** The object `namespace/name`, if cached. */
  get(key: string): T | undefined {
    return this.#objects.get(key);
  }

  /** Every cached object. */
  list(): T[] {
    return [...this.#objects.values()];
  }

  /** Objects whose index `index` has `value`. */
  byIndex(index: string, value: string): T[] {
    const keys = this.#indexes.get(index)?.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.#objects.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  subscribe(listener: (event: CacheEvent<T>) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Puts the result of this process's own write into the cache (read-your-writes). */
  observe(object: T): void {
    this.#apply({ type: "MODIFIED", object });
  }

  /** Removes an object this process deleted, and ignores later events about it. */
  forget(object: T): void {
    this.#apply({ type: "DELETED", object });
  }

  /**
   * Resolves with the object `key` once `predicate` holds for it; rejects when it is deleted,
   * or with the signal's reason.
   */
  waitFor(key: string, predicate: (object: T) => boolean, signal: AbortSignal): Promise<T> {
    return new Promise((resolve, reject) => {
      const done = () => {
        unsubscribe();
        signal.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        done();
        reject(signal.reason);
      };
      const check = (event?: CacheEvent<T>) => {
        if (event && objectKey(event.object.metadata) !== key) return;
        if (event?.type === "DELETED") {
          done();
          reject(new Error(`${this.#resource.kind} ${key} was deleted`));
          return;
        }
        const current = this.#objects.get(key);
        if (current && predicate(current)) {
          done();
          resolve(current);
        }
      };
      const unsubscribe = this.subscribe(check);
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      check();
    });
  }

  #apply(event: CacheEvent<T>): void {
    const meta = event.object.metadata;
    const key = objectKey(meta);
    const uid = meta.uid;
    const current = this.#objects.get(key);
    if (event.type === "DELETED") {
      if (uid) {
        this.#tombstones.set(uid, meta.resourceVersion);
        // Bounded: a tombstone only has to outlive the watch events already in flight.
        if (this.#tombstones.size > MAX_TOMBSTONES) {
          this.#tombstones.delete(this.#tombstones.keys().next().value!);
        }
      }
      if (current && (!uid || current.metadata.uid === uid)) {
        this.#remove(key, current);
        this.#emit({ type: "DELETED", object: current });
      }
      return;
    }
    if (uid && this.#tombstones.has(uid)) return;
    if (
      current && current.metadata.uid === uid &&
      isOlder(meta.resourceVersion, current.metadata.resourceVersion)
    ) return;
    if (current) this.#remove(key, current);
    this.#insert(key, event.object);
    this.#emit({ type: current ? "MODIFIED" : "ADDED", object: event.object });
  }

  #insert(key: string, object: T): void {
    this.#objects.set(key, object);
    for (const [name, fn] of Object.entries(this.#options.indexes ?? {})) {
      const index = this.#indexes.get(name)!;
      for (const value of fn(object)) {
        let keys = index.get(value);
        if (!keys) index.set(value, keys = new Set());
        keys.add(key);
      }
    }
  }

  #remove(key: string, object: T): void {
    this.#objects.delete(key);
    for (const [name, fn] of Object.entries(this.#options.indexes ?? {})) {
      const index = this.#indexes.get(name)!;
      for (const value of fn(object)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }

  #emit(event: CacheEvent<T>): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.#warn(`informer listener failed: ${error}`);
      }
    }
  }

  #warn(message: string): void {
    (this.#options.warn ?? console.warn)(`[informer ${this.#resource.plural}] ${message}`);
  }

  #parse(value: unknown): T | undefined {
    try {
      return this.#options.parse(value);
    } catch (error) {
      this.#warn(`skipping unparseable object: ${(error as Error).message}`);
      return undefined;
    }
  }

  async #relist(): Promise<string> {
    const list = await this.#kube.list<KubeObject>(this.#resource);
    const seen = new Set<string>();
    for (const item of list.items) {
      const object = this.#parse(item);
      if (!object) continue;
      seen.add(objectKey(object.metadata));
      this.#apply({ type: "MODIFIED", object });
    }
    for (const [key, object] of [...this.#objects]) {
      if (!seen.has(key)) this.#apply({ type: "DELETED", object });
    }
    return list.resourceVersion;
  }

  async #watchLoop(initialRv: string): Promise<void> {
    let rv: string | undefined = initialRv;
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        if (rv === undefined) rv = await this.#relist();
        const events = this.#kube.watch<KubeObject>(this.#resource, {
          resourceVersion: rv,
          signal,
        });
        for await (const event of events as AsyncIterable<WatchEvent<KubeObject>>) {
          const object = this.#parse(event.object);
          if (object) {
            this.#apply({ type: event.type, object });
            rv = object.metadata.resourceVersion ?? rv;
          }
        }
        // A watch that ends cleanly (server timeout) resumes from the last version seen.
      } catch (error) {
        if (signal.aborted) return;
        if (!isGone(error)) this.#warn(`watch failed, re-listing: ${error}`);
        rv = undefined;
        try {
          await delay(isGone(error) ? 0 : this.#options.retryMs ?? 1000, { signal });
        } catch {
          return;
        }
      }
    }
  }

  /** Stops watching. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }
}
