/**
 * The lines of the `/execute` stream (§D.2 of the protocol notes) and their mapping from Jupyter
 * messages. Fields that are absent upstream (pydantic `exclude_none`) are left out here too, except
 * `extra`, which the SDKs expect on every result.
 *
 * @module
 */
import type { JupyterMessage } from "./jupyter_message.ts";

/** A chunk of the cell's stdout or stderr. */
export interface StreamOutput {
  /** Which stream. */
  type: "stdout" | "stderr";
  /** The text, as the kernel sent it (not split into lines). */
  text: string;
  /** ISO-8601 time from the kernel message header; the Python SDK requires it with callbacks. */
  timestamp: string;
}

/** One display output or the cell's value, mapped from a Jupyter MIME bundle. */
export interface ResultOutput {
  /** Line type. */
  type: "result";
  /** `text/plain`, with one pair of surrounding quotes stripped. */
  text?: string;
  /** `text/html`. */
  html?: string;
  /** `text/markdown`. */
  markdown?: string;
  /** `image/svg+xml`. */
  svg?: string;
  /** `image/png`, base64. */
  png?: string;
  /** `image/jpeg`, base64. */
  jpeg?: string;
  /** `application/pdf`, base64. */
  pdf?: string;
  /** `text/latex`. */
  latex?: string;
  /** `application/json`. */
  json?: unknown;
  /** `application/javascript`. */
  javascript?: string;
  /** `e2b/data`: tabular data, e.g. from a pandas DataFrame. */
  data?: unknown;
  /** `e2b/chart`: structured chart data. */
  chart?: unknown;
  /** Every other MIME type of the bundle; always present, possibly `{}`. */
  extra: Record<string, unknown>;
  /** `true` for the cell's value (`execute_result`), `false` for `display_data`. */
  "is_main_result": boolean;
}

/** An exception raised by the cell, or a synthetic one when the execution could not finish. */
export interface ErrorOutput {
  /** Line type. */
  type: "error";
  /** Exception name, e.g. `ZeroDivisionError`. */
  name: string;
  /** Exception message. */
  value: string;
  /** The kernel's traceback lines joined with `""`, without ANSI colors. */
  traceback: string;
}

/** The cell's execution count, from `execute_input`. */
export interface NumberOfExecutionsOutput {
  /** Line type. */
  type: "number_of_executions";
  /** The kernel's execution counter for this cell. */
  "execution_count": number;
}

/** Sent after 5 s without output, so a vanished client is noticed (the write fails). */
export interface KeepaliveOutput {
  /** Line type. */
  type: "keepalive";
}

/** Always the last line of an `/execute` stream. */
export interface EndOfExecutionOutput {
  /** Line type. */
  type: "end_of_execution";
}

/** Any line of the `/execute` stream. */
export type OutputMessage =
  | StreamOutput
  | ResultOutput
  | ErrorOutput
  | NumberOfExecutionsOutput
  | KeepaliveOutput
  | EndOfExecutionOutput;

const ANSI_ESCAPE =
  // deno-lint-ignore no-control-regex
  /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[@-Z\\-_])/g;

/**
 * Removes ANSI escape sequences. Kernels color tracebacks and values (Deno's kernel colors
 * `text/plain`), and the SDKs show them as plain text.
 */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_ESCAPE, "");
}

/** MIME types with their own result field. */
const MIME_FIELDS = {
  "text/html": "html",
  "text/markdown": "markdown",
  "image/svg+xml": "svg",
  "image/png": "png",
  "image/jpeg": "jpeg",
  "application/pdf": "pdf",
  "text/latex": "latex",
  "application/json": "json",
  "application/javascript": "javascript",
  "e2b/data": "data",
  "e2b/chart": "chart",
} as const satisfies Record<string, keyof ResultOutput>;

/**
 * Strips one pair of matching surrounding quotes: a Python `str` value's repr is `'...'`, and
 * Deno's kernel shows strings as `"..."`; the SDKs expect the bare text.
 */
function stripQuotes(text: string): string {
  if (text.length < 2) return text;
  const first = text[0];
  if ((first === "'" || first === '"') && text.endsWith(first)) return text.slice(1, -1);
  return text;
}

/** Maps a Jupyter MIME bundle to a `result` line. */
export function resultFromBundle(
  bundle: Readonly<Record<string, unknown>>,
  isMainResult: boolean,
): ResultOutput {
  const result: ResultOutput = { type: "result", extra: {}, "is_main_result": isMainResult };
  const extra: Record<string, unknown> = {};
  for (const [mime, value] of Object.entries(bundle)) {
    if (mime === "text/plain") {
      if (typeof value === "string") result.text = stripQuotes(stripAnsi(value));
      continue;
    }
    const field = Object.hasOwn(MIME_FIELDS, mime)
      ? MIME_FIELDS[mime as keyof typeof MIME_FIELDS]
      : undefined;
    if (field === undefined) extra[mime] = value;
    else if (field === "json" || field === "data" || field === "chart") result[field] = value;
    else if (typeof value === "string") result[field] = value;
    else extra[mime] = value;
  }
  // `extra` and `is_main_result` last, like upstream's field order.
  const { extra: _, is_main_result, ...fields } = result;
  return { ...fields, extra, is_main_result };
}

function stringOf(value: unknown): string {
  return typeof value === "string" ? value : value === undefined ? "" : String(value);
}

/** Builds an `error` line from a Jupyter `error` content or an `execute_reply` with an error. */
export function errorFromContent(content: Readonly<Record<string, unknown>>): ErrorOutput {
  const traceback = Array.isArray(content.traceback) ? content.traceback.map(stringOf) : [];
  return {
    type: "error",
    name: stripAnsi(stringOf(content.ename)),
    value: stripAnsi(stringOf(content.evalue)),
    traceback: stripAnsi(traceback.join("")),
  };
}

/**
 * Maps one Jupyter message belonging to a user's cell to its `/execute` line, or `undefined` for
 * messages with no line of their own (status, replies, comms). `execute_reply` errors are handled
 * by the caller, which reports only the first error of a cell.
 */
export function outputFromMessage(message: JupyterMessage): OutputMessage | undefined {
  const { content } = message;
  switch (message.header.msg_type) {
    case "stream": {
      const name = content.name;
      if (name !== "stdout" && name !== "stderr") return undefined;
      return {
        type: name,
        text: stringOf(content.text),
        timestamp: message.header.date ?? new Date().toISOString(),
      };
    }
    case "execute_result":
    case "display_data": {
      const data = content.data;
      if (typeof data !== "object" || data === null || Array.isArray(data)) return undefined;
      return resultFromBundle(
        data as Record<string, unknown>,
        message.header.msg_type === "execute_result",
      );
    }
    case "error":
      return errorFromContent(content);
    case "execute_input":
      return typeof content.execution_count === "number"
        ? { type: "number_of_executions", execution_count: content.execution_count }
        : undefined;
    default:
      return undefined;
  }
}
