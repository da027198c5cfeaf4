/**
 * Deletion and garbage collection in the embedded store: finalizers, the three propagation
 * policies, ownerReference garbage collection and namespace termination. Every update goes through
 * here too, because removing the last finalizer or an ownerReference can complete a deletion.
 *
 * Invariants:
 * - It all runs synchronously inside the write that causes it, instead of in a background
 *   controller: when the write returns, no stored object has lost all its owners (by
 *   ownerReference uid), unless it waits on its own finalizers. Tests against a real cluster poll
 *   for the same end state.
 * - An object with finalizers is only marked (`deletionTimestamp`, never moved back); it is
 *   removed by the update that takes its last finalizer away.
 * - A Pod on a node is marked Terminating for its grace period (`_graceful_deletion.ts`) and
 *   removed by a later delete with grace 0 (its kubelet's); a write in between does not remove it.
 * - `Foreground`: the owner keeps the `foregroundDeletion` finalizer until no dependent remains;
 *   `Orphan`: the dependents lose their reference to it first; `Background`: they are collected
 *   once it is gone.
 * - A terminating Namespace refuses new content (checked on create), deletes what it holds, and
 *   is removed once it is empty and has no finalizers.
 *
 * @module
 */
import { updatedObject } from "./_defaulting.ts";
import { gracefulDeletion } from "./_graceful_deletion.ts";
import type { ObjectTable, Slot } from "./_object_table.ts";
import type { DeleteOptions, KubeObject } from "./client.ts";
import type { OwnerReference } from "../api/meta.ts";
import type { Clock } from "../std/clock.ts";
import { deepEqual, isRecord } from "../std/json.ts";
import { rfc3339Seconds } from "../std/time.ts";

/** How dependents are treated when their owner is deleted. */
export type PropagationPolicy = NonNullable<DeleteOptions["propagationPolicy"]>;

const FOREGROUND = "foregroundDeletion";

/** Commits updates and deletions with their consequences, as the API server and the GC do. */
export class GarbageCollector {
  readonly #table: ObjectTable;
  readonly #clock: Clock;

  /** A collector of `table`'s objects; `clock` stamps `deletionTimestamp`. */
  constructor(table: ObjectTable, clock: Clock) {
    this.#table = table;
    this.#clock = clock;
  }

  /**
   * Commits `next` as the new state of `slot` (server-owned metadata is taken from the stored
   * object). Returns what was stored, the stored object itself when nothing changed, or the last
   * state if the object was removed because its last finalizer went.
   */
  update(slot: Slot, next: KubeObject): KubeObject {
    const { resource, object: current } = slot;
    const stored = updatedObject(resource, current, next);
    if (deepEqual(stored, current)) return current;
    const meta = stored.metadata;
    // A write that leaves a deleted object without finalizers completes its deletion, unless a
    // grace period is still running (a Terminating Pod: its kubelet confirms with grace 0).
    if (
      meta.deletionTimestamp !== undefined && (meta.finalizers ?? []).length === 0 &&
      (meta.deletionGracePeriodSeconds ?? 0) === 0
    ) {
      this.#remove(slot, stored);
      return stored;
    }
    this.#table.commitPut(resource, stored, slot);
    this.collectIfOrphaned(meta.uid!);
    this.#recheckOwners(current.metadata.ownerReferences);
    return stored;
  }

