/**
 * The one list-then-watch cache of the project (client-go's reflector, indexer and shared
 * informer in one class), used by the controller, the manager and the local node:
 *
 * - **List, then watch from the list's resourceVersion.** Every watch request carries a
 *   server-side `timeoutSeconds` (jittered, as client-go does, so replicas do not reconnect in
 *   step) and a client-side deadline a little longer. A stream that ends, fails, or outlives its
 *   deadline without the server closing it is opened again from the last resourceVersion seen,
 *   so no event is lost and no relist is needed. Bookmarks move that version forward on a quiet
 *   collection, so a resume after a long silence does not fall off the server's history.
 * - **Relist on `410 Gone`**, at once, and tell the handlers what the gap changed (adds, updates,
 *   deletes), so a handler never misses a deletion.
 * - **Retry everything else** (a failed list at start-up while the API server is still coming
 *   up, a refused connection while it restarts) after a capped, jittered exponential backoff,
 *   and log every restart with its cause. An informer never gives up and never goes quiet: a
 *   program that watches the cluster keeps watching it for as long as it runs.
 * - **Health.** {@linkcode Informer.health} says whether the first list arrived, how long the
 *   current watch has been connected, and how long since its last event or bookmark; programs
 *   put it in their `/metrics` or readiness endpoints.
 * - **Indexes and handlers.** Named indexes (e.g. by controller owner UID) answer lookups without
 *   scans; handlers run synchronously in event order and should only enqueue keys or lower
 *   expectations. The store, its indexes, the handler fan-out and the tombstones are the private
 *   `_indexer.ts`; this file is the list/watch loop that feeds it.
 * - **Read-your-writes.** A program that writes an object can put the result in its cache at
 *   once ({@linkcode Informer.observe}); an older watch event for it is then ignored (by
 *   resourceVersion, numerically when both are integers, as etcd's and the embedded store's
 *   are), and {@linkcode Informer.forget} leaves a tombstone so an event in flight cannot bring
 *   back an object this program deleted.
 *
 * Every object entering the cache goes through `parse` (parse at the boundary); one that does not
 * parse is logged and left out, so it can neither crash nor mislead a reconciler.
 *
 * @module
 */
import { type Clock, systemClock } from "../std/clock.ts";
import { pause } from "../std/async.ts";
import { errorMessage, type Logger, silentLogger } from "../std/logger.ts";
import { isGone, type KubeClient, type KubeObject, type Resource } from "./client.ts";
import { objectKey } from "./object_key.ts";
import { type Cached, type EventHandler, Indexer, type IndexFn } from "./_indexer.ts";

export { type Cached, type EventHandler, type IndexFn, isOlderVersion } from "./_indexer.ts";

/**
 * Options of {@linkcode Informer}.
 *
 * @example
 * ```ts
 * import { EmbeddedStore, Informer, type InformerOptions, PODS } from "@kruise-agents/shared/kube";
 * import { type Pod, parsePod } from "@kruise-agents/shared/api";
 * await using kube = await EmbeddedStore.open();
 * const options: InformerOptions<Pod> = {
 *   kube,
 *   resource: PODS,
 *   parse: parsePod,
 *   namespace: "default",
 *   labelSelector: "app=web",
 *   indexes: { byPhase: (pod) => [pod.status?.phase ?? "Unknown"] },
 * };
 * await using pods = new Informer(options);
 * pods.start();
 * await pods.synced();
 * console.log(pods.byIndex("byPhase", "Running").length); // 0
 * ```
 */
