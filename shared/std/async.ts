/**
 * Waiting: {@linkcode delay} is the one sleep of the code base. It runs on an injected
 * {@linkcode Clock} when given one, so code under test waits on a `ManualClock`, and it rejects
 * with the signal's reason when aborted, so a loop that sleeps between retries ends at once when
 * its owner stops. A stand-in for `@std/async/delay`, which is on JSR and unreachable here.
 *
 * @module
 */
import { type Clock, systemClock } from "./clock.ts";

/**
 * Options of {@linkcode delay}.
 *
 * @example
 * ```ts
 * import { delay, type DelayOptions, ManualClock } from "@kruise-agents/shared/std";
 * const clock = new ManualClock();
 * const options: DelayOptions = { clock, signal: AbortSignal.timeout(1000) };
 * const waited = delay(5000, options);
 * clock.advance(5000); // the delay resolves without real waiting
 * await waited;
 * ```
 */
export interface DelayOptions {
  /** Rejects the wait with its reason when aborted. */
  signal?: AbortSignal | undefined;
  /** Whose time passes. @default {systemClock} */
  clock?: Clock | undefined;
}

/**
 * Resolves after `ms` milliseconds (of `options.clock` time), or rejects with the signal's reason
 * when `options.signal` aborts first.
 *
 * @example
 * ```ts
 * import { delay } from "@kruise-agents/shared/std";
 * await delay(10);
 * ```
 */
export function delay(ms: number, options: DelayOptions = {}): Promise<void> {
  const { signal } = options;
  const clock = options.clock ?? systemClock;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      cancel();
      reject(signal?.reason);
    };
    const cancel = clock.setTimer(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Like {@linkcode delay}, but an abort ends the wait quietly (resolves) instead of rejecting: for
 * loops that check their signal right after sleeping.
 *
 * @example
 * ```ts
 * import { pause } from "@kruise-agents/shared/std";
 * await pause(10, { signal: AbortSignal.abort() }); // returns at once
 * ```
 */
export async function pause(ms: number, options: DelayOptions = {}): Promise<void> {
  try {
    await delay(ms, options);
  } catch (error) {
    if (!options.signal?.aborted) throw error;
  }
}

/**
 * Options of {@linkcode poll}.
 *
 * @example
 * ```ts
 * import { poll, type PollOptions } from "@kruise-agents/shared/std";
 * const options: PollOptions = { timeoutMs: 1000, intervalMs: 10 };
 * const started = Date.now();
 * const probe = () => (Date.now() - started >= 30 ? "ready" : undefined);
 * console.log(await poll("the probe", probe, options)); // "ready"
 * ```
 */
export interface PollOptions extends DelayOptions {
  /** Give up after this long, in ms. @default {10000} */
  timeoutMs?: number;
  /** Wait between probes, in ms. @default {20} */
  intervalMs?: number;
}

/**
 * Calls `probe` until it returns something other than `undefined`, and returns that; throws a
 * `TimeoutError` `DOMException` naming `what` after `options.timeoutMs`. For waiting on things
 * outside the program (a process to appear, a port to answer) that no event announces.
 *
 * @example
 * ```ts
 * import { poll } from "@kruise-agents/shared/std";
 * let n = 0;
 * const three = await poll("n to reach 3", () => ++n >= 3 ? n : undefined);
 * ```
 */
export async function poll<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  options: PollOptions = {},
): Promise<T> {
  const clock = options.clock ?? systemClock;
  const deadline = clock.now() + (options.timeoutMs ?? 10_000);
  while (true) {
    const value = await probe();
    if (value !== undefined) return value;
    if (clock.now() > deadline) {
      throw new DOMException(`Timed out waiting for ${what}`, "TimeoutError");
    }
    await delay(options.intervalMs ?? 20, options);
  }
}

/**
 * Runs `fn` on every item with at most `limit` calls in flight, and settles them all: one
 * failure neither stops the others nor loses their results. For tear-downs where each item is
 * slow on its own (a container's kill, network and unmount take a few hundred ms) and a deadline
 * covers the whole set, so one at a time would not fit in it and all at once would swamp the host.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { settleEach } from "@kruise-agents/shared/std";
 * const results = await settleEach([1, 2, 3], 2, async (n) => n * 2);
 * assert.deepEqual(results.map((r) => r.status), ["fulfilled", "fulfilled", "fulfilled"]);
 * ```
 */
export async function settleEach<T, R>(
  items: Iterable<T>,
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const list = [...items];
  const results: PromiseSettledResult<R>[] = new Array(list.length);
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const i = next++;
      try {
        results[i] = { status: "fulfilled", value: await fn(list[i]!) };
      } catch (reason) {
        results[i] = { status: "rejected", reason };
      }
    }
  };
  const workers = Math.max(1, Math.min(limit, list.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}
