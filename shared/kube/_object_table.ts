/**
 * The storage of the embedded store: every object by collection and key, the indexes derived from
 * them, the resourceVersion counter, and the data directory that persists them.
 *
 * Invariants:
 * - The indexes (by uid, owner uid → dependents, namespace → object count) describe exactly the
 *   stored objects: they change only together with the collections, in one private put or remove
 *   that commits and replay share.
 * - Every commit takes the next resourceVersion, then hands its event to the watch sink and its
 *   record to the data log, in commit order. A committed object is never mutated again.
 * - Keys within a collection are {@linkcode keyOf}`(namespace, name)`, with the namespace `""`
 *   for cluster-scoped objects (their collections hold nothing else).
 *
 * @module
 */
import { DataLog, type LogRecord, type StoredEntry } from "./_data_log.ts";
import type { HistoryEvent } from "./_watcher.ts";
import { KubeApiError, type KubeObject, NAMESPACES, type Resource } from "./client.ts";
import { keyOf } from "./object_key.ts";
import type { OwnerReference } from "../api/meta.ts";

/** One stored object with the collection it belongs to. Replaced, never changed, on a write. */
export interface Slot {
  /** The collection. */
  resource: Resource;
  /** The object as stored. */
  object: KubeObject;
}

/** Where committed changes go besides the table: the watch fan-out. */
export interface CommitSink {
  /** Called once per commit, in commit order. */
  emit(event: HistoryEvent): void;
}

/** `sandboxes.agents.kruise.io`-style key of a collection. */
export function collectionKey(resource: Resource): string {
  return `${resource.plural}.${resource.apiVersion}`;
}

/** The objects, their indexes and the resourceVersion counter, persisted when a log is given. */
export class ObjectTable {
  readonly #collections = new Map<string, Map<string, Slot>>();
  readonly #byUid = new Map<string, Slot>();
  /** owner uid -> uids of the objects naming it in ownerReferences */
  readonly #dependents = new Map<string, Set<string>>();
  /** namespace -> number of namespaced objects in it (absent when none) */
  readonly #namespaceCounts = new Map<string, number>();
  readonly #sink: CommitSink;
  readonly #log: DataLog | undefined;
  #rv: number;
  #lastWrite: Promise<void> | undefined;
  #compacting = false;

  /** An empty table at resourceVersion `rv`, committing to `sink` and (when given) `log`. */
  constructor(sink: CommitSink, log: DataLog | undefined, rv: number) {
    this.#sink = sink;
    this.#log = log;
    this.#rv = rv;
  }

  /** The resourceVersion of the last committed write. */
  get resourceVersion(): number {
    return this.#rv;
  }

  /**
   * Restores what {@linkcode DataLog.open} recovered (no events, no log writes), then compacts
   * the log into a fresh snapshot.
   */
  async restore(records: LogRecord[]): Promise<void> {
    for (const record of records) this.#replay(record);
    await this.#log?.compact(() => this.#snapshot());
  }

  /** The object `name` in `namespace` (ignored for cluster-scoped resources), if stored. */
  find(resource: Resource, namespace: string, name: string): Slot | undefined {
    const ns = resource.namespaced ? namespace : "";
    return this.#collections.get(collectionKey(resource))?.get(keyOf(ns, name));
  }

  /** The `Namespace` object `name`, if stored. */
  namespace(name: string): Slot | undefined {
    return this.find(NAMESPACES, "", name);
  }

  /** The object with `uid`, if stored. */
  byUid(uid: string): Slot | undefined {
    return this.#byUid.get(uid);
  }

