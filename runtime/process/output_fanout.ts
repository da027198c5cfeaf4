/**
 * Fan-out of a process's events to every subscriber, with backpressure and retention of the
 * last events. A process outlives the request that started it: `commands.connect(pid)` may
 * subscribe while it runs, and a subscriber that comes after the end still gets the end event.
 *
 * Backpressure: `publish()` resolves only when every subscriber has room, so a slow client slows
 * the reader of the process's pipe (and so the process) instead of growing memory without bound.
 * A subscriber that goes away (cancels) stops counting at once.
 *
 * @module
 */

interface Subscriber<T> {
  controller: ReadableStreamDefaultController<T>;
  waiter: PromiseWithResolvers<void> | undefined;
}

/** Options of {@linkcode Fanout}. */
export interface FanoutOptions {
  /** Items queued per subscriber before `publish()` waits for it. @default {16} */
  highWaterMark?: number;
}

/** Multi-subscriber event stream with backpressure and final-event retention. */
export class Fanout<T> {
  #subscribers = new Set<Subscriber<T>>();
  #final: T[] | undefined;
  #highWaterMark: number;

  /** Creates an open fan-out. */
  constructor(options: FanoutOptions = {}) {
    this.#highWaterMark = options.highWaterMark ?? 16;
  }

  /** Whether {@linkcode Fanout.close} was called. */
  get closed(): boolean {
    return this.#final !== undefined;
  }

  /** How many subscribers are attached now. */
  get size(): number {
    return this.#subscribers.size;
  }

  /**
   * A stream of the items published from now on. After {@linkcode Fanout.close}, a stream of
   * just the final items.
   */
  subscribe(): ReadableStream<T> {
    if (this.#final) return ReadableStream.from(this.#final);
    let sub: Subscriber<T>;
    return new ReadableStream<T>({
      start: (controller) => {
        sub = { controller, waiter: undefined };
        this.#subscribers.add(sub);
      },
      pull: () => {
        sub.waiter?.resolve();
        sub.waiter = undefined;
      },
      cancel: () => {
        this.#subscribers.delete(sub);
        sub.waiter?.resolve();
      },
    }, { highWaterMark: this.#highWaterMark });
  }

  /** Sends `item` to every subscriber; resolves once each of them has room for more. */
  async publish(item: T): Promise<void> {
    if (this.#final) throw new TypeError("Cannot publish: the fan-out is closed");
    const waits: Promise<void>[] = [];
    for (const sub of this.#subscribers) {
      sub.controller.enqueue(item);
      if ((sub.controller.desiredSize ?? 1) <= 0) {
        sub.waiter ??= Promise.withResolvers<void>();
        waits.push(sub.waiter.promise);
      }
    }
    if (waits.length > 0) await Promise.all(waits);
  }

  /** Sends the final items, ends every stream, and keeps the items for late subscribers. */
  close(final: T[]): void {
    if (this.#final) return;
    this.#final = final;
    for (const sub of this.#subscribers) {
      for (const item of final) sub.controller.enqueue(item);
      sub.controller.close();
      sub.waiter?.resolve();
    }
    this.#subscribers.clear();
  }
}