export interface InformerOptions<T> {
  /** The client to list and watch through. */
  kube: KubeClient;
  /** The collection. */
  resource: Resource;
  /** Turns a raw object into the cached type; throws `TypeError` on a bad object. */
  parse: (object: unknown) => T;
  /** Only this namespace. @default {all namespaces} */
  namespace?: string | undefined;
  /** Only objects matching this equality-based label selector. */
  labelSelector?: string | undefined;
  /** Only objects matching this field selector (e.g. `spec.nodeName=node-1`). */
  fieldSelector?: string | undefined;
  /** Named indexes. */
  indexes?: Record<string, IndexFn<T>> | undefined;
  /** Time source of backoffs, deadlines and health. @default {systemClock} */
  clock?: Clock | undefined;
  /** Log sink. @default {silentLogger} */
  logger?: Logger | undefined;
  /**
   * Server-side timeout of each watch request, in seconds; each request asks for a random value
   * between this and twice this, as client-go does. @default {300}
   */
  watchTimeoutSeconds?: number | undefined;
  /**
   * How long past its timeout a watch may stay open before the client drops it as dead, in ms.
   * @default {10000}
   */
  watchDeadlineGraceMs?: number | undefined;
  /** First retry delay after a failure, in ms. @default {500} */
  baseRetryDelayMs?: number | undefined;
  /** Cap of the retry delay, in ms. @default {30000} */
  maxRetryDelayMs?: number | undefined;
  /** Source of jitter in [0, 1). @default {Math.random} */
  random?: (() => number) | undefined;
}

/**
 * How an informer is doing, for `/metrics` and readiness.
 *
 * @example
 * ```ts
 * import { type InformerHealth } from "@kruise-agents/shared/kube";
 * function stale(health: InformerHealth): boolean {
 *   return !health.synced || (health.sinceLastEventMs ?? Infinity) > 600_000;
 * }
 * ```
 */
export interface InformerHealth {
  /** The resource's plural name, e.g. `sandboxes`. */
  resource: string;
  /** Whether the first list is in the cache. */
  synced: boolean;
  /** Ms the current watch has been connected, or `null` while none is. */
  connectedMs: number | null;
  /** Ms since the last event or bookmark of the current watch (or since it opened), or `null`. */
  sinceLastEventMs: number | null;
  /** Watches opened again after one ended or failed. */
  restarts: number;
  /** Lists after the first (410 Gone, or a failed watch that could not resume). */
  relists: number;
  /** Objects in the cache. */
  objects: number;
  /** The last failure, until a later list or watch succeeds. */
  lastError?: string;
}

/** Why a watch was ended by this side: the deadline passed without the server closing it. */
class WatchDeadline extends Error {
  constructor(seconds: number) {
    super(`the watch stayed open ${seconds} s past its timeout`);
    this.name = "WatchDeadline";
  }
}

/**
 * A cache of one resource kept current by list and watch.
 *
 * @example
 * ```ts ignore
 * import { EmbeddedStore, Informer, SANDBOXES } from "@kruise-agents/shared/kube";
 * import { parseSandbox } from "@kruise-agents/shared/api";
 * const kube = await EmbeddedStore.open();
 * const sandboxes = new Informer({ kube, resource: SANDBOXES, parse: parseSandbox });
 * sandboxes.addEventHandler({ onAdd: (s) => console.log("added", s.metadata.name) });
 * sandboxes.start();
 * await sandboxes.synced();
 * ```
 */
export class Informer<T extends Cached> implements AsyncDisposable {
  readonly #options: InformerOptions<T>;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #random: () => number;
  readonly #store: Indexer<T>;
  readonly #abort = new AbortController();
  readonly #synced = Promise.withResolvers<void>();
  #hasSynced = false;
  #resourceVersion: string | undefined;
  #loop: Promise<void> | undefined;
  #connectedAt: number | undefined;
  #lastEventAt: number | undefined;
  #restarts = 0;
  #relists = -1;
  #lastError: string | undefined;

