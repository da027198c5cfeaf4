/**
 * The one base of the errors that carry an HTTP status: the manager's `ApiError`, the runtime's
 * `EnvdHttpError` and `InterpreterHttpError`, and the Kubernetes client's `KubeApiError`. Each
 * program still renders its own body (E2B's `{code, message}` JSON, envd's, the interpreter's
 * plain text) in its one error handler; what they share is the status and the name.
 *
 * @module
 */

/**
 * An error with the HTTP `status` it answers with (or, for a client, that it was answered with).
 * Its `name` is the name of the class it was constructed as, so a subclass needs no constructor
 * just to name itself.
 *
 * @example
 * ```ts
 * import { HttpError } from "@kruise-agents/shared/std";
 * class ApiError extends HttpError {}
 * const error = new ApiError(404, "Sandbox \"x\" doesn't exist");
 * console.log(error.name, error.status); // ApiError 404
 * ```
 */
export class HttpError extends Error {
  /** The HTTP status. */
  readonly status: number;

  /** Creates the error; `message` is what the client is told. */
  constructor(status: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.status = status;
  }
}
