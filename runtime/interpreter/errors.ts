/**
 * The code interpreter's typed errors. Each HTTP-facing error carries the status the upstream
 * code-interpreter server (FastAPI) answers with (and is named after its class, by `HttpError`), and `routes.ts` renders them in one place, as
 * plain text like upstream, because the SDKs use the body text as the error message.
 *
 * @module
 */
import { CodedError, HttpError } from "@kruise-agents/shared/std";

/**
 * Base class of errors that become an HTTP response with their `status` and the message as the
 * plain-text body.
 */
export class InterpreterHttpError extends HttpError {}

/**
 * An unknown context id: 404 with the exact text `Context <id> not found`, which the SDKs raise
 * as `NotFoundError`.
 */
export class ContextNotFoundError extends InterpreterHttpError {
  /** The id that was asked for. */
  readonly contextId: string;

  /** Creates the error for `contextId`. */
  constructor(contextId: string) {
    super(404, `Context ${contextId} not found`);
    this.contextId = contextId;
  }
}

/** A well-formed request the server refuses (400), e.g. both `context_id` and `language`. */
export class BadRequestError extends InterpreterHttpError {
  /** Creates a 400 error with `message` as the body. */
  constructor(message: string) {
    super(400, message);
  }
}

/** One entry of a FastAPI-style validation error, so clients see the shape they know. */
export interface ValidationIssue {
  /** Where the problem is, e.g. `["body", "code"]`. */
  loc: (string | number)[];
  /** Human-readable message. */
  msg: string;
  /** Machine-readable kind, e.g. `missing` or `string_type`. */
  type: string;
}

/**
 * A body that does not parse (422), rendered as FastAPI's `{"detail": [...]}` JSON because that
 * is what the upstream server answers.
 */
export class RequestValidationError extends InterpreterHttpError {
  /** The problems found. */
  readonly issues: ValidationIssue[];

  /** Creates the error from one or more issues. */
  constructor(issues: ValidationIssue[]) {
    super(422, issues.map((issue) => `${issue.loc.join(".")}: ${issue.msg}`).join("; "));
    this.issues = issues;
  }
}

/**
 * A call to the Jupyter Server REST API failed, e.g. no kernelspec for a language. Answered as 500
 * like upstream's "Failed to create context" replies.
 */
export class JupyterApiError extends InterpreterHttpError {
  /** The status the Jupyter Server answered with (0 when it could not be reached). */
  readonly jupyterStatus: number;

  /** Creates the error for a failed Jupyter call. */
  constructor(jupyterStatus: number, message: string, options?: ErrorOptions) {
    super(500, message, options);
    this.jupyterStatus = jupyterStatus;
  }
}

/**
 * No Jupyter kernel for the requested language is installed (e.g. `language: "cobol"`, or `r` in
 * an image without IRkernel). 500, like upstream's "Failed to create context" for a kernel it
 * does not have, with a message that names the kernelspecs looked for.
 */
export class KernelNotInstalledError extends InterpreterHttpError {
  /** The normalized language asked for. */
  readonly language: string;

  /** Creates the error for `language`, whose `kernelspecs` are all missing. */
  constructor(language: string, kernelspecs: readonly string[]) {
    super(
      500,
      `Failed to create context: no kernel for language "${language}" is installed ` +
        `(looked for the Jupyter kernelspec ${kernelspecs.map((k) => `"${k}"`).join(" or ")})`,
    );
    this.language = language;
  }
}

/**
 * The kernel could not be prepared (cwd, env vars, display formatters). 500, like upstream's
 * "Failed to set working directory".
 */
export class KernelSetupError extends InterpreterHttpError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(500, message, options);
  }
}

/**
 * An execution that ended without the kernel finishing it: the kernel died, the context was
 * restarted or removed, or the connection to Jupyter was lost. {@linkcode ExecutionAbortedError.ename}
 * is the error name reported to the client, using upstream's synthetic names where they exist.
 */
export class ExecutionAbortedError extends CodedError {
  /** Name sent in the `error` line, e.g. `DeadKernelError` or `ContextRestarting` (the code). */
  get ename(): string {
    return this.code;
  }
}
