/**
 * Resolves after `ms` milliseconds, or rejects with the signal's reason when `signal` aborts
 * first. A stand-in for `@std/async/delay`, which is on JSR and unreachable here.
 *
 * @example
 * ```ts
 * import { delay } from "@kruise-agents/shared/std";
 * await delay(10);
 * ```
 */
export function delay(ms: number, options: { signal?: AbortSignal } = {}): Promise<void> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
