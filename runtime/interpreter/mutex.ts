/**
 * A FIFO async lock. Executions in one context are serialized with it: a kernel runs one cell at
 * a time anyway, and serializing here keeps the set-up, the cell and the env-var reset of one
 * request together.
 *
 * @module
 */

/**
 * A first-come, first-served async mutex.
 *
 * @example
 * ```ts
 * import { Mutex } from "./mutex.ts";
 * const mutex = new Mutex();
 * {
 *   using _lock = await mutex.lock();
 *   // critical section
 * }
 * ```
 */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  /** Waits for the lock; disposing the returned handle releases it (once). */
  async lock(): Promise<Disposable> {
    let release!: () => void;
    const previous = this.#tail;
    this.#tail = new Promise<void>((resolve) => release = resolve);
    await previous;
    let released = false;
    return {
      [Symbol.dispose]() {
        if (released) return;
        released = true;
        release();
      },
    };
  }
}
