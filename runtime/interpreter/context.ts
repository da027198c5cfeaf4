/**
 * A code context: one stateful Jupyter kernel with its language and working directory, executing
 * one request at a time. It keeps the kernel usable across the kernel dying (Jupyter Server's
 * restarter replaces the process; the context re-applies its set-up), Jupyter Server itself dying
 * (its supervisor starts a new server; the context starts a new kernel there and keeps its id),
 * explicit restarts and clients that go away mid-execution (the kernel is interrupted, or
 * restarted when interrupting does not end the cell).
 *
 * @module
 */
import { delay } from "@kruise-agents/shared/std";
import { ExecutionAbortedError, JupyterApiError, KernelSetupError } from "./errors.ts";
import type { JupyterServer } from "./jupyter_server.ts";
import { KernelConnection } from "./kernel_connection.ts";
import { envCode, envRestore, initCode } from "./kernel_code.ts";
import { type KernelFamily, kernelFamily } from "./language.ts";
import { Mutex } from "./mutex.ts";
import {
  errorFromContent,
  type ErrorOutput,
  outputFromMessage,
  type OutputMessage,
} from "./output.ts";

/** A context as `GET /contexts` and `POST /contexts` show it. */
export interface ContextInfo {
  /** Context id (the kernel id). */
  id: string;
  /** Normalized language. */
  language: string;
  /** Working directory the kernel starts in. */
  cwd: string;
}

/**
 * Where a context finds the Jupyter Server to run its kernel on: the one running now, or the one
 * that replaces it (the interpreter's supervisor of Jupyter Servers, `supervisor.ts`).
 */
export interface ServerSource {
  /** The running server, or the one being started. */
  current(): Promise<JupyterServer>;
}

/** Options of {@linkcode CodeContext.create}. */
export interface CodeContextOptions {
  /** The Jupyter Servers that host the kernel. */
  servers: ServerSource;
  /** Normalized language. */
  language: string;
  /** Working directory. */
  cwd: string;
  /** Kernelspec name to start. */
  kernelName: string;
  /** Context id; the kernel id by default (a reserved default context has its own). */
  id?: string | undefined;
  /** Sandbox-wide env vars; read at the first execution after each kernel start. */
  getEnvs: () => Record<string, string>;
  /**
   * How long an interrupted cell may take to end before the kernel is restarted instead.
   * @default {3000}
   */
  interruptGraceMs?: number | undefined;
}

/** Options of {@linkcode CodeContext.execute}. */
export interface ExecuteOptions {
  /** Env vars for this execution only; reset afterwards. */
  envVars?: Record<string, string>;
  /** Aborting it (the client went away) interrupts the kernel. */
  signal?: AbortSignal;
}

/** What consumes an execution's lines. */
interface Sink {
  emit(message: OutputMessage): void;
  close(): void;
}

