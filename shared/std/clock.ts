/**
 * Time as every program sees it. Deadlines, backoffs, delayed requeues and watch deadlines go
 * through a {@linkcode Clock}, so tests drive time with {@linkcode ManualClock} instead of
 * sleeping, and a reconciler's "is `spec.shutdownTime` past?" uses the same notion of now as the
 * timers that wake it.
 *
 * @module
 */

/**
 * Cancels a timer set by {@linkcode Clock.setTimer}; calling it after the timer fired is a no-op.
 *
 * @example
 * ```ts
 * import { type CancelTimer, systemClock } from "@kruise-agents/shared/std";
 * const cancel: CancelTimer = systemClock.setTimer(() => console.log("never"), 60_000);
 * cancel(); // the timer will not fire; calling it again is a no-op
 * ```
 */
export type CancelTimer = () => void;

/**
 * Reads the time and sets one-shot timers.
 *
 * @example
 * ```ts
 * import type { Clock } from "@kruise-agents/shared/std";
 * function expired(clock: Clock, deadline: string): boolean {
 *   return Date.parse(deadline) <= clock.now();
 * }
 * ```
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `callback` once, `ms` milliseconds from now (a non-positive `ms` means "soon"). */
  setTimer(callback: () => void, ms: number): CancelTimer;
}

/**
 * The wall clock and `setTimeout`.
 *
 * @example
 * ```ts
 * import { systemClock } from "@kruise-agents/shared/std";
 * const started = systemClock.now();
 * await new Promise<void>((resolve) => systemClock.setTimer(resolve, 10));
 * console.log(systemClock.now() - started >= 10);
 * ```
 */
export const systemClock: Clock = {
  now(): number {
    return Date.now();
  },
  setTimer(callback: () => void, ms: number): CancelTimer {
    const id = setTimeout(callback, Math.max(0, ms));
    return () => clearTimeout(id);
  },
};

interface PendingTimer {
  at: number;
  seq: number;
  callback: () => void;
}

/**
 * A clock that moves only when told to, for tests: {@linkcode ManualClock.advance} fires every
 * timer that falls due, in due order. Timers set for "now or earlier" still wait for an
 * `advance` (of 0 or more), so a test decides when they run.
 *
 * @example
 * ```ts
 * import { ManualClock } from "@kruise-agents/shared/std";
 * const clock = new ManualClock(0);
 * let fired = false;
 * clock.setTimer(() => fired = true, 1000);
 * clock.advance(999);
 * clock.advance(1); // fired is now true
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers = new Set<PendingTimer>();

  /** Starts at `start` ms since the epoch. @default {Date.UTC(2030, 0, 1)} */
  constructor(start: number = Date.UTC(2030, 0, 1)) {
    this.#now = start;
  }

  /** The current manual time. */
  now(): number {
    return this.#now;
  }

  /** Registers a timer due at `now() + ms`. */
  setTimer(callback: () => void, ms: number): CancelTimer {
    const timer: PendingTimer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, callback };
    this.#timers.add(timer);
    return () => {
      this.#timers.delete(timer);
    };
  }

  /** How many timers are waiting. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms` and fires the timers that fall due, earliest first. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`Cannot advance the clock by a negative amount: ${ms}`);
    const target = this.#now + ms;
    for (;;) {
      let next: PendingTimer | undefined;
      for (const timer of this.#timers) {
        if (timer.at > target) continue;
        if (
          next === undefined || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq)
        ) {
          next = timer;
        }
      }
      if (next === undefined) break;
      this.#timers.delete(next);
      this.#now = Math.max(this.#now, next.at);
      next.callback();
    }
    this.#now = target;
  }
}
