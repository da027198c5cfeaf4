/**
 * What a reconcile returns, and how the controller maps it onto the queue (controller-runtime's
 * `reconcileHandler`): a thrown error → per-key backoff; a thrown {@linkcode TerminalError} →
 * drop the key (retrying cannot help); `requeueAfter` → forget the backoff, look again after the
 * delay; anything else → forget.
 *
 * @module
 */

/** Result of one successful reconcile. */
export interface ReconcileResult {
  /** Look at the key again after this many ms (e.g. at the next deadline of the object). */
  requeueAfter?: number;
}

/**
 * An error that retrying will not fix (an invalid object, an unsupported field). The controller
 * logs it and drops the key until the next change of the object enqueues it again.
 */
export class TerminalError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TerminalError";
  }
}

/** Returns the earliest of the given delays (`undefined` entries ignored), or `undefined`. */
export function earliest(...delays: (number | undefined)[]): number | undefined {
  let min: number | undefined;
  for (const delay of delays) {
    if (delay === undefined) continue;
    if (min === undefined || delay < min) min = delay;
  }
  return min;
}
