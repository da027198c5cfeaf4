/**
 * Jupyter messaging protocol 5.3 messages as Jupyter Server's kernel websocket carries them (the
 * legacy JSON text framing, one message per frame, with a `channel` field).
 *
 * @module
 */
import { isRecord } from "@kruise-agents/shared/std";

/** A message header; only the fields the runtime reads or writes. */
export interface JupyterHeader {
  /** Unique id; replies and outputs carry it as their parent's `msg_id`. */
  "msg_id": string;
  /** Message type, e.g. `execute_request`, `stream`, `status`. */
  "msg_type": string;
  /** Session the message belongs to. */
  session?: string;
  /** Sender name. */
  username?: string;
  /** ISO-8601 time the message was created; used as the stdout/stderr `timestamp`. */
  date?: string;
  /** Messaging protocol version. */
  version?: string;
}

/** One message on the kernel websocket. */
export interface JupyterMessage {
  /** `shell`, `iopub`, `stdin` or `control`. */
  channel: string;
  /** This message's header. */
  header: JupyterHeader;
  /** Header of the request this message answers; empty for kernel-wide messages. */
  "parent_header": Partial<JupyterHeader>;
  /** Message metadata. */
  metadata: Record<string, unknown>;
  /** Type-specific body. */
  content: Record<string, unknown>;
}

/**
 * Parses a message received from the kernel websocket. Throws `TypeError` when it does not have
 * the shape of a Jupyter message, so the rest of the code can trust the types.
 */
export function parseJupyterMessage(value: unknown): JupyterMessage {
  if (!isRecord(value)) throw new TypeError("Cannot parse Jupyter message: not an object");
  const { header, content } = value;
  if (
    !isRecord(header) || typeof header.msg_id !== "string" || typeof header.msg_type !== "string"
  ) {
    throw new TypeError("Cannot parse Jupyter message: header lacks msg_id or msg_type");
  }
  const parent = isRecord(value.parent_header) ? value.parent_header : {};
  return {
    channel: typeof value.channel === "string" ? value.channel : "",
    header: {
      msg_id: header.msg_id,
      msg_type: header.msg_type,
      ...(typeof header.session === "string" ? { session: header.session } : {}),
      ...(typeof header.date === "string" ? { date: header.date } : {}),
    },
    parent_header: typeof parent.msg_id === "string" ? { msg_id: parent.msg_id } : {},
    metadata: isRecord(value.metadata) ? value.metadata : {},
    content: isRecord(content) ? content : {},
  };
}

/** Options of {@linkcode executeRequest}. */
export interface ExecuteRequestOptions {
  /** Session id of the connection sending it. */
  session: string;
  /**
   * Silent requests neither broadcast their input nor count as an execution; the runtime's own
   * set-up code runs this way so `execution_count` only counts the user's cells.
   * @default false
   */
  silent?: boolean | undefined;
}

/** Builds a `kernel_info_request` for the shell channel; its reply means the kernel is up. */
export function kernelInfoRequest(session: string): JupyterMessage {
  return {
    channel: "shell",
    header: {
      msg_id: crypto.randomUUID(),
      msg_type: "kernel_info_request",
      session,
      username: "e2b",
      date: new Date().toISOString(),
      version: "5.3",
    },
    parent_header: {},
    metadata: {},
    content: {},
  };
}

/** Builds an `execute_request` for the shell channel. */
export function executeRequest(code: string, options: ExecuteRequestOptions): JupyterMessage {
  const silent = options.silent ?? false;
  return {
    channel: "shell",
    header: {
      msg_id: crypto.randomUUID(),
      msg_type: "execute_request",
      session: options.session,
      username: "e2b",
      date: new Date().toISOString(),
      version: "5.3",
    },
    parent_header: {},
    metadata: {},
    content: {
      code,
      silent,
      store_history: !silent,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
    },
  };
}
