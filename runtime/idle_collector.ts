/**
 * Gives memory back once the runtime goes quiet. A sandbox's runtime lives for hours, mostly
 * idle between bursts (a 200 MB upload, 150 MB of command output), and V8 does not collect an
 * idle heap by itself: the buffers of the last burst stay resident. So a second after the last
 * response has been delivered, and only if a request came since the last collection, the
 * collector runs one full garbage collection (V8's `gc`, exposed by `--expose-gc` in
 * `RUNTIME_PERMISSIONS`). With the C library's allocator told to serve large blocks by `mmap`
 * (`RUNTIME_ENV`), the freed buffers then go back to the kernel, and `malloc_trim` returns the
 * free pages left inside the allocator's arenas.
 *
 * Measured on this machine kind (`runtime/envd_parity_bench.ts`): after 150 MB of stdout and a
 * 200 MB file up and down, about 150 MB resident without either, about 75 MB with both; neither
 * alone brings it below 120 MB. `malloc_trim` then took it from 77 to 66 MB (same machine, same
 * hour).
 *
 * An idle pool sandbox that nobody calls never collects (nothing to give back), so it wakes no
 * timer; a busy runtime never pauses for it.
 *
 * @module
 */

import { trimMalloc } from "./libc.ts";

/** What the collector needs from its surroundings, injectable for tests. */
export interface IdleCollectorOptions {
  /** Quiet time after the last response before collecting. @default {1000} */
  delayMs?: number;
  /**
   * The full collection; `undefined` turns the collector off.
   * @default {V8's `gc` when exposed, else none}
   */
  collect?: (() => void) | undefined;
  /** Timers (a test's fake clock). @default {globalThis's} */
  setTimeout?: (fn: () => void, ms: number) => unknown;
  /** Cancels a timer of `setTimeout`. */
  clearTimeout?: (id: unknown) => void;
}

/**
 * V8's `gc()` when the runtime was started with `--expose-gc`, else `undefined`. Two passes,
 * 200 ms apart: the first frees the burst's objects, whose finalizers release the native buffers
 * and resources behind them, which the second pass then frees (one pass left about 105 MB of the
 * 150, two leave about 75; a third changes nothing). Each pass is V8's "last resort" collection,
 * the one V8 runs before it gives up on memory: it also compacts the heap and hands its emptied
 * pages back, where a plain full collection keeps them for the next burst (after a burst that
 * included 300 small writes and a 1,000-entry listing: about 85 MB resident with plain passes,
 * 61 MB with these). It costs the idle runtime a few milliseconds once per burst.
 */
function exposedGc(): (() => void) | undefined {
  const gc = (globalThis as { gc?: unknown }).gc;
  if (typeof gc !== "function") return undefined;
  const collect = gc as (options?: { type: string; execution: string; flavor: string }) => void;
  const pass = () => collect({ type: "major", execution: "sync", flavor: "last-resort" });
  return () => {
    pass();
    Deno.unrefTimer(setTimeout(() => {
      pass();
      trimMalloc();
    }, 200));
  };
}

/** Collects garbage once after each burst of requests; see the module doc. */
export class IdleCollector {
  readonly #delayMs: number;
  readonly #collect: (() => void) | undefined;
  readonly #setTimeout: (fn: () => void, ms: number) => unknown;
  readonly #clearTimeout: (id: unknown) => void;
  #timer: unknown;
  #dirty = false;
  #collections = 0;

  /** A collector with `options`' delay and hooks. */
  constructor(options: IdleCollectorOptions = {}) {
    this.#delayMs = options.delayMs ?? 1000;
    this.#collect = "collect" in options ? options.collect : exposedGc();
    this.#setTimeout = options.setTimeout ?? ((fn, ms) => {
      const id = setTimeout(fn, ms);
      Deno.unrefTimer(id); // a pending collection never keeps a stopping runtime alive
      return id;
    });
    this.#clearTimeout = options.clearTimeout ?? ((id) => clearTimeout(id as number));
  }

  /** How many collections have run (for tests and metrics). */
  get collections(): number {
    return this.#collections;
  }

  /** A request started: the runtime is busy, and there will be something to collect. */
  busy(): void {
    this.#dirty = true;
    if (this.#timer !== undefined) {
      this.#clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  /** No response is in flight any more: collect after the quiet delay, unless busy again. */
  idle(): void {
    if (!this.#dirty || this.#collect === undefined || this.#timer !== undefined) return;
    this.#timer = this.#setTimeout(() => {
      this.#timer = undefined;
      this.#dirty = false;
      this.#collections++;
      this.#collect!();
    }, this.#delayMs);
  }
}