  /** The uids of the stored objects naming `uid` as an owner (a copy). */
  dependentsOf(uid: string): string[] {
    return [...(this.#dependents.get(uid) ?? [])];
  }

  /** Whether any namespaced object is stored in `namespace`. */
  hasContent(namespace: string): boolean {
    return (this.#namespaceCounts.get(namespace) ?? 0) > 0;
  }

  /** The objects of a collection, in no particular order (a copy). */
  slotsOf(collection: string): Slot[] {
    return [...(this.#collections.get(collection)?.values() ?? [])];
  }

  /** The objects of `resource` sorted by key (namespace, then name). */
  sorted(resource: Resource): Slot[] {
    const objects = this.#collections.get(collectionKey(resource));
    if (objects === undefined) return [];
    return [...objects.keys()].sort().map((key) => objects.get(key)!);
  }

  /** The namespaced objects in `namespace`, each collection read as it stood when reached. */
  *inNamespace(namespace: string): Generator<Slot> {
    for (const collection of this.#collections.values()) {
      for (const slot of [...collection.values()]) {
        if (slot.resource.namespaced && slot.object.metadata.namespace === namespace) yield slot;
      }
    }
  }

  /** Stores `object` (at a fresh resourceVersion) in place of `previous`; emits and persists. */
  commitPut(resource: Resource, object: KubeObject, previous: Slot | undefined): void {
    const rv = ++this.#rv;
    object.metadata.resourceVersion = String(rv);
    this.#put({ resource, object }, previous);
    this.#sink.emit({
      rv,
      collection: collectionKey(resource),
      type: previous === undefined ? "ADDED" : "MODIFIED",
      object,
      previous: previous?.object,
    });
    this.#persist({ rv, put: { resource, object } });
  }

  /** Removes `slot` (its last state: `last`, which keeps its name and uid); emits and persists. */
  commitRemove(slot: Slot, last: KubeObject): void {
    const rv = ++this.#rv;
    const { resource } = slot;
    const object: KubeObject = {
      ...last,
      metadata: { ...last.metadata, resourceVersion: String(rv) },
    };
    this.#remove(slot);
    this.#sink.emit({ rv, collection: collectionKey(resource), type: "DELETED", object });
    const meta = object.metadata;
    this.#persist({ rv, del: { resource, namespace: meta.namespace ?? "", name: meta.name! } });
  }

  /** Resolves once every committed write is on disk (a 500 `InternalError` if one failed). */
  async persisted(): Promise<void> {
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

  /** Flushes and closes the data log. */
  async close(): Promise<void> {
    await this.#log?.close();
  }

  #put(slot: Slot, previous: Slot | undefined): void {
    const meta = slot.object.metadata;
    const collection = collectionKey(slot.resource);
    let objects = this.#collections.get(collection);
    if (objects === undefined) this.#collections.set(collection, objects = new Map());
    objects.set(keyOf(meta.namespace ?? "", meta.name!), slot);
    if (previous !== undefined) this.#byUid.delete(previous.object.metadata.uid!);
    this.#byUid.set(meta.uid!, slot);
    this.#indexOwners(meta.uid!, previous?.object.metadata.ownerReferences, meta.ownerReferences);
    if (previous === undefined && slot.resource.namespaced) this.#count(meta.namespace!, 1);
  }

  #remove(slot: Slot): void {
    const meta = slot.object.metadata;
    const collection = this.#collections.get(collectionKey(slot.resource));
    collection?.delete(keyOf(meta.namespace ?? "", meta.name!));
    this.#byUid.delete(meta.uid!);
    this.#indexOwners(meta.uid!, meta.ownerReferences, undefined);
    if (slot.resource.namespaced) this.#count(meta.namespace!, -1);
  }

  #count(namespace: string, delta: 1 | -1): void {
    const count = (this.#namespaceCounts.get(namespace) ?? (delta > 0 ? 0 : 1)) + delta;
    if (count > 0) this.#namespaceCounts.set(namespace, count);
    else this.#namespaceCounts.delete(namespace);
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
      this.#put({ resource, object }, this.find(resource, meta.namespace ?? "", meta.name!));
      return;
    }
    const { resource, namespace, name } = record.del;
    const slot = this.find(resource, namespace, name);
    if (slot !== undefined) this.#remove(slot);
  }
}
