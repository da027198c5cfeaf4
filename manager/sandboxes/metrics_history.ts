/**
 * A short history of each sandbox's metrics, as E2B's metrics route returns (samples between
 * `start` and `end`). The runtime's `GET /metrics` only knows "now", so the manager samples it.
 *
 * Whom it samples: only sandboxes someone asked metrics of in the last `watchMs` (10 minutes by
 * default), every `intervalMs` (5 s, E2B's collection interval), and once on demand when a request
 * finds the last sample older than that (so the first request already gets a point). Sampling
 * every sandbox all the time would cost one request per sandbox per interval on every replica,
 * mostly for sandboxes nobody looks at; the price of this choice is that a history starts at the
 * first metrics request, and each replica keeps its own.
 *
 * Memory is bounded: at most `maxSamples` samples per sandbox (an hour at the defaults) and
 * `maxSandboxes` sandboxes (the least recently asked one is dropped first). A sandbox that is
 * gone, or not asked about for `watchMs`, is dropped with its history.
 *
 * @module
 */
import type { Sandbox } from "@kruise-agents/shared/api";
import {
  type CancelTimer,
  type Clock,
  errorMessage,
  type Logger,
  silentLogger,
} from "@kruise-agents/shared/std";
import { e2bState, isServing, sandboxIdOf } from "./state.ts";

/** E2B's `SandboxMetric`. */
export interface MetricSample {
  /** RFC 3339 (deprecated by E2B but required by the Python SDK). */
  timestamp: string;
  /** Unix seconds. */
  timestampUnix: number;
  /** CPUs. */
  cpuCount: number;
  /** CPU use, percent. */
  cpuUsedPct: number;
  /** Memory used, bytes. */
  memUsed: number;
  /** Memory total, bytes. */
  memTotal: number;
  /** Page cache, bytes. */
  memCache: number;
  /** Disk used, bytes. */
  diskUsed: number;
  /** Disk total, bytes. */
  diskTotal: number;
}

/** Options of {@linkcode MetricsHistory}. */
export interface MetricsHistoryOptions {
  /** Reads one sample from the sandbox's runtime. */
  sample(sandbox: Sandbox, signal: AbortSignal): Promise<MetricSample>;
  /** The current object of sandbox `id` (the cache), or `undefined` once it is gone. */
  lookup(id: string): Sandbox | undefined;
  /** Time and timers. */
  clock: Clock;
  /** Time between samples, ms. @default {5000} */
  intervalMs?: number | undefined;
  /** How long a sandbox is sampled after the last request for its metrics, ms. @default {600000} */
  watchMs?: number | undefined;
  /** Samples kept per sandbox. @default {720} */
  maxSamples?: number | undefined;
  /** Sandboxes sampled at once. @default {1000} */
  maxSandboxes?: number | undefined;
  /** Where failed samples are reported (once per run of failures). @default {silentLogger} */
  logger?: Logger | undefined;
}

/** An inclusive range of Unix seconds; an absent end is open. */
export interface MetricsRange {
  /** First second. */
  start?: number | undefined;
  /** Last second. */
  end?: number | undefined;
}

interface Entry {
  samples: MetricSample[];
  /** When the last sample was taken (clock ms), or -Infinity. */
  sampledAt: number;
  /** When metrics were last asked for (clock ms). */
  askedAt: number;
  /** A sample being taken. */
  pending?: Promise<void> | undefined;
  /** Whether the last sample failed (so a run of failures is logged once). */
  failing: boolean;
}

/** The metrics samples of recently watched sandboxes. */
export class MetricsHistory implements Disposable {
  readonly #options: MetricsHistoryOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #stop = new AbortController();
  #cancelTimer: CancelTimer | undefined;

  /** Creates an empty history; it samples nothing until asked. */
  constructor(options: MetricsHistoryOptions) {
    this.#options = options;
  }

