/**
 * N workers draining one {@linkcode WorkQueue} into one reconcile function, with the result
 * mapping of controller-runtime's `reconcileHandler` (see `result.ts`). The reconcile function
 * receives only a key: it must read everything it needs and write the difference, never act on
 * the event that enqueued the key.
 *
 * @module
 */
import { errorMessage, type Logger, silentLogger } from "@kruise-agents/shared/std";
import { type ReconcileResult, TerminalError } from "./result.ts";
import type { WorkQueue } from "./work_queue.ts";

/** Reconciles one key (`namespace/name`). Throw to retry with backoff. */
export type ReconcileFn = (key: string) => Promise<ReconcileResult | void>;

/** Options of {@linkcode Controller}. */
export interface ControllerOptions {
  /** Name used in log lines, e.g. `sandboxset`. */
  name: string;
  /** The queue the workers drain; its owner adds keys from informer handlers. */
  queue: WorkQueue;
  /** The reconcile function. */
  reconcile: ReconcileFn;
  /** How many keys are reconciled concurrently (never the same key twice). @default {2} */
  workers?: number;
  /** Log sink. @default {silentLogger} */
  logger?: Logger;
}

/** Runs workers over a queue until {@linkcode Controller.stop}. */
export class Controller {
  #name: string;
  #queue: WorkQueue;
  #reconcile: ReconcileFn;
  #workers: number;
  #logger: Logger;
  #running: Promise<void>[] = [];

  /** Creates the controller; call {@linkcode Controller.start} to run it. */
  constructor(options: ControllerOptions) {
    this.#name = options.name;
    this.#queue = options.queue;
    this.#reconcile = options.reconcile;
    this.#workers = options.workers ?? 2;
    this.#logger = options.logger ?? silentLogger;
    if (!Number.isInteger(this.#workers) || this.#workers < 1) {
      throw new RangeError(
        `Cannot create controller "${this.#name}": workers must be a positive integer, got ${this.#workers}`,
      );
    }
  }

  /** Starts the workers. */
  start(): void {
    if (this.#running.length > 0) return;
    for (let i = 0; i < this.#workers; i++) this.#running.push(this.#work());
  }

  /** Shuts the queue down and waits for the reconciles in flight to finish. */
  async stop(): Promise<void> {
    this.#queue.shutdown();
    await Promise.all(this.#running);
    this.#running = [];
  }

  async #work(): Promise<void> {
    for (;;) {
      const key = await this.#queue.get();
      if (key === undefined) return;
      try {
        await this.#handle(key);
      } finally {
        this.#queue.done(key);
      }
    }
  }

  async #handle(key: string): Promise<void> {
    let result: ReconcileResult | void;
    try {
      result = await this.#reconcile(key);
    } catch (error) {
      if (error instanceof TerminalError) {
        this.#queue.forget(key);
        this.#logger.error("reconcile failed terminally; dropping the key", {
          controller: this.#name,
          key,
          error: errorMessage(error),
        });
        return;
      }
      const failures = this.#queue.failures(key);
      // A conflict or a lagging cache is routine; only a key that keeps failing is worth a warning.
      if (failures >= 3) {
        this.#logger.warn("reconcile failed; retrying with backoff", {
          controller: this.#name,
          key,
          failures,
          error: errorMessage(error),
        });
      }
      this.#queue.addRateLimited(key);
      return;
    }
    this.#queue.forget(key);
    const after = result?.requeueAfter;
    if (after !== undefined && after >= 0) this.#queue.addAfter(key, after);
  }
}
