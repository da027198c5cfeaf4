/**
 * A connection to one kernel through Jupyter Server's kernel websocket, carrying Jupyter messaging
 * protocol 5.3 as JSON text frames. It sends `execute_request`s and routes every reply and output
 * to the request it answers (by the parent header's `msg_id`).
 *
 * @module
 */
import { ExecutionAbortedError } from "./errors.ts";
import { delay } from "@kruise-agents/shared/std";
import {
  executeRequest,
  type JupyterMessage,
  kernelInfoRequest,
  parseJupyterMessage,
} from "./jupyter_message.ts";

/** Options of {@linkcode KernelConnection.open}. */
export interface KernelConnectionOptions {
  /**
   * Called with kernel-wide status changes that belong to no request: `restarting` (the kernel
   * died and Jupyter Server's restarter replaced it) and `dead` (it could not).
   */
  onKernelStatus?: (state: "restarting" | "dead") => void;
}

/** An execution in flight. */
export interface ExecuteHandle {
  /** `msg_id` of the `execute_request`. */
  msgId: string;
  /**
   * Every message whose parent is the request, closed once both its `execute_reply` and the
   * kernel's `idle` status arrived (they travel on different channels, in either order). Errors
   * with an {@linkcode ExecutionAbortedError} when the execution cannot finish.
   */
  messages: ReadableStream<JupyterMessage>;
}

/** Options of {@linkcode KernelConnection.execute}. */
export interface ExecuteOptions {
  /** Run without counting or broadcasting the input (the runtime's own set-up code). */
  silent?: boolean;
  /**
   * Code run silently after the request finished, whose outputs still count as the request's.
   * Deno's kernel publishes a cell's `execute_result` (and late `console.log` output) from the
   * JavaScript side, which can overtake its `idle` status; once a second cell went through the
   * kernel, those messages have been sent. Undefined for kernels that publish in order.
   */
  barrier?: string;
}

interface Pending {
  controller: ReadableStreamDefaultController<JupyterMessage>;
  /** The request (or barrier) whose reply and idle end the current phase. */
  currentId: string;
  replied: boolean;
  idle: boolean;
  barrier: string | undefined;
  ids: string[];
}

/** A websocket to one kernel. Close it with {@linkcode KernelConnection.close}. */
export class KernelConnection {
  /** Session id sent in every header. */
  readonly sessionId: string;
  readonly #socket: WebSocket;
  readonly #pending = new Map<string, Pending>();
  readonly #options: KernelConnectionOptions;
  readonly #infoWaiters = new Map<string, () => void>();
  #closed = false;

  private constructor(socket: WebSocket, sessionId: string, options: KernelConnectionOptions) {
    this.#socket = socket;
    this.sessionId = sessionId;
    this.#options = options;
    socket.onmessage = (event) => this.#receive(event.data);
    socket.onclose = () => {
      this.#closed = true;
      this.failPending(
        new ExecutionAbortedError("UnexpectedEndOfExecution", "Connection to the kernel was lost"),
      );
    };
  }

