/**
 * The one base of the errors that carry a machine-readable code: callers branch on `code` (a
 * missing image goes on a pod's status as its reason; a dead kernel is reported by its name)
 * instead of parsing messages. Its `name` is the name of the class it was constructed as, so a
 * subclass needs no constructor just to name itself.
 *
 * @module
 */

/**
 * An error with a machine-readable `code` from the set `C`.
 *
 * @example
 * ```ts
 * import { CodedError } from "@kruise-agents/shared/std";
 * class NodeError extends CodedError<"NoImage" | "NoCgroup"> {}
 * const error = new NodeError("NoImage", "Cannot start pod p: image x is not built");
 * console.log(error.name, error.code); // NodeError NoImage
 * ```
 */
export class CodedError<C extends string = string> extends Error {
  /** Machine-readable cause. */
  readonly code: C;

  /** Creates the error. */
  constructor(code: C, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
