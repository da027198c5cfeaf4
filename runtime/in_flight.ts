/**
 * The responses a `Deno.serve` listener is still delivering, so that a stopping runtime can let
 * them finish before it closes the listener. Closing it (aborting its signal) does not wait for
 * a streaming response: Deno 2.9 cuts the connection, and a command stream that the runtime has
 * just ended with the "sandbox was killed" error would reach the SDK as "error reading a body
 * from connection" instead. A response counts as delivered when Deno settles the handler info's
 * `completed` promise (sent, or failed because the client went away).
 *
 * @module
 */

/** Who hears of the runtime's activity (the {@linkcode IdleCollector} of `idle_collector.ts`). */
export interface InFlightActivity {
  /** A request arrived. */
  busy(): void;
  /** The last response in flight has been delivered. */
  idle(): void;
}

/** Tracks the responses of the handlers it wraps; see {@linkcode InFlight.drained}. */
export class InFlight {
  readonly #pending = new Set<Promise<void>>();
  readonly #activity: InFlightActivity | undefined;

  /** Tracks responses; `activity` hears when the first starts and the last is delivered. */
  constructor(activity?: InFlightActivity) {
    this.#activity = activity;
  }

  /** How many responses are being delivered now. */
  get size(): number {
    return this.#pending.size;
  }

  /** `handler`, with each of its responses tracked until delivered. */
  wrap(
    handler: (req: Request) => Response | Promise<Response>,
  ): (req: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response> {
    return (req, info) => {
      const delivered = info.completed.catch(() => {});
      this.#pending.add(delivered);
      this.#activity?.busy();
      delivered.then(() => {
        this.#pending.delete(delivered);
        if (this.#pending.size === 0) this.#activity?.idle();
      });
      return handler(req);
    };
  }

  /**
   * Resolves once every response in flight now or started meanwhile has been delivered, or after
   * `graceMs`, whichever comes first; resolves `true` when all were delivered.
   */
  async drained(graceMs: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    });
    try {
      while (this.#pending.size > 0) {
        const all = Promise.all(this.#pending).then(() => true as const);
        if (!await Promise.race([all, timeout])) return false;
      }
      return true;
    } finally {
      clearTimeout(timer);
    }
  }
}