  /** Opens the websocket at `url` (see `JupyterServer.channelsUrl`). */
  static open(
    url: string,
    sessionId: string,
    options: KernelConnectionOptions = {},
  ): Promise<KernelConnection> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.onopen = () => resolve(new KernelConnection(socket, sessionId, options));
      socket.onerror = (event) => {
        const message = event instanceof ErrorEvent ? event.message : "websocket error";
        reject(new ExecutionAbortedError("WebSocketError", `Cannot connect to kernel: ${message}`));
      };
      socket.onclose = () =>
        reject(new ExecutionAbortedError("WebSocketError", "Cannot connect to kernel: closed"));
    });
  }

  /** Whether the websocket is closed (by us or by the server). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Sends an `execute_request` and returns its messages. */
  execute(code: string, options: ExecuteOptions = {}): ExecuteHandle {
    const request = executeRequest(code, {
      session: this.sessionId,
      silent: options.silent,
    });
    const msgId = request.header.msg_id;
    const messages = new ReadableStream<JupyterMessage>({
      start: (controller) => {
        if (this.#closed) {
          controller.error(
            new ExecutionAbortedError(
              "UnexpectedEndOfExecution",
              "Connection to the kernel is closed",
            ),
          );
          return;
        }
        const pending: Pending = {
          controller,
          currentId: msgId,
          replied: false,
          idle: false,
          barrier: options.barrier,
          ids: [msgId],
        };
        this.#pending.set(msgId, pending);
        this.#socket.send(JSON.stringify(request));
      },
      cancel: () => {
        const pending = this.#pending.get(msgId);
        for (const id of pending?.ids ?? [msgId]) this.#pending.delete(id);
      },
    });
    return { msgId, messages };
  }

  /**
   * Resolves once a `kernel_info_request`'s status arrives on iopub, asking again every
   * `intervalMs` (Jupyter's "nudge"). After Jupyter Server announces a restart, requests sent
   * before the new process listens are lost, and iopub output published before the server's
   * subscription is re-established is lost too (ZeroMQ's slow joiner), which would leave an
   * execution waiting for its `idle` forever. Rejects after `timeoutMs`.
   */
  async waitReady(options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    const interval = options.intervalMs ?? 500;
    const ids: string[] = [];
    let answered = false;
    const stop = new AbortController();
    const ready = new Promise<void>((resolve) => {
      const done = () => {
        answered = true;
        stop.abort();
        resolve();
      };
      const ask = async () => {
        while (!answered && !this.#closed && Date.now() < deadline) {
          const request = kernelInfoRequest(this.sessionId);
          ids.push(request.header.msg_id);
          this.#infoWaiters.set(request.header.msg_id, done);
          this.#socket.send(JSON.stringify(request));
          await delay(interval, { signal: stop.signal }).catch(() => {});
        }
        resolve();
      };
      void ask();
    });
    await ready;
    for (const id of ids) this.#infoWaiters.delete(id);
    if (!answered) {
      throw new ExecutionAbortedError(
        "KernelNotReady",
        this.#closed ? "Connection to the kernel was lost" : "The kernel did not answer in time",
      );
    }
  }

  /** Ends every execution in flight with `error`; used when the kernel is restarted or removed. */
  failPending(error: ExecutionAbortedError): void {
    const pending = new Set(this.#pending.values());
    this.#pending.clear();
    for (const { controller } of pending) {
      try {
        controller.error(error);
      } catch {
        // already closed
      }
    }
  }

  /** Closes the websocket; executions in flight end with `UnexpectedEndOfExecution`. */
  close(): void {
    if (this.#closed) return;
    this.#socket.close();
    this.#closed = true;
    this.failPending(
      new ExecutionAbortedError("UnexpectedEndOfExecution", "Connection to the kernel was closed"),
    );
  }

  #receive(data: unknown): void {
    // Binary frames carry messages with buffers (widgets); the code interpreter has no use for them.
    if (typeof data !== "string") return;
    let message: JupyterMessage;
    try {
      message = parseJupyterMessage(JSON.parse(data));
    } catch {
      return; // not a Jupyter message; nothing to route
    }
    const parentId = message.parent_header.msg_id;
    if (parentId !== undefined && this.#infoWaiters.has(parentId)) {
      if (message.channel === "iopub") this.#infoWaiters.get(parentId)?.();
      return;
    }
    const pending = parentId === undefined ? undefined : this.#pending.get(parentId);
    const type = message.header.msg_type;
    if (pending === undefined || parentId === undefined) {
      const state = message.content.execution_state;
      if (type === "status" && (state === "restarting" || state === "dead")) {
        this.#options.onKernelStatus?.(state);
      }
      return;
    }
    if (parentId === pending.currentId) {
      if (type === "execute_reply" && message.channel !== "iopub") pending.replied = true;
      else if (type === "status" && message.content.execution_state === "idle") pending.idle = true;
    }
    const ownOutput = pending.ids[0] === parentId;
    const isBookkeeping = type === "status" || type === "execute_reply" ||
      type === "execute_input";
    if (ownOutput || !isBookkeeping) pending.controller.enqueue(message);
    if (!pending.replied || !pending.idle) return;
    if (pending.barrier !== undefined) {
      const barrier = executeRequest(pending.barrier, { session: this.sessionId, silent: true });
      pending.barrier = undefined;
      pending.currentId = barrier.header.msg_id;
      pending.replied = false;
      pending.idle = false;
      pending.ids.push(barrier.header.msg_id);
      this.#pending.set(barrier.header.msg_id, pending);
      this.#socket.send(JSON.stringify(barrier));
      return;
    }
    for (const id of pending.ids) this.#pending.delete(id);
    pending.controller.close();
  }
}
