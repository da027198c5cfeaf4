/**
 * Assertion helpers shared by the tests of this folder.
 *
 * @module
 */
import { KubeApiError, type KubeErrorReason } from "./client.ts";

/** A predicate for `assert.throws`/`assert.rejects`: a {@linkcode KubeApiError} with this status and reason. */
export function isKubeApiError(
  status: number,
  reason: KubeErrorReason,
): (error: unknown) => boolean {
  return (error) => {
    if (!(error instanceof KubeApiError)) throw error;
    if (error.status !== status || error.reason !== reason) {
      throw new Error(
        `expected ${status} ${reason}, got ${error.status} ${error.reason}: ${error.message}`,
        { cause: error },
      );
    }
    return true;
  };
}
