/**
 * The local node's own error type, so callers (and `deno task dev`) can tell a node failure from
 * a bug and act on the `code` instead of parsing messages. Failures of the container runner are
 * `ContainerError`s (see `container/errors.ts`).
 *
 * @module
 */
import { CodedError } from "@kruise-agents/shared/std";

/** What went wrong in the local node. */
export type LocalNodeErrorCode = /** A pod status write kept hitting 409 Conflict. */
  "StatusConflict";

/** A failure of the local node, with a machine-readable {@linkcode LocalNodeErrorCode}. */
export class LocalNodeError extends CodedError<LocalNodeErrorCode> {}
