/**
 * A list-then-watch cache of one resource over the {@linkcode KubeClient} seam (client-node's
 * `ListWatch`, client-go's reflector + indexer, in one small class):
 *
 * - list to fill the cache and get a resourceVersion, then watch from it;
 * - on `410 Gone` (the resourceVersion is too old) list again at once, and tell the handlers
 *   what the relist changed (adds, updates, deletes), so no event is lost across the gap;
 * - on any other failure, reconnect from the last resourceVersion after an exponential backoff
 *   (1 s doubling to 30 s, on the injected clock), reset once a watch delivers events;
 * - keep named indexes (e.g. by controller owner UID) so a reconcile finds an owner's children
 *   without scanning.
 *
 * Every object crossing into the cache goes through the `parse` function (parse at the
 * boundary); an object that does not parse is logged and left out, so it can neither crash nor
 * mislead a reconciler.
 *
 * Handlers run synchronously in the watch loop, in event order. They should only lower
 * expectations and enqueue keys.
 *
 * @module
 */
import {
  isGone,
  type KubeClient,
  type KubeObject,
  type Resource,
} from "@kruise-agents/shared/kube";
import { type Clock, sleep, systemClock } from "./clock.ts";
import { errorMessage, type Logger, silentLogger } from "./logger.ts";
import { objectKey } from "./object_key.ts";

/** Callbacks for cache changes. `onUpdate` is called even when only the resourceVersion moved. */
export interface EventHandler<T> {
  /** An object appeared (first list, watch ADDED, or found by a relist). */
  onAdd?(object: T): void;
  /** An object changed. */
  onUpdate?(oldObject: T, newObject: T): void;
  /** An object disappeared (watch DELETED, or missing from a relist). */
  onDelete?(object: T): void;
}

/** Maps an object to the values it is indexed under. */
export type IndexFn<T> = (object: T) => string[];

/** Options of {@linkcode Informer}. */
export interface InformerOptions<T> {
  /** The client to list and watch through. */
  kube: KubeClient;
  /** The collection. */
  resource: Resource;
  /** Turns a raw object into the cached type; throws `TypeError` on a bad object. */
  parse: (object: unknown) => T;
  /** Only this namespace. @default {all namespaces} */
  namespace?: string;
  /** Only objects matching this equality-based label selector. */
  labelSelector?: string;
  /** Named indexes. */
  indexes?: Record<string, IndexFn<T>>;
  /** Time source of reconnect backoff. @default {systemClock} */
  clock?: Clock;
  /** First reconnect delay, in ms. @default {1000} */
  baseReconnectDelayMs?: number;
  /** Cap of the reconnect delay, in ms. @default {30000} */
  maxReconnectDelayMs?: number;
  /** Log sink. @default {silentLogger} */
  logger?: Logger;
}

/** The objects an informer caches must have metadata. */
export type Cached = Pick<KubeObject, "metadata">;

/** A cache of one resource kept current by list and watch. */
export class Informer<T extends Cached> {
  #options: InformerOptions<T>;
  #clock: Clock;
  #logger: Logger;
  #store = new Map<string, T>();
  #indexes = new Map<string, Map<string, Set<string>>>();
  #handlers: EventHandler<T>[] = [];
  #resourceVersion: string | undefined;
  #synced: Promise<void>;
  #resolveSynced!: () => void;
  #hasSynced = false;
  #abort = new AbortController();
  #loop: Promise<void> | undefined;

