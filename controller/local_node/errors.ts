/**
 * The one error type of the local node, so callers (and `deno task dev`) can tell a sandbox that
 * failed to start or stop from a bug, and act on the `code` instead of parsing messages.
 *
 * @module
 */

/** What went wrong in the local node. */
export type LocalNodeErrorCode =
  /** The isolation tools (`unshare`, `mount`, `setsid`) are missing or not permitted. */
  | "IsolationUnavailable"
  /** The sandbox process exited or never answered `/health` in time. */
  | "StartFailed"
  /** Processes of the sandbox could not all be stopped, continued or killed. */
  | "SignalFailed"
  /** A pod status write kept hitting 409 Conflict. */
  | "StatusConflict"
  /** No loopback address is left in the node's range. */
  | "AddressesExhausted"
  /** A record in the node's data directory cannot be read. */
  | "CorruptState";

/** A failure of the local node, with a machine-readable {@linkcode LocalNodeErrorCode}. */
export class LocalNodeError extends Error {
  /** Machine-readable cause. */
  readonly code: LocalNodeErrorCode;

  /** Creates the error. */
  constructor(code: LocalNodeErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "LocalNodeError";
    this.code = code;
  }
}
