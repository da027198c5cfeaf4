/**
 * Scale expectations: the cure for double-creating from a lagging cache (kubernetes-sigs/
 * agent-sandbox#1215, the ReplicaSet controller's `ControllerExpectations`). A SandboxSet creates
 * Sandboxes with `generateName`, so the API server cannot reject a duplicate; the controller must
 * remember what it asked for until its own watch shows it.
 *
 * Rules the callers keep:
 * - record *before* writing (`expectCreations`, `expectDeletions`), because the watch event may
 *   arrive before the write call returns;
 * - lower in the watch handler, *before* enqueueing the owner, so the reconcile our own write
 *   triggers already sees it (`creationObserved`, `deletionObserved`);
 * - lower on a failed write too (the event will never come);
 * - a record older than the timeout counts as satisfied: a lost event costs one timeout, not a
 *   stuck pool.
 *
 * Creations are counted (names are unknown before the write); deletions are tracked by UID, so
 * an unrelated delete event cannot satisfy them.
 *
 * @module
 */
import { type Clock, systemClock } from "@kruise-agents/shared/std";

/** Options of {@linkcode Expectations}. */
export interface ExpectationsOptions {
  /** Time source for expiry. @default {systemClock} */
  clock?: Clock;
  /** How long a record is trusted, in ms. @default {300000} */
  timeoutMs?: number | undefined;
}

interface Entry {
  creates: number;
  deletes: Set<string>;
  /** When the record was last raised. */
  at: number;
}

/** What a key still waits for. */
export interface Pending {
  /** Creates not yet observed. */
  creates: number;
  /** UIDs whose deletion is not yet observed. */
  deletes: ReadonlySet<string>;
  /** Ms until the record expires and counts as satisfied (0 when nothing is pending). */
  expiresInMs: number;
}

/** Per-owner-key expected creates and deletes. */
export class Expectations {
  #clock: Clock;
  #timeoutMs: number;
  #entries = new Map<string, Entry>();

  /** Creates an empty record. */
  constructor(options: ExpectationsOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#timeoutMs = options.timeoutMs ?? 300_000;
  }

  #entry(key: string): Entry {
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = { creates: 0, deletes: new Set(), at: this.#clock.now() };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  /** Records `count` creates about to be issued for `key`. */
  expectCreations(key: string, count: number): void {
    if (count <= 0) return;
    const entry = this.#entry(key);
    entry.creates += count;
    entry.at = this.#clock.now();
  }

  /** Lowers the expected creates of `key` by one (observed by the watch, or the create failed). */
  creationObserved(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    entry.creates = Math.max(0, entry.creates - 1);
    this.#prune(key, entry);
  }

  /** Records the deletion about to be issued of the object with `uid`, owned by `key`. */
  expectDeletion(key: string, uid: string): void {
    const entry = this.#entry(key);
    entry.deletes.add(uid);
    entry.at = this.#clock.now();
  }

  /** Forgets the expected deletion of `uid` (observed by the watch, or the delete failed). */
  deletionObserved(key: string, uid: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    entry.deletes.delete(uid);
    this.#prune(key, entry);
  }

  /** What `key` still waits for; an expired record is dropped and reported as nothing. */
  pending(key: string): Pending {
    const entry = this.#entries.get(key);
    if (entry === undefined) return { creates: 0, deletes: new Set(), expiresInMs: 0 };
    const left = entry.at + this.#timeoutMs - this.#clock.now();
    if (left <= 0) {
      this.#entries.delete(key);
      return { creates: 0, deletes: new Set(), expiresInMs: 0 };
    }
    return { creates: entry.creates, deletes: new Set(entry.deletes), expiresInMs: left };
  }

  /** Whether nothing is pending for `key` (or its record expired). */
  satisfied(key: string): boolean {
    const pending = this.pending(key);
    return pending.creates === 0 && pending.deletes.size === 0;
  }

  /** Drops everything recorded for `key` (its owner is gone). */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  #prune(key: string, entry: Entry): void {
    if (entry.creates === 0 && entry.deletes.size === 0) this.#entries.delete(key);
  }
}