  /** Creates the informer; {@linkcode Informer.start} runs it. */
  constructor(options: InformerOptions<T>) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    for (const name of Object.keys(options.indexes ?? {})) this.#indexes.set(name, new Map());
    this.#synced = new Promise((resolve) => this.#resolveSynced = resolve);
  }

  /** Registers handlers; those registered before `start` see every object of the first list. */
  addEventHandler(handler: EventHandler<T>): void {
    this.#handlers.push(handler);
  }

  /** Starts listing and watching in the background, until `signal` aborts or `stop`. */
  start(signal?: AbortSignal): void {
    if (this.#loop !== undefined) return;
    signal?.addEventListener("abort", () => this.#abort.abort(signal.reason), { once: true });
    this.#loop = this.#run().catch((error) => {
      if (!this.#abort.signal.aborted) {
        this.#logger.error("informer stopped", {
          resource: this.#options.resource.plural,
          error: errorMessage(error),
        });
      }
    });
  }

  /** Stops watching and waits for the loop to end. */
  async stop(): Promise<void> {
    this.#abort.abort(new DOMException("informer stopped", "AbortError"));
    await this.#loop;
  }

  /** Resolves once the first list is in the cache. */
  synced(): Promise<void> {
    return this.#synced;
  }

  /** Whether the first list is in the cache. */
  get hasSynced(): boolean {
    return this.#hasSynced;
  }

  /** The resourceVersion the cache reflects. */
  get resourceVersion(): string | undefined {
    return this.#resourceVersion;
  }

  /** The cached object with `key` (`namespace/name`). */
  get(key: string): T | undefined {
    return this.#store.get(key);
  }

  /** Every cached object. */
  list(): T[] {
    return [...this.#store.values()];
  }

  /** The cached objects indexed under `value` by index `name`; throws `RangeError` for an unknown index. */
  byIndex(name: string, value: string): T[] {
    const index = this.#indexes.get(name);
    if (index === undefined) throw new RangeError(`Cannot look up unknown index "${name}"`);
    const keys = index.get(value);
    if (keys === undefined) return [];
    const out: T[] = [];
    for (const key of keys) {
      const object = this.#store.get(key);
      if (object !== undefined) out.push(object);
    }
    return out;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    const base = this.#options.baseReconnectDelayMs ?? 1000;
    const max = this.#options.maxReconnectDelayMs ?? 30_000;
    let failures = 0;
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.#relist();
          needList = false;
        }
        const events = await this.#watch(signal);
        if (events > 0) failures = 0;
        else if (!signal.aborted) {
          // A watch that ended without delivering anything: back off so a server that keeps
          // closing watches at once is not hammered.
          await sleep(this.#clock, Math.min(max, base * 2 ** failures++), signal);
        }
      } catch (error) {
        if (signal.aborted) return;
        if (isGone(error)) {
          this.#logger.info("watch resourceVersion too old; relisting", {
            resource: this.#options.resource.plural,
          });
          needList = true;
          continue;
        }
        this.#logger.warn("list/watch failed; reconnecting", {
          resource: this.#options.resource.plural,
          error: errorMessage(error),
          failures: failures + 1,
        });
        try {
          await sleep(this.#clock, Math.min(max, base * 2 ** failures++), signal);
        } catch {
          return;
        }
      }
    }
  }

  async #relist(): Promise<void> {
    const { kube, resource, namespace, labelSelector } = this.#options;
    const list = await kube.list<KubeObject>(resource, { namespace, labelSelector });
    const fresh = new Map<string, T>();
    for (const raw of list.items) {
      const object = this.#parse(raw);
      if (object !== undefined) fresh.set(objectKey(object.metadata), object);
    }
    for (const [key, old] of [...this.#store]) {
      if (!fresh.has(key)) this.#remove(key, old);
    }
    for (const [key, object] of fresh) this.#upsert(key, object);
    this.#resourceVersion = list.resourceVersion;
    if (!this.#hasSynced) {
      this.#hasSynced = true;
      this.#resolveSynced();
    }
  }

  async #watch(signal: AbortSignal): Promise<number> {
    const { kube, resource, namespace, labelSelector } = this.#options;
    let events = 0;
    const stream = kube.watch<KubeObject>(resource, {
      namespace,
      labelSelector,
      resourceVersion: this.#resourceVersion,
      signal,
    });
    for await (const event of stream) {
      events++;
      const rv = event.object.metadata?.resourceVersion;
      const object = this.#parse(event.object);
      if (object !== undefined) {
        const key = objectKey(object.metadata);
        if (event.type === "DELETED") {
          const old = this.#store.get(key);
          if (old !== undefined) this.#remove(key, object);
        } else {
          this.#upsert(key, object);
        }
      }
      if (rv !== undefined) this.#resourceVersion = rv;
    }
    return events;
  }

  #parse(raw: unknown): T | undefined {
    try {
      return this.#options.parse(raw);
    } catch (error) {
      const meta = (raw as Partial<KubeObject> | null)?.metadata;
      this.#logger.warn("ignoring an object that does not parse", {
        resource: this.#options.resource.plural,
        namespace: meta?.namespace,
        name: meta?.name,
        error: errorMessage(error),
      });
      return undefined;
    }
  }

  #upsert(key: string, object: T): void {
    const old = this.#store.get(key);
    if (old !== undefined && old.metadata.resourceVersion === object.metadata.resourceVersion) {
      return;
    }
    if (old !== undefined) this.#unindex(key, old);
    this.#store.set(key, object);
    this.#index(key, object);
    for (const handler of this.#handlers) {
      this.#call(() =>
        old === undefined ? handler.onAdd?.(object) : handler.onUpdate?.(old, object)
      );
    }
  }

  #remove(key: string, last: T): void {
    const old = this.#store.get(key);
    if (old === undefined) return;
    this.#unindex(key, old);
    this.#store.delete(key);
    for (const handler of this.#handlers) this.#call(() => handler.onDelete?.(last));
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#logger.error("informer event handler threw", {
        resource: this.#options.resource.plural,
        error: errorMessage(error),
      });
    }
  }

  #index(key: string, object: T): void {
    for (const [name, fn] of Object.entries(this.#options.indexes ?? {})) {
      const index = this.#indexes.get(name)!;
      for (const value of fn(object)) {
        let keys = index.get(value);
        if (keys === undefined) index.set(value, keys = new Set());
        keys.add(key);
      }
    }
  }

  #unindex(key: string, object: T): void {
    for (const [name, fn] of Object.entries(this.#options.indexes ?? {})) {
      const index = this.#indexes.get(name)!;
      for (const value of fn(object)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }
}