  /**
   * Deletes `slot`, or marks it with `deletionTimestamp` while finalizers, content or a grace
   * period (a Pod on a node, see `_graceful_deletion.ts`) hold it. `gracePeriodSeconds` is the
   * request's; absent, a Pod's own applies.
   */
  delete(slot: Slot, policy: PropagationPolicy, gracePeriodSeconds?: number): void {
    const { resource, object } = slot;
    const meta = object.metadata;
    const graceful = gracefulDeletion(resource, object, gracePeriodSeconds, this.#clock.now());
    // A deletion already pending takes no new options, as on the API server.
    if (graceful.kind === "pending") return;
    if (policy === "Orphan") this.#orphanDependents(meta.uid!);
    const finalizers = [...(meta.finalizers ?? [])];
    if (policy === "Foreground" && !finalizers.includes(FOREGROUND)) finalizers.push(FOREGROUND);
    const holdsNamespace = resource.kind === "Namespace" && !resource.namespaced;
    const mark = graceful.kind === "mark" ? graceful : undefined;
    const waits = (mark?.deletionGracePeriodSeconds ?? 0) > 0;
    if (
      finalizers.length === 0 && !waits && !(holdsNamespace && this.#table.hasContent(meta.name!))
    ) {
      this.#remove(slot, object);
      return;
    }
    if (
      meta.deletionTimestamp === undefined || mark !== undefined ||
      finalizers.length !== (meta.finalizers ?? []).length
    ) {
      this.#mark(slot, finalizers, holdsNamespace, mark);
    }
    if (policy === "Foreground") this.#finishForeground(meta.uid!);
    if (holdsNamespace) this.#emptyNamespace(meta.name!);
  }

  /** Garbage collection of one object, as kube-controller-manager's `attemptToDeleteItem`. */
  collectIfOrphaned(uid: string): void {
    const slot = this.#table.byUid(uid);
    const refs = slot?.object.metadata.ownerReferences ?? [];
    if (slot === undefined || refs.length === 0) return;
    const solid: OwnerReference[] = [];
    const absent: OwnerReference[] = [];
    let waiting = false;
    for (const ref of refs) {
      const owner = this.#table.byUid(ref.uid);
      if (owner === undefined) absent.push(ref);
      else if (isWaitingForDependents(owner.object)) {
        absent.push(ref);
        waiting = true;
      } else solid.push(ref);
    }
    if (absent.length === 0) return;
    if (solid.length > 0) {
      // Some owner remains: only the references to absent owners go.
      this.#setOwners(slot, solid);
      return;
    }
    // Already being deleted: its own finalizers decide; asking again would change nothing.
    if (slot.object.metadata.deletionTimestamp !== undefined) return;
    this.delete(slot, waiting ? "Foreground" : "Background");
  }

  /**
   * The deletion mark: `deletionTimestamp` (and the grace period: `grace`'s, else 0), the
   * finalizers to wait for, a terminating phase.
   */
  #mark(
    slot: Slot,
    finalizers: string[],
    holdsNamespace: boolean,
    grace?: { deletionTimestamp: string; deletionGracePeriodSeconds: number },
  ): void {
    const { resource, object } = slot;
    const next = structuredClone(object);
    if (grace !== undefined) Object.assign(next.metadata, grace);
    next.metadata.deletionTimestamp ??= rfc3339Seconds(this.#clock.now());
    next.metadata.deletionGracePeriodSeconds ??= 0;
    if (finalizers.length > 0) next.metadata.finalizers = finalizers;
    if (next.metadata.generation !== undefined && object.metadata.deletionTimestamp === undefined) {
      next.metadata.generation++;
    }
    if (holdsNamespace) {
      next.status = { ...(isRecord(next.status) ? next.status : {}), phase: "Terminating" };
    }
    this.#table.commitPut(resource, next, slot);
  }

  /** Removes `slot` (its last state: `last`), then collects what depended on it. */
  #remove(slot: Slot, last: KubeObject): void {
    this.#table.commitRemove(slot, last);
    const meta = last.metadata;
    for (const dependent of this.#table.dependentsOf(meta.uid!)) {
      this.collectIfOrphaned(dependent);
    }
    this.#recheckOwners(slot.object.metadata.ownerReferences);
    if (slot.resource.namespaced) this.#finishNamespace(meta.namespace!);
  }

  /** The `Orphan` policy: every dependent of `uid` drops its reference to it. */
  #orphanDependents(uid: string): void {
    for (const dependentUid of this.#table.dependentsOf(uid)) {
      const dependent = this.#table.byUid(dependentUid);
      if (dependent === undefined) continue;
      const refs = (dependent.object.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
      this.#setOwners(dependent, refs);
    }
  }

  #setOwners(slot: Slot, ownerReferences: OwnerReference[]): void {
    this.update(slot, {
      ...structuredClone(slot.object),
      metadata: { ...structuredClone(slot.object.metadata), ownerReferences },
    });
  }

  /** Deletes everything in a terminating namespace; removes the namespace once it is empty. */
  #emptyNamespace(namespace: string): void {
    for (const slot of this.#table.inNamespace(namespace)) {
      if (slot.object.metadata.deletionTimestamp === undefined) this.delete(slot, "Background");
    }
    this.#finishNamespace(namespace);
  }

  #finishNamespace(namespace: string): void {
    const slot = this.#table.namespace(namespace);
    if (slot?.object.metadata.deletionTimestamp === undefined) return;
    if (this.#table.hasContent(namespace)) return;
    if ((slot.object.metadata.finalizers ?? []).length > 0) return;
    this.#remove(slot, slot.object);
  }

  /** Removes the `foregroundDeletion` finalizer of `uid` once no dependent remains. */
  #finishForeground(uid: string): void {
    for (const dependent of this.#table.dependentsOf(uid)) this.collectIfOrphaned(dependent);
    const slot = this.#table.byUid(uid);
    if (slot === undefined || !isWaitingForDependents(slot.object)) return;
    if (this.#table.dependentsOf(uid).length > 0) return;
    const next = structuredClone(slot.object);
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== FOREGROUND);
    this.update(slot, next);
  }

  /** Lets owners in foreground deletion finish once a dependent stops naming them. */
  #recheckOwners(refs: OwnerReference[] | undefined): void {
    for (const ref of refs ?? []) {
      const owner = this.#table.byUid(ref.uid);
      if (owner !== undefined && isWaitingForDependents(owner.object)) {
        this.#finishForeground(ref.uid);
      }
    }
  }
}

function isWaitingForDependents(object: KubeObject): boolean {
  return object.metadata.deletionTimestamp !== undefined &&
    (object.metadata.finalizers ?? []).includes(FOREGROUND);
}
