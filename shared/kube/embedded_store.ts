/**
 * The embedded backend of {@linkcode KubeClient}: an in-process store with the API server's
 * semantics, for `deno task dev` on a machine with no cluster and as the fast fake of unit tests.
 *
 * Invariants (each mirrors the API server; the contract test runs the same table against both):
 * - One global resourceVersion counter; every committed write (create, update, status, patch,
 *   deletion mark, removal) takes the next value. A write that changes nothing takes none and
 *   emits no event, as the API server skips no-op updates.
 * - Stored objects are never mutated in place and never handed out: every read, return value and
 *   watch event is a deep copy, and every argument is copied on the way in.
 * - Each operation commits synchronously (no await between its checks and its writes), so
 *   operations are atomic even when callers interleave; persistence follows in commit order and
 *   the call resolves once its writes are on disk.
 * - Status subresource (Sandbox, SandboxSet, Pod, Namespace): `update` and `patch` keep the stored
 *   `status`; `updateStatus` changes nothing but `status`. `generation` moves on changes outside
 *   `metadata` and `status` only.
 * - Garbage collection runs synchronously after each write instead of in a background controller:
 *   when the last owner of an object (by ownerReference uid) is gone, the object is deleted (and so
 *   on recursively, honouring finalizers). Tests against a real cluster poll for the same end state.
 * - Watches are served from a bounded event history; a resourceVersion older than the history ends
 *   the watch with 410 `Gone`, as an etcd compaction does. Each watcher has its own buffer, so a
 *   slow consumer never blocks a writer; one that falls more than `watchBufferLimit` events behind
 *   is ended with `Gone` and relists.
 *
 * Deliberate differences from a cluster: objects may be created in any namespace string (a
 * `Namespace` object is not required, but a terminating one refuses new content); no admission,
 * defaulting or CRD schema pruning beyond what is listed. Pods get the API server's graceful
 * deletion (`_graceful_deletion.ts`): one bound to a node stays Terminating for its grace period
 * until its kubelet (the local node) deletes it with grace 0; an unbound one goes at once.
 *
 * This file is the facade: it checks each call and composes the private parts, one concern each:
 * `_object_table.ts` (storage, indexes, resourceVersions, persistence), `_watch_hub.ts` and
 * `_watcher.ts` (history and fan-out), `_garbage_collector.ts` (updates, deletion, GC),
 * `_defaulting.ts` (server-set fields and kind defaults), `_request_checks.ts` (input and
 * preconditions).
 *
 * @module
 */
import { badRequest, conflict } from "./_api_errors.ts";
import { requireNamespace } from "./_arguments.ts";
import { DataLog } from "./_data_log.ts";
import { createdObject, generateName, hasStatusSubresource, keepStatus } from "./_defaulting.ts";
import { GarbageCollector } from "./_garbage_collector.ts";
import { parseSelectors } from "./_field_selector.ts";
import { applyMergePatch } from "./_merge_patch.ts";
import { ObjectTable, type Slot } from "./_object_table.ts";
import {
  checkCreate,
  checkDeletePreconditions,
  checkVersion,
  incomingObject,
  requireObject,
  targetObject,
} from "./_request_checks.ts";
import { WatchHub } from "./_watch_hub.ts";
import {
  type DeleteOptions,
  KubeApiError,
  type KubeClient,
  type KubeObject,
  type ListOptions,
  type ObjectList,
  type PatchOptions,
  type Resource,
  type WatchEvent,
  type WatchOptions,
} from "./client.ts";
import { type Clock, systemClock } from "../std/clock.ts";
import { isRecord } from "../std/json.ts";
import { consoleLogger, type Logger } from "../std/logger.ts";

/**
 * Options of {@linkcode EmbeddedStore.open}.
 *
 * @example
 * ```ts
 * import { EmbeddedStore, type EmbeddedStoreOptions } from "@kruise-agents/shared/kube";
 * import { silentLogger } from "@kruise-agents/shared/std";
 * const options: EmbeddedStoreOptions = { historyLimit: 1000, logger: silentLogger };
 * await using store = await EmbeddedStore.open(options); // in memory: no dataDir
 * ```
 */
export interface EmbeddedStoreOptions {
  /** Directory that persists every write; a reopen restores all objects and the
   * resourceVersion counter. Purely in memory when absent.
   * @default {undefined} */
  dataDir?: string | undefined;
  /** Source of `creationTimestamp` and `deletionTimestamp` (a test hook).
   * @default {systemClock} */
  clock?: Clock | undefined;
  /** Watch events kept for watches that start at an older resourceVersion; older ones get 410.
   * @default {10000} */
  historyLimit?: number | undefined;
  /** Events a single watcher may have pending before it is ended with 410 `Gone`.
   * @default {100000} */
  watchBufferLimit?: number | undefined;
  /** Where damaged records found at open are reported. @default {consoleLogger} */
  logger?: Logger | undefined;
}