  get #intervalMs(): number {
    return this.#options.intervalMs ?? 5000;
  }

  /** How many sandboxes are watched. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The samples of `sandbox` within `range`, oldest first, after taking a fresh one if the last
   * is older than the interval and the sandbox is serving. Marks it watched. A failed sample is
   * logged and the history returned without it: metrics are best effort, as E2B's are.
   */
  async range(
    sandbox: Sandbox,
    range: MetricsRange,
    signal?: AbortSignal,
  ): Promise<MetricSample[]> {
    const entry = await this.#fresh(sandbox, signal);
    const start = range.start ?? -Infinity, end = range.end ?? Infinity;
    return entry.samples.filter((s) => s.timestampUnix >= start && s.timestampUnix <= end);
  }

  /** The latest sample of `sandbox` (taken now if stale), or `undefined` if there is none. */
  async latest(sandbox: Sandbox, signal?: AbortSignal): Promise<MetricSample | undefined> {
    return (await this.#fresh(sandbox, signal)).samples.at(-1);
  }

  /** Drops sandbox `id` and its history. */
  forget(id: string): void {
    this.#entries.delete(id);
  }

  async #fresh(sandbox: Sandbox, signal?: AbortSignal): Promise<Entry> {
    const id = sandboxIdOf(sandbox);
    const now = this.#options.clock.now();
    let entry = this.#entries.get(id);
    if (entry === undefined) {
      entry = { samples: [], sampledAt: -Infinity, askedAt: now, failing: false };
      this.#admit(id, entry);
    }
    entry.askedAt = now;
    this.#schedule();
    if (now - entry.sampledAt >= this.#intervalMs && isServing(sandbox, now)) {
      const taking = this.#take(id, entry, sandbox);
      await (signal ? abortable(taking, signal) : taking);
    }
    return entry;
  }

  /** Adds an entry, dropping the least recently asked one when full. */
  #admit(id: string, entry: Entry): void {
    const max = this.#options.maxSandboxes ?? 1000;
    while (this.#entries.size >= max) {
      let oldest: [string, Entry] | undefined;
      for (const e of this.#entries) if (!oldest || e[1].askedAt < oldest[1].askedAt) oldest = e;
      if (!oldest) break;
      this.#entries.delete(oldest[0]);
    }
    this.#entries.set(id, entry);
  }

  /** Takes one sample into `entry`; concurrent callers share it; never rejects. */
  #take(id: string, entry: Entry, sandbox: Sandbox): Promise<void> {
    entry.pending ??= (async () => {
      try {
        const sample = await this.#options.sample(sandbox, this.#stop.signal);
        entry.sampledAt = this.#options.clock.now();
        const last = entry.samples.at(-1);
        if (last && last.timestampUnix === sample.timestampUnix) entry.samples.pop();
        entry.samples.push(sample);
        const excess = entry.samples.length - (this.#options.maxSamples ?? 720);
        if (excess > 0) entry.samples.splice(0, excess);
        entry.failing = false;
      } catch (error) {
        if (!entry.failing && !this.#stop.signal.aborted) {
          (this.#options.logger ?? silentLogger).warn("cannot sample sandbox metrics", {
            sandbox: id,
            error: errorMessage(error),
          });
        }
        entry.failing = true;
      } finally {
        entry.pending = undefined;
      }
    })();
    return entry.pending;
  }

  #schedule(): void {
    if (this.#cancelTimer || this.#stop.signal.aborted) return;
    this.#cancelTimer = this.#options.clock.setTimer(() => {
      this.#cancelTimer = undefined;
      void this.#tick().finally(() => {
        if (this.#entries.size > 0) this.#schedule();
      });
    }, this.#intervalMs);
  }

  /** One round: drop what is gone or unwatched, sample what is serving. */
  async #tick(): Promise<void> {
    const now = this.#options.clock.now();
    const watchMs = this.#options.watchMs ?? 600_000;
    const takes: Promise<void>[] = [];
    for (const [id, entry] of this.#entries) {
      const sandbox = this.#options.lookup(id);
      if (!sandbox || e2bState(sandbox, now) === "gone" || now - entry.askedAt > watchMs) {
        this.#entries.delete(id);
      } else if (isServing(sandbox, now)) {
        takes.push(this.#take(id, entry, sandbox));
      }
    }
    await Promise.all(takes);
  }

  /** Stops sampling and drops every history. */
  [Symbol.dispose](): void {
    this.#stop.abort();
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#entries.clear();
  }
}

/** `promise`, or a rejection as soon as `signal` aborts (the promise itself runs on). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