  /** Creates the informer; {@linkcode Informer.start} runs it. */
  constructor(options: InformerOptions<T>) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#random = options.random ?? Math.random;
    this.#store = new Indexer({
      indexes: options.indexes,
      onHandlerError: (error) =>
        this.#logger.error("informer event handler threw", {
          ...this.#fields(),
          error: errorMessage(error),
        }),
    });
  }

  /**
   * Registers handlers and returns the function that removes them. Handlers registered before
   * {@linkcode Informer.start} see every object of the first list.
   */
  addEventHandler(handler: EventHandler<T>): () => void {
    return this.#store.addEventHandler(handler);
  }

  /** Starts listing and watching in the background, until `signal` aborts or `stop`. */
  start(signal?: AbortSignal): void {
    if (this.#loop !== undefined) return;
    signal?.addEventListener("abort", () => this.#abort.abort(signal.reason), { once: true });
    this.#loop = this.#run();
  }

  /** Stops watching and waits for the loop to end. */
  async stop(): Promise<void> {
    this.#abort.abort(new DOMException("informer stopped", "AbortError"));
    await this.#loop;
  }

  /** Same as {@linkcode Informer.stop}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Resolves once the first list is in the cache. */
  synced(): Promise<void> {
    return this.#synced.promise;
  }

  /** Whether the first list is in the cache. */
  get hasSynced(): boolean {
    return this.#hasSynced;
  }

  /** The resourceVersion the cache reflects. */
  get resourceVersion(): string | undefined {
    return this.#resourceVersion;
  }

  /** How the informer is doing now. */
  health(): InformerHealth {
    const now = this.#clock.now();
    const health: InformerHealth = {
      resource: this.#options.resource.plural,
      synced: this.#hasSynced,
      connectedMs: this.#connectedAt === undefined ? null : now - this.#connectedAt,
      sinceLastEventMs: this.#lastEventAt === undefined ? null : now - this.#lastEventAt,
      restarts: this.#restarts,
      relists: Math.max(0, this.#relists),
      objects: this.#store.size,
    };
    if (this.#lastError !== undefined) health.lastError = this.#lastError;
    return health;
  }

  /** The cached object with `key` (`namespace/name`). */
  get(key: string): T | undefined {
    return this.#store.get(key);
  }

  /** Every cached object. */
  list(): T[] {
    return this.#store.list();
  }

  /** The cached objects indexed under `value` by index `name`; `RangeError` for an unknown index. */
  byIndex(name: string, value: string): T[] {
    return this.#store.byIndex(name, value);
  }

  /** Puts the result of this program's own write into the cache (read-your-writes). */
  observe(object: T): void {
    this.#store.upsert(object);
  }

  /** Removes an object this program deleted, and ignores later events about it. */
  forget(object: T): void {
    this.#store.delete(object);
  }

  /**
   * Resolves with the object `key` once `predicate` holds for it; rejects when it is deleted, or
   * with the signal's reason.
   */
  waitFor(key: string, predicate: (object: T) => boolean, signal: AbortSignal): Promise<T> {
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    const done = (settle: () => void) => {
      remove();
      signal.removeEventListener("abort", onAbort);
      settle();
    };
    const onAbort = () => done(() => reject(signal.reason));
    const check = (object: T) => {
      if (objectKey(object.metadata) !== key) return;
      if (predicate(object)) done(() => resolve(object));
    };
    const remove = this.addEventHandler({
      onAdd: check,
      onUpdate: (_, object) => check(object),
      onDelete: (object) => {
        if (objectKey(object.metadata) !== key) return;
        done(() => reject(new Error(`${this.#options.resource.kind} ${key} was deleted`)));
      },
    });
    if (signal.aborted) onAbort();
    else {
      signal.addEventListener("abort", onAbort, { once: true });
      const current = this.#store.get(key);
      if (current !== undefined) check(current);
    }
    return promise;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    let failures = 0;
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.#relist();
          needList = false;
        }
        const { received, openMs } = await this.#watchOnce(signal);
        this.#lastError = undefined;
        // A watch that closes at once with nothing in it, again and again, means a server that
        // refuses to keep it open: back off rather than spin.
        failures = received > 0 || openMs >= 1000 ? 0 : failures + 1;
        if (failures > 0) await pause(this.#backoff(failures), { signal, clock: this.#clock });
      } catch (error) {
        if (signal.aborted) return;
        if (!needList) this.#restarts++;
        this.#lastError = errorMessage(error);
        if (isGone(error)) {
          this.#logger.info("watch resourceVersion too old; relisting", this.#fields());
          needList = true;
          continue;
        }
        failures++;
        const delayMs = this.#backoff(failures);
        this.#logger.warn(needList ? "list failed; retrying" : "watch failed; reconnecting", {
          ...this.#fields(),
          error: this.#lastError,
          attempt: failures,
          retryInMs: delayMs,
        });
        await pause(delayMs, { signal, clock: this.#clock });
      }
    }
  }

  #fields(): Record<string, unknown> {
    const { resource, namespace, labelSelector, fieldSelector } = this.#options;
    const fields: Record<string, unknown> = { resource: resource.plural };
    if (fieldSelector !== undefined) fields.fieldSelector = fieldSelector;
    if (namespace !== undefined) fields.namespace = namespace;
    if (labelSelector !== undefined) fields.labelSelector = labelSelector;
    return fields;
  }

  /** Exponential from the base, capped, with full jitter over its upper half. */
  #backoff(failures: number): number {
    const base = this.#options.baseRetryDelayMs ?? 500;
    const max = this.#options.maxRetryDelayMs ?? 30_000;
    const ceiling = Math.min(max, base * 2 ** Math.min(failures - 1, 30));
    return Math.round(ceiling / 2 + (ceiling / 2) * this.#random());
  }

  async #relist(): Promise<void> {
    const { kube, resource, namespace, labelSelector, fieldSelector } = this.#options;
    const list = await kube.list<KubeObject>(resource, { namespace, labelSelector, fieldSelector });
    this.#relists++;
    const fresh = new Map<string, T>();
    for (const raw of list.items) {
      const object = this.#parse(raw);
      if (object !== undefined) fresh.set(objectKey(object.metadata), object);
    }
    this.#store.replace(fresh);
    this.#resourceVersion = list.resourceVersion;
    this.#lastError = undefined;
    if (!this.#hasSynced) {
      this.#hasSynced = true;
      this.#synced.resolve();
      this.#logger.info("informer synced", { ...this.#fields(), objects: fresh.size });
    }
  }

  /** One watch request, from the cached resourceVersion until it ends. */
  async #watchOnce(stop: AbortSignal): Promise<{ received: number; openMs: number }> {
    const { kube, resource, namespace, labelSelector, fieldSelector } = this.#options;
    const base = this.#options.watchTimeoutSeconds ?? 300;
    const timeoutSeconds = Math.max(1, Math.round(base * (1 + this.#random())));
    const graceMs = this.#options.watchDeadlineGraceMs ?? 10_000;
    const deadline = new AbortController();
    const cancelDeadline = this.#clock.setTimer(
      () => deadline.abort(new WatchDeadline(Math.round(graceMs / 1000))),
      timeoutSeconds * 1000 + graceMs,
    );
    const opened = this.#clock.now();
    this.#connectedAt = this.#lastEventAt = opened;
    let events = 0, received = 0;
    try {
      const stream = kube.watch<KubeObject>(resource, {
        namespace,
        labelSelector,
        fieldSelector,
        resourceVersion: this.#resourceVersion,
        timeoutSeconds,
        allowBookmarks: true,
        signal: AbortSignal.any([stop, deadline.signal]),
      });
      for await (const event of stream) {
        received++;
        this.#lastEventAt = this.#clock.now();
        const rv = event.object.metadata?.resourceVersion;
        if (event.type !== "BOOKMARK") {
          events++;
          const object = this.#parse(event.object);
          if (object !== undefined) {
            if (event.type === "DELETED") this.#store.delete(object);
            else this.#store.upsert(object);
          }
        }
        if (rv) this.#resourceVersion = rv;
      }
    } catch (error) {
      if (!(deadline.signal.aborted && !stop.aborted)) throw error;
    } finally {
      cancelDeadline();
      this.#connectedAt = this.#lastEventAt = undefined;
    }
    const openMs = this.#clock.now() - opened;
    if (!stop.aborted) {
      this.#restarts++;
      const fields = { ...this.#fields(), openMs, events, resourceVersion: this.#resourceVersion };
      if (deadline.signal.aborted) {
        this.#logger.warn(`watch restarted: ${(deadline.signal.reason as Error).message}`, fields);
      } else this.#logger.info("watch ended by the server; resuming", fields);
    }
    return { received, openMs };
  }

  #parse(raw: unknown): T | undefined {
    try {
      return this.#options.parse(raw);
    } catch (error) {
      const meta = (raw as Partial<KubeObject> | null)?.metadata;
      this.#logger.warn("ignoring an object that does not parse", {
        ...this.#fields(),
        namespace: meta?.namespace,
        name: meta?.name,
        error: errorMessage(error),
      });
      return undefined;
    }
  }
}
