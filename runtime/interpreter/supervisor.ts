/**
 * Keeps one child process running: when it dies, it is cleaned up and a new one is started, after
 * a delay that grows while it keeps dying. This is what the systemd units of E2B's template do for
 * Jupyter Server (`Restart=on-failure`, `RestartSec=2`): a sandbox whose Jupyter Server was
 * killed (by a user's `kill`, by the OOM killer) answers the next `run_code` on a new server
 * rather than failing until it is recreated.
 *
 * The supervisor knows nothing about Jupyter: it starts what `start()` gives, watches `exited`,
 * and disposes. The process being started is the injected edge, so tests supervise a real child
 * process that they kill.
 *
 * @module
 */
import { delay } from "@kruise-agents/shared/std";

/** What a supervisor can keep running. */
export interface Supervised extends AsyncDisposable {
  /** Settles when the process ended, for whatever reason. */
  readonly exited: Promise<unknown>;
}

/**
 * Where the supervised process is: `starting` (the first start), `running`, `restarting` (it
 * died; a replacement is on its way), `failed` (the first start failed; the next
 * {@linkcode Supervisor.current} tries again) or `stopped` (disposed).
 */
export type SupervisorState = "starting" | "running" | "restarting" | "failed" | "stopped";

/** Options of {@linkcode Supervisor}. */
export interface SupervisorOptions<T extends Supervised> {
  /** Starts the process; resolves once it is ready for use. */
  start(): Promise<T>;
  /** Called with each replacement once it runs (not with the first process). */
  onRestart?: ((process: T) => void) | undefined;
  /**
   * Delay before the first restart; it doubles with each further death or failed start that comes
   * before a replacement ran for `stableMs`.
   * @default {500}
   */
  restartDelayMs?: number | undefined;
  /**
   * Longest delay between restarts.
   * @default {10000}
   */
  maxRestartDelayMs?: number | undefined;
  /**
   * How long a process must run for its death to count as a first failure again.
   * @default {30000}
   */
  stableMs?: number | undefined;
}

/** Keeps one process of type `T` running; dispose it to stop it for good. */
export class Supervisor<T extends Supervised> implements AsyncDisposable {
  readonly #options: SupervisorOptions<T>;
  readonly #stop = new AbortController();
  /** The latest start attempt; callers of `current()` wait for it. */
  #current: Promise<T>;
  #state: SupervisorState = "starting";
  #restarts = 0;
  /** Deaths and failed starts since a process last ran for `stableMs`. */
  #streak = 0;
  readonly #cleanups = new Set<Promise<void>>();

  /** Starts the first process at once. */
  constructor(options: SupervisorOptions<T>) {
    this.#options = options;
    this.#current = this.#attempt(0, false);
  }

  /** Where the process is (see {@linkcode SupervisorState}). */
  get state(): SupervisorState {
    return this.#state;
  }

  /** How many times the process was replaced after it died. */
  get restarts(): number {
    return this.#restarts;
  }

  /**
   * The running process, or the one being started. Rejects when that start fails; after a failed
   * first start, each call tries again.
   */
  current(): Promise<T> {
    if (this.#state === "stopped") {
      return Promise.reject(new Error("Cannot use the process: its supervisor is stopped"));
    }
    if (this.#state === "failed") this.#current = this.#attempt(0, false);
    return this.#current;
  }

  /** One start, after `delayMs`; a failed restart schedules the next one. */
  #attempt(delayMs: number, restart: boolean): Promise<T> {
    this.#state = restart ? "restarting" : "starting";
    const attempt = (async () => {
      if (delayMs > 0) await delay(delayMs, { signal: this.#stop.signal });
      const process = await this.#options.start();
      if (this.#stop.signal.aborted) {
        await process[Symbol.asyncDispose]();
        throw new Error("Cannot use the process: its supervisor is stopped");
      }
      const startedAt = performance.now();
      this.#state = "running";
      void process.exited.then(() => this.#onExit(process, attempt, startedAt));
      if (restart) this.#options.onRestart?.(process);
      return process;
    })();
    attempt.catch(() => {
      if (this.#current !== attempt || this.#stop.signal.aborted) return;
      if (!restart) {
        this.#state = "failed";
        return;
      }
      this.#current = this.#attempt(this.#nextDelay(), true);
    });
    return attempt;
  }

  #onExit(process: T, attempt: Promise<T>, startedAt: number): void {
    if (this.#stop.signal.aborted || this.#current !== attempt) return;
    this.#restarts++;
    if (performance.now() - startedAt >= (this.#options.stableMs ?? 30_000)) this.#streak = 0;
    // The dead process's leftovers (for Jupyter Server: its orphaned kernels) go in parallel.
    const cleanup = Promise.resolve(process[Symbol.asyncDispose]()).catch(() => {});
    this.#cleanups.add(cleanup);
    void cleanup.finally(() => this.#cleanups.delete(cleanup));
    this.#current = this.#attempt(this.#nextDelay(), true);
  }

  #nextDelay(): number {
    const base = this.#options.restartDelayMs ?? 500;
    const delayMs = Math.min(base * 2 ** this.#streak, this.#options.maxRestartDelayMs ?? 10_000);
    this.#streak++;
    return delayMs;
  }

  /** Stops restarting and disposes the running process (or the one being started). */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#state === "stopped") return;
    this.#state = "stopped";
    this.#stop.abort();
    const process = await this.#current.catch(() => undefined);
    await process?.[Symbol.asyncDispose]();
    await Promise.allSettled([...this.#cleanups]);
  }
}
