/**
 * How the runtime's server streams (`Start`, `Connect`, `WatchDir`) end when the server, not the
 * process or the watch, ends them, in one place. connect-es aborts a handler's `ctx.signal` for
 * three reasons, and envd answers each differently:
 *
 * - the `Connect-Timeout-Ms` deadline passed: the stream ends with `deadline_exceeded` and
 *   connect-go's words, "context deadline exceeded". Ending it quietly instead looked to the
 *   Python SDK like a command "ended without an end event";
 * - the runtime is shutting down (its sandbox's pod is being deleted: a kill, a timeout, an
 *   eviction): `unavailable` with {@linkcode SHUTDOWN_MESSAGE};
 * - the client went away: nothing is left to answer, so the stream just stops.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";

/** The message connect-go, envd's server, sends when a call's deadline passes. */
export const DEADLINE_MESSAGE = "context deadline exceeded";

/**
 * The message open streams end with when the runtime shuts down: E2B's own words, which both
 * SDKs' tests look for ("sandbox was killed or reached its end of life"). The JS SDK reports
 * `unavailable` as a `TimeoutError` carrying this message; the Python SDK probes `/health` and
 * reports the sandbox as not running, with the same words.
 */
export const SHUTDOWN_MESSAGE =
  "the sandbox was killed or reached its end of life: agent-runtime is shutting down and ended the stream before it completed";

/** The reason the runtime's shutdown signal aborts with; connect-es hands it to every call. */
export function shutdownError(): ConnectError {
  return new ConnectError(SHUTDOWN_MESSAGE, Code.Unavailable);
}

/**
 * What a streaming handler does once `signal` (its `ctx.signal`) aborted: a deadline or a
 * shutdown ends the stream with its error (thrown here, so that connect-es sends it as the
 * stream's end), a client that went away ends it quietly (returns).
 */
export function endOfStream(signal: AbortSignal): void {
  const reason: unknown = signal.reason;
  if (!(reason instanceof ConnectError)) return;
  // connect-es's own deadline error says "the operation timed out"; envd's clients see Go's.
  if (reason.code === Code.DeadlineExceeded) {
    throw new ConnectError(DEADLINE_MESSAGE, Code.DeadlineExceeded);
  }
  throw reason;
}