function errorOutputOf(error: unknown): ErrorOutput {
  if (error instanceof ExecutionAbortedError) {
    return { type: "error", name: error.ename, value: error.message, traceback: "" };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  return { type: "error", name: e.name, value: e.message, traceback: e.stack ?? "" };
}

/** One stateful kernel serving executions in order. */
export class CodeContext implements AsyncDisposable {
  /** Context id, stable across restarts: the kernel id unless one was reserved for it. */
  readonly id: string;
  /** Jupyter's id of the kernel. */
  #kernelId: string;
  /** Normalized language. */
  readonly language: string;
  /** Working directory. */
  readonly cwd: string;
  readonly #family: KernelFamily;
  readonly #kernelName: string;
  readonly #servers: ServerSource;
  /** The server the kernel runs on. */
  #server: JupyterServer;
  readonly #getEnvs: () => Record<string, string>;
  readonly #interruptGraceMs: number;
  readonly #mutex = new Mutex();
  #connection: KernelConnection;
  /** Bumped on every kernel (re)start; state set up for an older generation is gone. */
  #generation = 0;
  #needsInit = true;
  #envsApplied = false;
  #dead = false;
  /** Set when the kernel process was replaced: wait for it to answer before sending code. */
  #awaitKernel = true;
  /** Set when Jupyter's restarter replaced the kernel: the server's process list is stale. */
  #retrack = false;
  #restarting: Promise<void> | undefined;
  #removed = false;

  private constructor(
    options: CodeContextOptions,
    server: JupyterServer,
    kernelId: string,
    connection: KernelConnection,
  ) {
    this.id = options.id ?? kernelId;
    this.#kernelId = kernelId;
    this.language = options.language;
    this.cwd = options.cwd;
    this.#family = kernelFamily(options.language);
    this.#kernelName = options.kernelName;
    this.#servers = options.servers;
    this.#server = server;
    this.#getEnvs = options.getEnvs;
    this.#interruptGraceMs = options.interruptGraceMs ?? 3000;
    this.#connection = connection;
  }

  /**
   * Starts a kernel and prepares it (cwd, formatters). Throws `JupyterApiError` when the kernel
   * does not start (e.g. no such kernelspec) and `KernelSetupError` when the set-up fails (e.g. the
   * cwd does not exist); the kernel is shut down again in both cases.
   */
  static async create(options: CodeContextOptions): Promise<CodeContext> {
    const server = await options.servers.current();
    const kernel = await server.startKernel(options.kernelName, { cwd: options.cwd });
    let context: CodeContext | undefined;
    try {
      const connection = await KernelConnection.open(
        server.channelsUrl(kernel.id, crypto.randomUUID()),
        crypto.randomUUID(),
        { onKernelStatus: (state) => context && context.#onKernelStatus(state) },
      );
      context = new CodeContext(options, server, kernel.id, connection);
      using _lock = await context.#mutex.lock();
      await context.#prepare({ envs: false });
      return context;
    } catch (error) {
      if (context) {
        context.#connection.close();
        await context.#server.deleteKernel(context.#kernelId).catch(() => {});
      } else {
        await server.deleteKernel(kernel.id).catch(() => {});
      }
      throw error;
    }
  }

  /** The context as the API lists it. */
  info(): ContextInfo {
    return { id: this.id, language: this.language, cwd: this.cwd };
  }

  /**
   * Runs `code` after every earlier execution of this context finished, and streams its lines,
   * always ending with `end_of_execution`. Cancelling the stream (or aborting `signal`)
   * interrupts the kernel; an execution that had not started yet is skipped.
   */
  execute(code: string, options: ExecuteOptions = {}): ReadableStream<OutputMessage> {
    const cancelled = new AbortController();
    const signal = options.signal
      ? AbortSignal.any([options.signal, cancelled.signal])
      : cancelled.signal;
    let open = true;
    return new ReadableStream<OutputMessage>({
      start: (controller) => {
        const sink: Sink = {
          emit(message) {
            if (!open) return;
            try {
              controller.enqueue(message);
            } catch {
              open = false;
            }
          },
          close() {
            if (!open) return;
            open = false;
            try {
              controller.close();
            } catch {
              // cancelled
            }
          },
        };
        // #run reports its own failures as `error` lines; nothing is left to report after it.
        void this.#run(code, options.envVars ?? {}, signal, sink).catch(() => {}).finally(() =>
          sink.close()
        );
      },
      cancel: (reason) => {
        open = false;
        cancelled.abort(reason);
      },
    });
  }

  async #run(
    code: string,
    envVars: Record<string, string>,
    signal: AbortSignal,
    sink: Sink,
  ): Promise<void> {
    using _lock = await this.#mutex.lock();
    if (signal.aborted) return; // the client left before its turn came
    const perExecutionEnvs = Object.keys(envVars).length > 0;
    let generation = -1;
    try {
      await this.#prepare({ envs: true });
      generation = this.#generation;
      if (perExecutionEnvs) await this.#silent(envCode(this.#family, envVars));
      if (signal.aborted) {
        throw new ExecutionAbortedError("ExecutionAborted", "The client went away");
      }
      const handle = this.#connection.execute(
        code,
        this.#family === "javascript" ? { barrier: "void 0" } : {},
      );
      let finished = false;
      const onAbort = () => {
        if (!finished) void this.#interrupt(() => finished, generation);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      let errorSent = false;
      try {
        for await (const message of handle.messages) {
          if (message.header.msg_type === "execute_reply") {
            // The reply can come before the iopub `error` (different channels); report one error.
            if (message.content.status === "error" && !errorSent) {
              errorSent = true;
              sink.emit(errorFromContent(message.content));
            }
            continue;
          }
          const output = outputFromMessage(message);
          if (output === undefined) continue;
          if (output.type === "error") {
            if (errorSent) continue;
            errorSent = true;
          }
          sink.emit(output);
        }
      } finally {
        finished = true;
        signal.removeEventListener("abort", onAbort);
      }
    } catch (error) {
      sink.emit(errorOutputOf(error));
    }
    sink.emit({ type: "end_of_execution" });
    sink.close();
    if (perExecutionEnvs && generation === this.#generation && !this.#dead) {
      // Still under the lock, so the next execution sees the sandbox-wide values again.
      const { set, unset } = envRestore(envVars, this.#getEnvs());
      await this.#silent(envCode(this.#family, set, unset)).catch(() => {
        // the kernel is gone; its replacement starts without these variables anyway
      });
    }
  }

  /** Brings the kernel into a usable state. Call with the lock held. */
  async #prepare(options: { envs: boolean }): Promise<void> {
    if (this.#removed) {
      throw new ExecutionAbortedError("ContextRemoved", `Context ${this.id} was removed`);
    }
    while (this.#restarting) await this.#restarting.catch(() => {});
    const server = await this.#servers.current();
    if (server !== this.#server) await this.#moveTo(server);
    if (this.#dead) await this.#restartKernel(new ExecutionAbortedError("DeadKernelError", "dead"));
    if (this.#connection.closed) await this.#reconnect();
    if (this.#awaitKernel) {
      await this.#connection.waitReady().catch((error) => {
        throw new KernelSetupError(
          `The ${this.language} kernel did not start: ${(error as Error).message}`,
          { cause: error },
        );
      });
      this.#awaitKernel = false;
      if (this.#retrack) {
        this.#retrack = false;
        await this.#server.trackKernelProcesses();
      }
    }
    if (this.#needsInit) {
      const code = initCode(this.#family, this.cwd);
      const generation = this.#generation;
      await this.#silent(code).catch((error) => {
        throw new KernelSetupError(
          `Failed to set up the ${this.language} kernel in ${this.cwd}: ${
            (error as Error).message
          }`,
          { cause: error },
        );
      });
      if (generation === this.#generation) this.#needsInit = false;
    }
    if (options.envs && !this.#envsApplied) {
      await this.#silent(envCode(this.#family, this.#getEnvs()));
      this.#envsApplied = true;
    }
  }

  /**
   * Runs set-up code silently; rejects with the kernel's error, if any, or when it does not
   * finish within `timeoutMs` (set-up code is short, so a lost request must not hang the context).
   */
  async #silent(code: string, timeoutMs = 30_000): Promise<void> {
    if (code === "") return;
    const reader = this.#connection.execute(code, { silent: true }).messages.getReader();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void reader.cancel().catch(() => {});
    }, timeoutMs);
    let error: ErrorOutput | undefined;
    try {
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        const message = next.value;
        const type = message.header.msg_type;
        if (
          error === undefined &&
          (type === "error" || (type === "execute_reply" && message.content.status === "error"))
        ) {
          error = errorFromContent(message.content);
        }
      }
    } finally {
      clearTimeout(timer);
    }
    if (timedOut) throw new Error(`the kernel did not finish set-up code in ${timeoutMs} ms`);
    if (error) throw new Error(`${error.name}: ${error.value}`);
  }

  /**
   * Starts the context's kernel afresh on `server`, the Jupyter Server that replaced the one the
   * kernel died with: same context id, language and cwd, fresh state.
   */
  async #moveTo(server: JupyterServer): Promise<void> {
    this.#connection.close();
    const kernel = await server.startKernel(this.#kernelName, { cwd: this.cwd });
    this.#server = server;
    this.#kernelId = kernel.id;
    this.#generation++;
    this.#needsInit = true;
    this.#envsApplied = false;
    this.#dead = false;
    await this.#reconnect();
  }

  async #reconnect(): Promise<void> {
    this.#awaitKernel = true;
    this.#connection = await KernelConnection.open(
      this.#server.channelsUrl(this.#kernelId, crypto.randomUUID()),
      crypto.randomUUID(),
      { onKernelStatus: (state) => this.#onKernelStatus(state) },
    );
  }

  #onKernelStatus(state: "restarting" | "dead"): void {
    this.#generation++;
    this.#awaitKernel = true;
    this.#needsInit = true;
    this.#envsApplied = false;
    if (state === "dead") this.#dead = true;
    else this.#retrack = true;
    this.#connection.failPending(
      new ExecutionAbortedError(
        "DeadKernelError",
        state === "dead"
          ? "The kernel died and could not be restarted; the next execution tries again"
          : "The kernel died and was restarted; its state is lost",
      ),
    );
  }

  /**
   * Restarts the kernel (same id, fresh state) and ends whatever ran with `reason`. Does not take
   * the lock, so it can end an execution that holds it; executions waiting for the lock wait for
   * the restart in {@linkcode CodeContext.#prepare}.
   */
  #restartKernel(reason: ExecutionAbortedError): Promise<void> {
    if (this.#restarting) return this.#restarting;
    const restart = (async () => {
      try {
        await this.#server.restartKernel(this.#kernelId);
        this.#dead = false;
      } catch (error) {
        this.#dead = true;
        throw error;
      } finally {
        this.#generation++;
        this.#awaitKernel = true;
        this.#needsInit = true;
        this.#envsApplied = false;
        this.#connection.failPending(reason);
      }
    })();
    this.#restarting = restart.finally(() => this.#restarting = undefined);
    return this.#restarting;
  }

  /** Interrupts the running cell; restarts the kernel if that does not end it in time. */
  async #interrupt(finished: () => boolean, generation: number): Promise<void> {
    try {
      await this.#server.interruptKernel(this.#kernelId);
    } catch {
      // fall through to the restart below
    }
    const step = 100;
    for (let waited = 0; waited < this.#interruptGraceMs; waited += step) {
      if (finished() || generation !== this.#generation) return;
      await delay(step);
    }
    if (finished() || generation !== this.#generation || this.#removed) return;
    await this.#restartKernel(
      new ExecutionAbortedError("ExecutionAborted", "The execution was aborted by the client"),
    ).catch(() => {});
  }

  /**
   * Brings the kernel up now without running anything, e.g. on a Jupyter Server that just
   * replaced a dead one, so the next execution does not wait for a kernel to start.
   */
  async warm(): Promise<void> {
    using _lock = await this.#mutex.lock();
    await this.#prepare({ envs: false });
  }

  /**
   * Restarts the kernel: its state is gone, the id, language and cwd stay. Whatever was running
   * ends with a `ContextRestarting` error. Resolves once the new kernel is set up.
   */
  async restart(): Promise<void> {
    await this.#restartKernel(
      new ExecutionAbortedError("ContextRestarting", `Context ${this.id} is restarting`),
    );
    using _lock = await this.#mutex.lock();
    await this.#prepare({ envs: false });
  }

  /** Shuts the kernel down; whatever was running ends with a `ContextRemoved` error. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#removed) return;
    this.#removed = true;
    this.#connection.failPending(
      new ExecutionAbortedError("ContextRemoved", `Context ${this.id} was removed`),
    );
    this.#connection.close();
    await this.#server.deleteKernel(this.#kernelId).catch((error) => {
      // A server that is gone took its kernels with it.
      if (!(error instanceof JupyterApiError) || error.jupyterStatus !== 0) throw error;
    });
  }
}
