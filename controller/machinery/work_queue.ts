/**
 * A work queue of keys, as client-go's rate-limited delaying queue: reconcilers are
 * level-triggered, so the queue holds *which* object needs a look, never *what happened* to it.
 *
 * Invariants:
 * - A key is waiting at most once however often it is added (the dirty set).
 * - A key is never handed to two workers at once: a key added while it is being processed is
 *   parked and handed out again after {@linkcode WorkQueue.done} (the processing set).
 * - {@linkcode WorkQueue.addRateLimited} delays a key by a per-key exponential backoff that only
 *   {@linkcode WorkQueue.forget} resets; {@linkcode WorkQueue.addAfter} keeps the earliest of
 *   several pending delays of one key.
 *
 * @module
 */
import { type CancelTimer, type Clock, systemClock } from "@kruise-agents/shared/std";

/** Options of {@linkcode WorkQueue}. */
export interface WorkQueueOptions {
  /** Time source of delays. @default {systemClock} */
  clock?: Clock;
  /** First backoff delay of a failing key, in ms. @default {5} */
  baseDelayMs?: number;
  /** Cap of the backoff delay, in ms. @default {300000} */
  maxDelayMs?: number;
}

interface Waiting {
  at: number;
  cancel: CancelTimer;
}

/** A de-duplicating queue of string keys with delayed and rate-limited adds. */
export class WorkQueue {
  #clock: Clock;
  #baseDelayMs: number;
  #maxDelayMs: number;
  #queue: string[] = [];
  #dirty = new Set<string>();
  #processing = new Set<string>();
  #failures = new Map<string, number>();
  #waiting = new Map<string, Waiting>();
  #getters: ((key: string | undefined) => void)[] = [];
  #shuttingDown = false;

  /** Creates an empty queue. */
  constructor(options: WorkQueueOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#baseDelayMs = options.baseDelayMs ?? 5;
    this.#maxDelayMs = options.maxDelayMs ?? 300_000;
    if (!(this.#baseDelayMs > 0) || !(this.#maxDelayMs >= this.#baseDelayMs)) {
      throw new RangeError(
        `Cannot create a work queue: need 0 < baseDelayMs <= maxDelayMs, got ${this.#baseDelayMs} and ${this.#maxDelayMs}`,
      );
    }
  }

  /** Keys ready to be handed out (not counting delayed or in-process ones). */
  get length(): number {
    return this.#queue.length;
  }

  /** Whether {@linkcode WorkQueue.shutdown} was called. */
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Marks `key` as needing work now. */
  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    const getter = this.#getters.shift();
    if (getter !== undefined) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      getter(key);
      return;
    }
    this.#queue.push(key);
  }

  /** Adds `key` after `ms`; if the key already waits for an earlier time, that time stands. */
  addAfter(key: string, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.#clock.now() + ms;
    const existing = this.#waiting.get(key);
    if (existing !== undefined) {
      if (existing.at <= at) return;
      existing.cancel();
    }
    const cancel = this.#clock.setTimer(() => {
      this.#waiting.delete(key);
      this.add(key);
    }, ms);
    this.#waiting.set(key, { at, cancel });
  }

  /** Adds `key` after its backoff delay (`base * 2^failures`, capped), and counts a failure. */
  addRateLimited(key: string): void {
    this.addAfter(key, this.backoffFor(key));
  }

  /** The delay the next {@linkcode WorkQueue.addRateLimited} of `key` would use, counting it. */
  backoffFor(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    return Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** Math.min(failures, 60));
  }

  /** How many times in a row `key` has failed since it was last forgotten. */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Resets the backoff of `key` (it succeeded, or its failure is not worth retrying). */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /**
   * Waits for a key and marks it as being processed; resolves to `undefined` once the queue is
   * shut down (keys still queued then are dropped: a restarted controller relists anyway). Every key obtained must be passed to {@linkcode WorkQueue.done}.
   */
  get(): Promise<string | undefined> {
    if (this.#shuttingDown) return Promise.resolve(undefined);
    const key = this.#queue.shift();
    if (key !== undefined) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** Ends the processing of `key`; if it was added meanwhile, it is queued again. */
  done(key: string): void {
    this.#processing.delete(key);
    if (!this.#dirty.has(key)) return;
    this.#dirty.delete(key);
    this.add(key);
  }

  /** Stops handing out keys: pending getters get `undefined`, delayed adds are dropped. */
  shutdown(): void {
    this.#shuttingDown = true;
    for (const waiting of this.#waiting.values()) waiting.cancel();
    this.#waiting.clear();
    for (const getter of this.#getters.splice(0)) getter(undefined);
  }
}
