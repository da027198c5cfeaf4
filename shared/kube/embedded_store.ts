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
 * defaulting or CRD schema pruning beyond what is listed; Pods are deleted at once (as an unscheduled
 * Pod is; there is no kubelet grace period).
 *
 * @module
 */
import { applyMergePatch } from "./_merge_patch.ts";
import { type LabelMatcher, parseLabelSelector } from "./_label_selector.ts";
import {
  alreadyExists,
  badRequest,
  conflict,
  gone,
  invalid,
  namespaceTerminating,
  notFound,
} from "./_api_errors.ts";
import { validateMetadata, validateName } from "./_validation.ts";
import { DataLog, type LogRecord, type StoredEntry } from "./_data_log.ts";
import {
  type DeleteOptions,
  KubeApiError,
  type KubeClient,
  type KubeObject,
  type ListOptions,
  type ObjectList,
  type Resource,
  type WatchEvent,
  type WatchOptions,
} from "./client.ts";
import type { ObjectMeta, OwnerReference } from "../api/meta.ts";

/** Options of {@linkcode EmbeddedStore.open}. */
export interface EmbeddedStoreOptions {
  /** Directory that persists every write; a reopen restores all objects and the
   * resourceVersion counter. Purely in memory when absent.
   * @default {undefined} */
  dataDir?: string;
  /** Source of `creationTimestamp` and `deletionTimestamp` (a test hook).
   * @default {() => new Date()} */
  clock?: () => Date;
  /** Watch events kept for watches that start at an older resourceVersion; older ones get 410.
   * @default {10000} */
  historyLimit?: number;
  /** Events a single watcher may have pending before it is ended with 410 `Gone`.
   * @default {100000} */
  watchBufferLimit?: number;
}

/** Kinds served with a status subresource (the rest are written whole by `update`). */
const STATUS_KINDS = new Set(["Sandbox", "SandboxSet", "Pod", "Namespace"]);
/** Kinds without `metadata.generation` on a real server. */
const NO_GENERATION_KINDS = new Set(["Secret", "ConfigMap", "Namespace", "Event", "Lease"]);
const FOREGROUND = "foregroundDeletion";
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

interface Slot {
  resource: Resource;
  object: KubeObject;
}

interface HistoryEvent {
  rv: number;
  collection: string;
  type: WatchEvent<KubeObject>["type"];
  object: KubeObject;
  previous?: KubeObject;
}

class Watcher {
  readonly collection: string;
  readonly namespace: string | undefined;
  readonly matches: LabelMatcher;
  readonly limit: number;
  queue: WatchEvent<KubeObject>[] = [];
  head = 0;
  wake: (() => void) | undefined;
  ended = false;
  error: KubeApiError | undefined;

  constructor(
    collection: string,
    namespace: string | undefined,
    matches: LabelMatcher,
    limit: number,
  ) {
    this.collection = collection;
    this.namespace = namespace;
    this.matches = matches;
    this.limit = limit;
  }

  /** Queues what `event` means to this watcher; a selector change turns into ADDED/DELETED. */
  offer(event: HistoryEvent): void {
    if (this.ended || event.collection !== this.collection) return;
    if (this.namespace !== undefined && event.object.metadata.namespace !== this.namespace) return;
    const now = this.matches(event.object.metadata.labels);
    const before = event.previous !== undefined && this.matches(event.previous.metadata.labels);
    let out: WatchEvent<KubeObject> | undefined;
    if (event.type === "MODIFIED") {
      if (now && before) out = { type: "MODIFIED", object: event.object };
      else if (now) out = { type: "ADDED", object: event.object };
      else if (before) {
        // As the API server's watch cache: the previous content, at the event's resourceVersion.
        const object = {
          ...event.previous!,
          metadata: { ...event.previous!.metadata, resourceVersion: String(event.rv) },
        };
        out = { type: "DELETED", object };
      }
    } else if (now) {
      out = { type: event.type, object: event.object };
    }
    if (out === undefined) return;
    if (this.queue.length - this.head >= this.limit) {
      this.end(gone("(watcher too slow)", event.rv));
      return;
    }
    this.queue.push(out);
    this.notify();
  }

  end(error?: KubeApiError): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    if (error !== undefined) {
      this.queue = [];
      this.head = 0;
    }
    this.notify();
  }

  notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** `sandboxes.agents.kruise.io`-style key of a collection. */