/**
 * An in-process Kubernetes API: the embedded backend of {@linkcode KubeClient}. See the module
 * documentation for the semantics it shares with the API server and the few it does not.
 *
 * @example
 * ```ts ignore
 * import { EmbeddedStore, SANDBOXES } from "@kruise-agents/shared/kube";
 * await using store = await EmbeddedStore.open({ dataDir: ".data/kube" });
 * const list = await store.list(SANDBOXES, { namespace: "default" });
 * for await (const event of store.watch(SANDBOXES, { resourceVersion: list.resourceVersion })) {
 *   console.log(event.type, event.object.metadata.name);
 * }
 * ```
 */
export class EmbeddedStore implements KubeClient, AsyncDisposable {
  readonly #clock: Clock;
  readonly #hub: WatchHub;
  readonly #table: ObjectTable;
  readonly #gc: GarbageCollector;
  #closed = false;

  private constructor(options: EmbeddedStoreOptions, log: DataLog | undefined, rv: number) {
    this.#clock = options.clock ?? systemClock;
    this.#hub = new WatchHub(rv, {
      historyLimit: options.historyLimit ?? 10_000,
      watchBufferLimit: options.watchBufferLimit ?? 100_000,
    });
    this.#table = new ObjectTable(this.#hub, log, rv);
    this.#gc = new GarbageCollector(this.#table, this.#clock);
  }

  /**
   * Opens a store; with `dataDir`, restores what an earlier store wrote there (and keeps counting
   * resourceVersions from where it stopped). Watches cannot resume across a reopen: the history is
   * not persisted, so their resourceVersion is older than the new history and they get 410.
   */
  static async open(options: EmbeddedStoreOptions = {}): Promise<EmbeddedStore> {
    if (options.dataDir === undefined) return new EmbeddedStore(options, undefined, 0);
    const { log, state } = await DataLog.open(options.dataDir);
    for (const what of state.damaged) {
      (options.logger ?? consoleLogger).error("set aside a damaged record of the embedded store", {
        dataDir: options.dataDir,
        record: what,
      });
    }
    const store = new EmbeddedStore(options, log, state.resourceVersion);
    await store.#table.restore(state.records);
    return store;
  }

  /** The current resourceVersion (of the last committed write). */
  get resourceVersion(): string {
    return String(this.#table.resourceVersion);
  }

  // ---------------------------------------------------------------- reads

  /** Reads one object (404 `NotFound` if absent). */
  get<T extends KubeObject>(resource: Resource, namespace: string, name: string): Promise<T> {
    try {
      this.#checkOpen();
      return Promise.resolve(
        structuredClone(requireObject(this.#table, resource, namespace, name).object) as T,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Lists objects sorted by namespace and name, with the resourceVersion to watch from. */
  list<T extends KubeObject>(
    resource: Resource,
    options: ListOptions = {},
  ): Promise<ObjectList<T>> {
    try {
      this.#checkOpen();
      const matches = parseSelectors(options);
      const namespace = resource.namespaced ? options.namespace : undefined;
      const items: T[] = [];
      for (const { object } of this.#table.sorted(resource)) {
        if (namespace !== undefined && object.metadata.namespace !== namespace) continue;
        if (!matches(object)) continue;
        items.push(structuredClone(object) as T);
      }
      return Promise.resolve({ items, resourceVersion: this.resourceVersion });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Streams changes after `options.resourceVersion`; without one, from the moment of this call;
   * with `"0"`, first a synthetic ADDED for every existing object (as the API server does).
   */
  watch<T extends KubeObject>(
    resource: Resource,
    options: WatchOptions = {},
  ): AsyncIterable<WatchEvent<T>> {
    // The start is fixed now, not at the first `next()`: "from now" means from this call.
    const start = options.resourceVersion ?? this.resourceVersion;
    return this.#stream(resource, options, start) as AsyncIterable<WatchEvent<T>>;
  }

  async *#stream(
    resource: Resource,
    options: WatchOptions,
    start: string,
  ): AsyncGenerator<WatchEvent<KubeObject>> {
    this.#checkOpen();
    yield* this.#hub.stream(resource, options, start, this.#table);
  }

  // ---------------------------------------------------------------- writes

  /** Creates an object; `metadata.generateName` gets 5 random characters. */
  async create<T extends KubeObject>(resource: Resource, object: T): Promise<T> {
    this.#checkOpen();
    const incoming = incomingObject(resource, object);
    const meta = incoming.metadata;
    const namespace = requireNamespace(resource, meta.namespace, "create");
    if (!meta.name && meta.generateName) {
      const taken = (name: string) => this.#table.find(resource, namespace, name) !== undefined;
      const name = generateName(meta.generateName, taken);
      if (name !== undefined) meta.name = name;
    }
    checkCreate(this.#table, resource, meta, namespace);
    const stored = createdObject(resource, incoming, { namespace, now: this.#clock.now() });
    this.#table.commitPut(resource, stored, undefined);
    this.#gc.collectIfOrphaned(stored.metadata.uid!);
    await this.#table.persisted();
    return structuredClone(stored) as T;
  }

  /** Replaces spec and metadata; keeps the stored status for kinds with a status subresource. */
  async update<T extends KubeObject>(resource: Resource, object: T): Promise<T> {
    this.#checkOpen();
    const incoming = incomingObject(resource, object);
    const slot = targetObject(this.#table, resource, incoming.metadata, "update");
    checkVersion(resource, slot.object.metadata, incoming.metadata, true);
    const next: KubeObject = { ...incoming };
    keepStatus(resource, next, slot.object);
    return await this.#write(slot, next);
  }

  /** Replaces status only (the status subresource); 404 for kinds without one. */
  async updateStatus<T extends KubeObject>(resource: Resource, object: T): Promise<T> {
    this.#checkOpen();
    const incoming = incomingObject(resource, object);
    const slot = targetObject(this.#table, resource, incoming.metadata, "update");
    if (!hasStatusSubresource(resource)) {
      throw new KubeApiError(404, "NotFound", "the server could not find the requested resource");
    }
    checkVersion(resource, slot.object.metadata, incoming.metadata, true);
    const next: KubeObject = structuredClone(slot.object);
    if (incoming.status === undefined) delete next.status;
    else next.status = incoming.status;
    return await this.#write(slot, next);
  }

  /** Applies a JSON merge patch; optimistic only if the patch carries a resourceVersion. */
  async patch<T extends KubeObject>(
    resource: Resource,
    namespace: string,
    name: string,
    patch: Record<string, unknown>,
    options: PatchOptions = {},
  ): Promise<T> {
    this.#checkOpen();
    if (!isRecord(patch)) throw badRequest("the patch must be a JSON object");
    if (options.subresource === "resize" && resource.kind !== "Pod") {
      throw new KubeApiError(404, "NotFound", `the server could not find the requested resource`);
    }
    const slot = requireObject(this.#table, resource, namespace, name);
    const merged = applyMergePatch(slot.object, structuredClone(patch));
    if (!isRecord(merged) || !isRecord(merged.metadata)) {
      throw badRequest("the patch must leave metadata an object");
    }
    const patchMeta = isRecord(patch.metadata) ? patch.metadata : {};
    if (
      typeof patchMeta.resourceVersion === "string" &&
      patchMeta.resourceVersion !== slot.object.metadata.resourceVersion
    ) {
      throw conflict(resource, name);
    }
    const next = incomingObject(resource, merged as KubeObject);
    keepStatus(resource, next, slot.object);
    return await this.#write(slot, next);
  }

  /**
   * Deletes an object, or marks it with `deletionTimestamp` while finalizers remain, or while the
   * grace period of a Pod bound to a node runs (its kubelet, the local node, removes it with a
   * delete of grace 0). Dependents are garbage-collected at once (`Background`, the default), first
   * (`Foreground`: the owner stays with the `foregroundDeletion` finalizer until they are gone), or
   * kept (`Orphan`).
   */
  async delete(
    resource: Resource,
    namespace: string,
    name: string,
    options: DeleteOptions = {},
  ): Promise<void> {
    this.#checkOpen();
    const slot = requireObject(this.#table, resource, namespace, name);
    checkDeletePreconditions(resource, slot.object.metadata, options.preconditions);
    this.#gc.delete(slot, options.propagationPolicy ?? "Background", options.gracePeriodSeconds);
    await this.#table.persisted();
  }

  /** Ends every watch and waits for pending writes; later calls throw. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#hub.close();
    await this.#table.close();
  }

  /** Same as {@linkcode EmbeddedStore.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---------------------------------------------------------------- internals

  #checkOpen(): void {
    if (this.#closed) throw new Error("Cannot use the embedded store: it is closed");
  }

  /** Commits an update of `slot` (with its consequences), then waits for it to be on disk. */
  async #write<T extends KubeObject>(slot: Slot, next: KubeObject): Promise<T> {
    const result = this.#gc.update(slot, next);
    await this.#table.persisted();
    return structuredClone(result) as T;
  }
}