function collectionKey(resource: Resource): string {
  return `${resource.plural}.${resource.apiVersion}`;
}

function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function timestamp(date: Date): string {
  // RFC 3339 in whole seconds, as the API server serializes metav1.Time.
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Structural equality of JSON values, ignoring member order. */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a).filter((k) => a[k] !== undefined);
    const other = Object.keys(b).filter((k) => b[k] !== undefined);
    return keys.length === other.length && keys.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}

/** Everything but metadata and status: what `generation` counts changes of. */
function specPart(object: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = object;
  return rest;
}

function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  return Array.from(bytes, (b) => NAME_ALPHABET[b % NAME_ALPHABET.length]).join("");
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
  readonly #clock: () => Date;
  readonly #historyLimit: number;
  readonly #watchBufferLimit: number;
  readonly #log: DataLog | undefined;
  readonly #collections = new Map<string, Map<string, Slot>>();
  readonly #byUid = new Map<string, Slot>();
  /** owner uid -> uids of the objects naming it in ownerReferences */
  readonly #dependents = new Map<string, Set<string>>();
  /** namespace -> number of namespaced objects in it */
  readonly #namespaceCounts = new Map<string, number>();
  readonly #watchers = new Set<Watcher>();
  #history: HistoryEvent[] = [];
  /** Highest resourceVersion whose event is no longer in `#history`. */
  #compacted: number;
  #rv: number;
  #lastWrite: Promise<void> | undefined;
  #compacting = false;
  #closed = false;

  private constructor(options: EmbeddedStoreOptions, log: DataLog | undefined, rv: number) {
    this.#clock = options.clock ?? (() => new Date());
    this.#historyLimit = options.historyLimit ?? 10_000;
    this.#watchBufferLimit = options.watchBufferLimit ?? 100_000;
    this.#log = log;
    this.#rv = rv;
    this.#compacted = rv;
  }

  /**
   * Opens a store; with `dataDir`, restores what an earlier store wrote there (and keeps counting
   * resourceVersions from where it stopped). Watches cannot resume across a reopen: the history is
   * not persisted, so their resourceVersion is older than the new history and they get 410.
   */
  static async open(options: EmbeddedStoreOptions = {}): Promise<EmbeddedStore> {
    if (options.dataDir === undefined) return new EmbeddedStore(options, undefined, 0);
    const { log, state } = await DataLog.open(options.dataDir);
    const store = new EmbeddedStore(options, log, state.resourceVersion);
    for (const record of state.records) store.#replay(record);
    await log.compact(() => store.#snapshot());
    return store;
  }

  /** The current resourceVersion (of the last committed write). */
  get resourceVersion(): string {
    return String(this.#rv);
  }

  // ---------------------------------------------------------------- reads

  /** Reads one object (404 `NotFound` if absent). */
  get<T extends KubeObject>(resource: Resource, namespace: string, name: string): Promise<T> {
    try {
      this.#checkOpen();
      return Promise.resolve(structuredClone(this.#require(resource, namespace, name).object) as T);
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
      const matches = parseLabelSelector(options.labelSelector);
      const namespace = resource.namespaced ? options.namespace : undefined;
      const items: T[] = [];
      const keys = [...(this.#collections.get(collectionKey(resource))?.keys() ?? [])].sort();
      for (const key of keys) {
        const { object } = this.#collections.get(collectionKey(resource))!.get(key)!;
        if (namespace !== undefined && object.metadata.namespace !== namespace) continue;
        if (!matches(object.metadata.labels)) continue;
        items.push(structuredClone(object) as T);
      }
      return Promise.resolve({ items, resourceVersion: String(this.#rv) });
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
    const start = options.resourceVersion ?? String(this.#rv);
    return this.#stream(resource, options, start) as AsyncIterable<WatchEvent<T>>;
  }

  async *#stream(
    resource: Resource,
    options: WatchOptions,
    start: string,
  ): AsyncGenerator<WatchEvent<KubeObject>> {
    this.#checkOpen();
    const matches = parseLabelSelector(options.labelSelector);
    const signal = options.signal;
    if (signal?.aborted) return;
    const namespace = resource.namespaced ? options.namespace : undefined;
    const watcher = new Watcher(
      collectionKey(resource),
      namespace,
      matches,
      this.#watchBufferLimit,
    );
    if (start === "0") {
      const slots = [...(this.#collections.get(watcher.collection)?.values() ?? [])]
        .sort((a, b) =>
          Number(a.object.metadata.resourceVersion) - Number(b.object.metadata.resourceVersion)
        );
      for (const { object } of slots) {
        watcher.offer({ rv: this.#rv, collection: watcher.collection, type: "ADDED", object });
      }
    } else {
      if (!/^\d+$/.test(start)) {
        throw badRequest(`invalid resource version: ${JSON.stringify(start)}`);
      }
      const from = Number(start);
      if (from < this.#compacted) throw gone(start, this.#compacted + 1);
      for (const event of this.#history) if (event.rv > from) watcher.offer(event);
    }
    this.#watchers.add(watcher);
    const onAbort = () => watcher.end();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      while (true) {
        if (signal?.aborted) return;
        if (watcher.head < watcher.queue.length) {
          const event = watcher.queue[watcher.head]!;
          watcher.queue[watcher.head++] = undefined as unknown as WatchEvent<KubeObject>;
          if (watcher.head > 1024 && watcher.head * 2 > watcher.queue.length) {
            watcher.queue = watcher.queue.slice(watcher.head);
            watcher.head = 0;
          }
          yield { type: event.type, object: structuredClone(event.object) };
          continue;
        }
        if (watcher.error !== undefined) throw watcher.error;
        if (watcher.ended) return;
        await new Promise<void>((resolve) => watcher.wake = resolve);
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      watcher.end();
      this.#watchers.delete(watcher);
    }
  }

  // ---------------------------------------------------------------- writes

  /** Creates an object; `metadata.generateName` gets 5 random characters. */
  async create<T extends KubeObject>(resource: Resource, object: T): Promise<T> {
    this.#checkOpen();
    const incoming = this.#incoming(resource, object);
    const meta = incoming.metadata;
    const namespace = this.#namespaceOf(resource, meta.namespace, "create");
    if (!meta.name && meta.generateName) {
      // A collision is retried here; the API server answers AlreadyExists and leaves that to the
      // client, which is equivalent for callers that retry and friendlier for those that don't.
      const prefix = meta.generateName.slice(0, 58);
      for (let i = 0; i < 16; i++) {
        const candidate = prefix + randomSuffix();
        if (this.#find(resource, namespace, candidate) === undefined) {
          meta.name = candidate;
          break;
        }
      }
    }
    const name = meta.name;
    if (!name) {
      throw invalid(resource, "", [
        "metadata.name: Required value: name or generateName is required",
      ]);
    }
    const problems = [
      ...validateName(name, resource.kind === "Namespace"),
      ...validateMetadata(meta),
    ];
    if (problems.length > 0) throw invalid(resource, name, problems);
    if (this.#find(resource, namespace, name) !== undefined) throw alreadyExists(resource, name);
    if (resource.namespaced) {
      const ns = this.#find(NAMESPACE_RESOURCE, "", namespace);
      if (ns?.object.metadata.deletionTimestamp !== undefined) {
        throw namespaceTerminating(resource, name, namespace);
      }
    }
    const stored: KubeObject = { ...incoming, metadata: { ...meta } };
    const m = stored.metadata;
    if (resource.namespaced) m.namespace = namespace;
    else delete m.namespace;
    m.uid = crypto.randomUUID();
    m.creationTimestamp = timestamp(this.#clock());
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    if (NO_GENERATION_KINDS.has(resource.kind)) delete m.generation;
    else m.generation = 1;
    if (STATUS_KINDS.has(resource.kind)) delete stored.status;
    defaultOnCreate(resource, stored);
    this.#commitPut(resource, stored, undefined);
    this.#collectIfOrphaned(m.uid);
    await this.#persisted();
    return structuredClone(stored) as T;
  }

  /** Replaces spec and metadata; keeps the stored status for kinds with a status subresource. */
  async update<T extends KubeObject>(resource: Resource, object: T): Promise<T> {
    this.#checkOpen();
    const incoming = this.#incoming(resource, object);
    const slot = this.#target(resource, incoming.metadata, "update");
    this.#checkVersion(resource, slot, incoming.metadata, true);
    const next: KubeObject = { ...incoming };
    if (STATUS_KINDS.has(resource.kind)) {
      if (slot.object.status === undefined) delete next.status;
      else next.status = structuredClone(slot.object.status);
    }
    const result = this.#applyUpdate(slot, next);
    await this.#persisted();
    return structuredClone(result) as T;
  }

  /** Replaces status only (the status subresource); 404 for kinds without one. */
  async updateStatus<T extends KubeObject>(resource: Resource, object: T): Promise<T> {
    this.#checkOpen();
    const incoming = this.#incoming(resource, object);
    const slot = this.#target(resource, incoming.metadata, "update");
    if (!STATUS_KINDS.has(resource.kind)) {
      throw new KubeApiError(404, "NotFound", "the server could not find the requested resource");
    }
    this.#checkVersion(resource, slot, incoming.metadata, true);
    const next: KubeObject = structuredClone(slot.object);
    if (incoming.status === undefined) delete next.status;
    else next.status = incoming.status;
    const result = this.#applyUpdate(slot, next);
    await this.#persisted();
    return structuredClone(result) as T;
  }

  /** Applies a JSON merge patch; optimistic only if the patch carries a resourceVersion. */
  async patch<T extends KubeObject>(
    resource: Resource,
    namespace: string,
    name: string,
    patch: Record<string, unknown>,
  ): Promise<T> {
    this.#checkOpen();
    if (!isRecord(patch)) throw badRequest("the patch must be a JSON object");
    const slot = this.#require(resource, namespace, name);
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
    const next = this.#incoming(resource, merged as KubeObject);
    if (STATUS_KINDS.has(resource.kind)) {
      if (slot.object.status === undefined) delete next.status;
      else next.status = structuredClone(slot.object.status);
    }
    const result = this.#applyUpdate(slot, next);
    await this.#persisted();
    return structuredClone(result) as T;
  }

  /**
   * Deletes an object, or marks it with `deletionTimestamp` while finalizers remain. Dependents
   * are garbage-collected at once (`Background`, the default), first (`Foreground`: the owner stays
   * with the `foregroundDeletion` finalizer until they are gone), or kept (`Orphan`).
   */
  async delete(
    resource: Resource,
    namespace: string,
    name: string,
    options: DeleteOptions = {},
  ): Promise<void> {
    this.#checkOpen();
    const slot = this.#require(resource, namespace, name);
    const pre = options.preconditions;
    const meta = slot.object.metadata;
    if (pre?.uid !== undefined && pre.uid !== meta.uid) {
      throw conflict(
        resource,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`,
      );
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== meta.resourceVersion) {
      throw conflict(
        resource,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`,
      );
    }
    this.#delete(slot, options.propagationPolicy ?? "Background");
    await this.#persisted();
  }

  /** Ends every watch and waits for pending writes; later calls throw. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const watcher of this.#watchers) watcher.end();
    this.#watchers.clear();
    await this.#log?.close();
  }

  /** Same as {@linkcode EmbeddedStore.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---------------------------------------------------------------- internals

  #checkOpen(): void {
    if (this.#closed) throw new Error("Cannot use the embedded store: it is closed");
  }

  /** A deep copy of `object` with the resource's apiVersion and kind (which must agree). */
  #incoming(resource: Resource, object: KubeObject): KubeObject {
    if (!isRecord(object) || !isRecord(object.metadata)) {
      throw badRequest(`${resource.kind}: the object and its metadata must be JSON objects`);
    }
    if (object.apiVersion !== undefined && object.apiVersion !== resource.apiVersion) {
      throw badRequest(
        `the API version in the data (${object.apiVersion}) does not match the expected API version (${resource.apiVersion})`,
      );
    }
    if (object.kind !== undefined && object.kind !== resource.kind) {
      throw badRequest(
        `the kind in the data (${object.kind}) does not match the expected kind (${resource.kind})`,
      );
    }
    const copy = structuredClone(object);
    return { ...copy, apiVersion: resource.apiVersion, kind: resource.kind };
  }

  #namespaceOf(resource: Resource, namespace: string | undefined, verb: string): string {
    if (!resource.namespaced) return "";
    if (!namespace) {
      throw new TypeError(`Cannot ${verb} ${resource.plural}: a namespace is required`);
    }
    return namespace;
  }

  #find(resource: Resource, namespace: string, name: string): Slot | undefined {
    const ns = resource.namespaced ? namespace : "";
    return this.#collections.get(collectionKey(resource))?.get(objectKey(ns, name));
  }

  #require(resource: Resource, namespace: string, name: string): Slot {
    if (!name) throw new TypeError(`Cannot address ${resource.plural}: a name is required`);
    const ns = this.#namespaceOf(resource, namespace, "address");
    const slot = this.#find(resource, ns, name);
    if (slot === undefined) throw notFound(resource, name);
    return slot;
  }

  #target(resource: Resource, meta: ObjectMeta, verb: string): Slot {
    if (!meta.name) {
      throw new TypeError(`Cannot ${verb} ${resource.plural}: metadata.name is required`);
    }
    return this.#require(resource, meta.namespace ?? "", meta.name);
  }

  #checkVersion(resource: Resource, slot: Slot, meta: ObjectMeta, required: boolean): void {
    const name = slot.object.metadata.name!;
    if (meta.uid !== undefined && meta.uid !== slot.object.metadata.uid) {
      throw conflict(
        resource,
        name,
        `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${slot.object.metadata.uid}`,
      );
    }
    if (meta.resourceVersion === undefined || meta.resourceVersion === "") {
      // Custom resources (and our kinds) refuse unconditional updates, as on a cluster.
      if (required && resource.apiVersion.includes(".")) {
        throw invalid(resource, name, [
          "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update",
        ]);
      }
      return;
    }
    if (meta.resourceVersion !== slot.object.metadata.resourceVersion) {
      throw conflict(resource, name);
    }
  }

  /**
   * Commits `next` as the new state of `slot` (server-owned metadata is taken from the stored
   * object). Returns what was stored, or the last state if the object was removed because its last
   * finalizer went.
   */
  #applyUpdate(slot: Slot, next: KubeObject): KubeObject {
    const { resource, object: current } = slot;
    const cur = current.metadata;
    const meta: ObjectMeta = { ...next.metadata };
    meta.name = cur.name;
    if (resource.namespaced) meta.namespace = cur.namespace;
    else delete meta.namespace;
    meta.uid = cur.uid;
    meta.creationTimestamp = cur.creationTimestamp;
    meta.resourceVersion = cur.resourceVersion;
    if (cur.deletionTimestamp === undefined) {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    } else {
      meta.deletionTimestamp = cur.deletionTimestamp;
      if (cur.deletionGracePeriodSeconds === undefined) delete meta.deletionGracePeriodSeconds;
      else meta.deletionGracePeriodSeconds = cur.deletionGracePeriodSeconds;
      const added = (meta.finalizers ?? []).filter((f) => !(cur.finalizers ?? []).includes(f));
      if (added.length > 0) {
        throw invalid(resource, cur.name!, [
          `metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${
            JSON.stringify(added)
          }`,
        ]);
      }
    }
    if (meta.finalizers?.length === 0) delete meta.finalizers;
    if (meta.ownerReferences?.length === 0) delete meta.ownerReferences;
    const problems = validateMetadata(meta);
    if (problems.length > 0) throw invalid(resource, cur.name!, problems);
    const stored: KubeObject = { ...next, metadata: meta };
    defaultOnUpdate(resource, stored, current);
    if (NO_GENERATION_KINDS.has(resource.kind)) delete meta.generation;
    else {
      const generation = cur.generation ?? 1;
      meta.generation = jsonEqual(specPart(stored), specPart(current))
        ? generation
        : generation + 1;
    }
    if (jsonEqual(stored, current)) return current;
    if (meta.deletionTimestamp !== undefined && (meta.finalizers ?? []).length === 0) {
      this.#commitRemove(slot, stored);
      return stored;
    }
    this.#commitPut(resource, stored, slot);
    this.#collectIfOrphaned(meta.uid!);
    this.#recheckOwners(cur.ownerReferences);
    return stored;
  }

  #delete(slot: Slot, policy: NonNullable<DeleteOptions["propagationPolicy"]>): void {
    const { resource, object } = slot;
    const meta = object.metadata;
    if (policy === "Orphan") {
      for (const uid of [...(this.#dependents.get(meta.uid!) ?? [])]) {
        const dependent = this.#byUid.get(uid);
        if (dependent === undefined) continue;
        const refs = (dependent.object.metadata.ownerReferences ?? []).filter((r) =>
          r.uid !== meta.uid
        );
        this.#applyUpdate(dependent, {
          ...structuredClone(dependent.object),
          metadata: { ...structuredClone(dependent.object.metadata), ownerReferences: refs },
        });
      }
    }
    const finalizers = [...(meta.finalizers ?? [])];
    if (policy === "Foreground" && !finalizers.includes(FOREGROUND)) finalizers.push(FOREGROUND);
    const holdsNamespace = resource.kind === "Namespace" && !resource.namespaced;
    if (finalizers.length === 0 && !(holdsNamespace && this.#namespaceCounts.get(meta.name!))) {
      this.#commitRemove(slot, object);
      return;
    }
    // Marked for deletion: finalizers (or a namespace's content) hold the object.
    if (
      meta.deletionTimestamp === undefined || finalizers.length !== (meta.finalizers ?? []).length
    ) {
      const next = structuredClone(object);
      next.metadata.deletionTimestamp ??= timestamp(this.#clock());
      next.metadata.deletionGracePeriodSeconds ??= 0;
      if (finalizers.length > 0) next.metadata.finalizers = finalizers;
      if (next.metadata.generation !== undefined && meta.deletionTimestamp === undefined) {
        next.metadata.generation++;
      }
      if (holdsNamespace) {
        next.status = { ...(isRecord(next.status) ? next.status : {}), phase: "Terminating" };
      }
      this.#commitPut(resource, next, slot);
    }
    if (policy === "Foreground") this.#finishForeground(meta.uid!);
    if (holdsNamespace) this.#emptyNamespace(meta.name!);
  }

  /** Deletes everything in a terminating namespace; removes the namespace once it is empty. */
  #emptyNamespace(namespace: string): void {
    for (const collection of this.#collections.values()) {
      for (const slot of [...collection.values()]) {
        if (slot.object.metadata.namespace !== namespace || !slot.resource.namespaced) continue;
        if (slot.object.metadata.deletionTimestamp === undefined) this.#delete(slot, "Background");
      }
    }
    this.#finishNamespace(namespace);
  }

  #finishNamespace(namespace: string): void {
    const slot = this.#find(NAMESPACE_RESOURCE, "", namespace);
    if (slot?.object.metadata.deletionTimestamp === undefined) return;
    if (this.#namespaceCounts.get(namespace)) return;
    if ((slot.object.metadata.finalizers ?? []).length > 0) return;
    this.#commitRemove(slot, slot.object);
  }

  /** Garbage collection of one object, as kube-controller-manager's `attemptToDeleteItem`. */
  #collectIfOrphaned(uid: string): void {
    const slot = this.#byUid.get(uid);
    const refs = slot?.object.metadata.ownerReferences ?? [];
    if (slot === undefined || refs.length === 0) return;
    const solid: OwnerReference[] = [];
    const gone: OwnerReference[] = [];
    let waiting = false;
    for (const ref of refs) {
      const owner = this.#byUid.get(ref.uid);
      if (owner === undefined) gone.push(ref);
      else if (isWaitingForDependents(owner.object)) {
        gone.push(ref);
        waiting = true;
      } else solid.push(ref);
    }
    if (gone.length === 0) return;
    if (solid.length > 0) {
      // Some owner remains: only the references to absent owners go.
      this.#applyUpdate(slot, {
        ...structuredClone(slot.object),
        metadata: { ...structuredClone(slot.object.metadata), ownerReferences: solid },
      });
      return;
    }
    // Already being deleted: its own finalizers decide; asking again would change nothing.
    if (slot.object.metadata.deletionTimestamp !== undefined) return;
    this.#delete(slot, waiting ? "Foreground" : "Background");
  }

  /** Removes the `foregroundDeletion` finalizer of `uid` once no dependent remains. */
  #finishForeground(uid: string): void {
    for (const dependent of [...(this.#dependents.get(uid) ?? [])]) {
      this.#collectIfOrphaned(dependent);
    }
    const slot = this.#byUid.get(uid);
    if (slot === undefined || !isWaitingForDependents(slot.object)) return;
    if ((this.#dependents.get(uid)?.size ?? 0) > 0) return;
    const next = structuredClone(slot.object);
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== FOREGROUND);
    this.#applyUpdate(slot, next);
  }

  #recheckOwners(refs: OwnerReference[] | undefined): void {
    for (const ref of refs ?? []) {
      const owner = this.#byUid.get(ref.uid);
      if (owner !== undefined && isWaitingForDependents(owner.object)) {
        this.#finishForeground(ref.uid);
      }
    }
  }

  /** Stores `object` (fresh resourceVersion), indexes it, emits the event, queues the write. */
  #commitPut(resource: Resource, object: KubeObject, previous: Slot | undefined): void {
    const rv = ++this.#rv;
    object.metadata.resourceVersion = String(rv);
    const slot: Slot = { resource, object };
    const collection = collectionKey(resource);
    let objects = this.#collections.get(collection);
    if (objects === undefined) this.#collections.set(collection, objects = new Map());
    const meta = object.metadata;
    objects.set(objectKey(meta.namespace ?? "", meta.name!), slot);
    this.#byUid.set(meta.uid!, slot);
    this.#indexOwners(meta.uid!, previous?.object.metadata.ownerReferences, meta.ownerReferences);
    if (previous === undefined && resource.namespaced) {
      this.#namespaceCounts.set(
        meta.namespace!,
        (this.#namespaceCounts.get(meta.namespace!) ?? 0) + 1,
      );
    }
    this.#emit({
      rv,
      collection,
      type: previous === undefined ? "ADDED" : "MODIFIED",
      object,
      ...(previous === undefined ? {} : { previous: previous.object }),
    });
    this.#persist({ rv, put: { resource, object } });
  }

  /** Removes `slot` (its last state: `last`), then collects what depended on it. */
  #commitRemove(slot: Slot, last: KubeObject): void {
    const rv = ++this.#rv;
    const { resource } = slot;
    const object: KubeObject = {
      ...last,
      metadata: { ...last.metadata, resourceVersion: String(rv) },
    };
    const meta = object.metadata;
    const collection = collectionKey(resource);
    this.#collections.get(collection)?.delete(objectKey(meta.namespace ?? "", meta.name!));
    this.#byUid.delete(meta.uid!);
    this.#indexOwners(meta.uid!, slot.object.metadata.ownerReferences, undefined);
    if (resource.namespaced) {
      const count = (this.#namespaceCounts.get(meta.namespace!) ?? 1) - 1;
      if (count > 0) this.#namespaceCounts.set(meta.namespace!, count);
      else this.#namespaceCounts.delete(meta.namespace!);
    }
    this.#emit({ rv, collection, type: "DELETED", object });
    this.#persist({
      rv,
      del: { resource, namespace: meta.namespace ?? "", name: meta.name! },
    });
    for (const dependent of [...(this.#dependents.get(meta.uid!) ?? [])]) {
      this.#collectIfOrphaned(dependent);
    }
    this.#recheckOwners(slot.object.metadata.ownerReferences);
    if (resource.namespaced) this.#finishNamespace(meta.namespace!);
  }

  #indexOwners(
    uid: string,
    before: OwnerReference[] | undefined,
    after: OwnerReference[] | undefined,
  ): void {
    for (const ref of before ?? []) {
      const set = this.#dependents.get(ref.uid);
      set?.delete(uid);
      if (set?.size === 0) this.#dependents.delete(ref.uid);
    }
    for (const ref of after ?? []) {
      let set = this.#dependents.get(ref.uid);
      if (set === undefined) this.#dependents.set(ref.uid, set = new Set());
      set.add(uid);
    }
  }

  #emit(event: HistoryEvent): void {
    this.#history.push(event);
    if (this.#history.length >= this.#historyLimit * 2) {
      const drop = this.#history.length - this.#historyLimit;
      this.#compacted = this.#history[drop - 1]!.rv;
      this.#history = this.#history.slice(drop);
    }
    for (const watcher of this.#watchers) watcher.offer(event);
  }

  #persist(record: LogRecord): void {
    const log = this.#log;
    if (log === undefined) return;
    this.#lastWrite = log.append(record);
    if (log.wantsCompaction && !this.#compacting) {
      this.#compacting = true;
      const done = log.compact(() => this.#snapshot()).finally(() => this.#compacting = false);
      this.#lastWrite = done;
    }
  }

  async #persisted(): Promise<void> {
    const last = this.#lastWrite;
    if (last === undefined) return;
    try {
      await last;
    } catch (error) {
      throw new KubeApiError(500, "InternalError", "Cannot persist the embedded store", {
        cause: error,
      });
    }
  }

  #snapshot(): { resourceVersion: number; entries: StoredEntry[] } {
    const entries: StoredEntry[] = [];
    for (const collection of this.#collections.values()) {
      for (const { resource, object } of collection.values()) entries.push({ resource, object });
    }
    return { resourceVersion: this.#rv, entries };
  }

  /** Restores one record of the data directory (no events, no log writes). */
  #replay(record: LogRecord): void {
    if ("put" in record) {
      const { resource, object } = record.put;
      const meta = object.metadata;
      const previous = this.#find(resource, meta.namespace ?? "", meta.name!);
      const collection = collectionKey(resource);
      let objects = this.#collections.get(collection);
      if (objects === undefined) this.#collections.set(collection, objects = new Map());
      const slot = { resource, object };
      objects.set(objectKey(meta.namespace ?? "", meta.name!), slot);
      if (previous !== undefined) this.#byUid.delete(previous.object.metadata.uid!);
      this.#byUid.set(meta.uid!, slot);
      this.#indexOwners(meta.uid!, previous?.object.metadata.ownerReferences, meta.ownerReferences);
      if (previous === undefined && resource.namespaced) {
        this.#namespaceCounts.set(
          meta.namespace!,
          (this.#namespaceCounts.get(meta.namespace!) ?? 0) + 1,
        );
      }
    } else {
      const { resource, namespace, name } = record.del;
      const slot = this.#find(resource, namespace, name);
      if (slot === undefined) return;
      this.#collections.get(collectionKey(resource))?.delete(objectKey(namespace, name));
      this.#byUid.delete(slot.object.metadata.uid!);
      this.#indexOwners(slot.object.metadata.uid!, slot.object.metadata.ownerReferences, undefined);
      if (resource.namespaced) {
        const count = (this.#namespaceCounts.get(namespace) ?? 1) - 1;
        if (count > 0) this.#namespaceCounts.set(namespace, count);
        else this.#namespaceCounts.delete(namespace);
      }
    }
  }
}

const NAMESPACE_RESOURCE: Resource = {
  apiVersion: "v1",
  kind: "Namespace",
  plural: "namespaces",
  namespaced: false,
};

function isWaitingForDependents(object: KubeObject): boolean {
  return object.metadata.deletionTimestamp !== undefined &&
    (object.metadata.finalizers ?? []).includes(FOREGROUND);
}

/** The defaults a real server applies on create, for the kinds we use. */
function defaultOnCreate(resource: Resource, object: KubeObject): void {
  if (resource.apiVersion !== "v1") return;
  switch (resource.kind) {
    case "Namespace":
      object.metadata.labels = {
        ...object.metadata.labels,
        "kubernetes.io/metadata.name": object.metadata.name!,
      };
      object.spec = { finalizers: ["kubernetes"] };
      object.status = { phase: "Active" };
      break;
    case "Secret":
      object.type ??= "Opaque";
      convertStringData(object);
      break;
    case "Pod":
      object.status = { phase: "Pending" };
      break;
  }
}

function defaultOnUpdate(resource: Resource, object: KubeObject, current: KubeObject): void {
  if (resource.apiVersion !== "v1") return;
  if (resource.kind === "Secret") {
    object.type ??= current.type;
    convertStringData(object);
  }
  if (resource.kind === "Namespace") {
    object.spec = structuredClone(current.spec);
    object.metadata.labels = {
      ...object.metadata.labels,
      "kubernetes.io/metadata.name": object.metadata.name!,
    };
  }
}

/** `stringData` is write-only: the API server folds it into `data` (base64). */
function convertStringData(object: KubeObject): void {
  if (!isRecord(object.stringData)) return;
  const data: Record<string, unknown> = isRecord(object.data) ? { ...object.data } : {};
  for (const [key, value] of Object.entries(object.stringData)) {
    data[key] = new TextEncoder().encode(String(value)).toBase64();
  }
  object.data = data;
  delete object.stringData;
}
