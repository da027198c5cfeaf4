/**
 * One process started through `process.Process/Start`: its child, its stdin or terminal, and its
 * events fanned out to every subscriber. The handle, not the request, owns the process: a client
 * that disconnects does not end it, and its exit is kept for subscribers that come later.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { Fanout } from "./output_fanout.ts";
import { resizeScriptPty } from "./pty_script.ts";

/** The configuration a process was started with, reported by `List`. */
export interface ProcessSpec {
  /** Program. */
  cmd: string;
  /** Arguments. */
  args: string[];
  /** Env vars from the request (not the merged environment). */
  envs: Record<string, string>;
  /** Working directory as requested, if any. */
  cwd?: string | undefined;
}

/** How a process ended, in the terms of Go's `ProcessState` that envd reports. */
export interface ExitInfo {
  /** Exit code, or -1 when killed by a signal. */
  exitCode: number;
  /** Whether it exited normally (not by a signal). */
  exited: boolean;
  /** `exit status N` or `signal: <name>`. */
  status: string;
  /** The same text as `status` when the process failed, else undefined. */
  error?: string;
}

/** One event of a process, after `start`. */
export type ProcessEventItem =
  | { kind: "stdout" | "stderr" | "pty"; data: Uint8Array }
  | { kind: "end"; exit: ExitInfo };

const GO_SIGNAL_NAMES: Record<string, string> = {
  SIGKILL: "killed",
  SIGTERM: "terminated",
  SIGINT: "interrupt",
  SIGHUP: "hangup",
  SIGQUIT: "quit",
  SIGABRT: "aborted",
  SIGSEGV: "segmentation fault",
  SIGPIPE: "broken pipe",
  SIGUSR1: "user defined signal 1",
  SIGUSR2: "user defined signal 2",
  SIGALRM: "alarm clock",
};

/** Maps Deno's exit status to envd's end event. */
export function exitInfo(status: Deno.CommandStatus): ExitInfo {
  if (status.signal) {
    const text = `signal: ${GO_SIGNAL_NAMES[status.signal] ?? status.signal}`;
    return { exitCode: -1, exited: false, status: text, error: text };
  }
  const text = `exit status ${status.code}`;
  return status.code === 0
    ? { exitCode: 0, exited: true, status: text }
    : { exitCode: status.code, exited: true, status: text, error: text };
}

/** After the process itself exits, output still read from its pipes within this window is
 * delivered; a grandchild that keeps the pipe open (`cmd &`) does not hold the end back longer. */
const DRAIN_IDLE_MS = 300;

/** Options of {@linkcode ProcessHandle.start}. */
export interface StartOptions {
  /** The full argv to spawn (wrappers included). */
  argv: string[];
  /** The merged environment. */
  env: Record<string, string>;
  /** Resolved working directory. */
  cwd: string;
  /** What to report to `List`. */
  spec: ProcessSpec;
  /** Optional tag to find the process by. */
  tag?: string | undefined;
  /** Whether stdin is a pipe the client may write to (else `/dev/null`). */
  stdin: boolean;
  /** Whether argv runs on a terminal (terminal output on stdout). */
  pty: boolean;
  /** For a PTY: whether stdin takes the python helper's frames (else raw input, `script`). */
  ptyFramed?: boolean | undefined;
  /** For a `script` PTY: the size to set once it runs (the helper takes it in its argv). */
  ptySize?: { cols: number; rows: number } | undefined;
}

/** A started process. */
export class ProcessHandle {
  /** Process id (of the PTY helper for terminals). */
  readonly pid: number;
  /** Start configuration. */
  readonly spec: ProcessSpec;
  /** Tag, if any. */
  readonly tag: string | undefined;
  /** Whether it runs on a pseudo-terminal. */
  readonly pty: boolean;
  /** Events after `start`. */
  readonly events: Fanout<ProcessEventItem> = new Fanout();
  /** Resolves with the exit once the end event is published. */
  readonly exited: Promise<ExitInfo>;
  #child: Deno.ChildProcess;
  #stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #stdinOpen: boolean;
  #writeChain: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ptyFramed: boolean;

  private constructor(child: Deno.ChildProcess, options: StartOptions) {
    this.#child = child;
    this.pid = child.pid;
    this.spec = options.spec;
    this.tag = options.tag;
    this.pty = options.pty;
    this.#ptyFramed = options.ptyFramed ?? true;
    this.#stdinOpen = options.stdin || options.pty;
    this.#stdin = this.#stdinOpen ? child.stdin.getWriter() : undefined;
    this.exited = this.#run();
    const size = options.ptySize;
    if (this.pty && !this.#ptyFramed && size) {
      // First in the input chain, so a client's resize lands after it.
      this.#writeChain = resizeScriptPty(this.pid, size.cols, size.rows).catch(() => {});
    }
  }

  /**
   * Spawns the process. A program that cannot be started is `invalid_argument`, as in envd.
   */
  static start(options: StartOptions): ProcessHandle {
    const [cmd, ...args] = options.argv;
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(cmd!, {
        args,
        env: options.env,
        clearEnv: true,
        cwd: options.cwd,
        stdin: options.stdin || options.pty ? "piped" : "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      throw new ConnectError(
        `failed to start process: ${(error as Error).message}`,
        Code.InvalidArgument,
      );
    }
    return new ProcessHandle(child, options);
  }

  async #run(): Promise<ExitInfo> {
    let lastRead = Date.now(), busy = 0;
    const pump = async (stream: ReadableStream<Uint8Array>, kind: "stdout" | "stderr" | "pty") => {
      const reader = stream.getReader();
      try {
        while (true) {
          const { done, value } = await reader.read();
          if (done) break;
          lastRead = Date.now();
          busy++;
          try {
            await this.events.publish({ kind, data: value });
          } finally {
            busy--;
          }
        }
      } catch {
        // The pipe was cancelled after the drain window; nothing more to read.
      } finally {
        reader.releaseLock();
      }
    };
    const outKind = this.pty ? "pty" : "stdout";
    const stdout = this.#child.stdout, stderr = this.#child.stderr;
    const pumps = Promise.all([pump(stdout, outKind), pump(stderr, "stderr")]);
    const status = await this.#child.status;
    clearTimeout(this.#timer);
    // Drain what the process wrote; stop once the pipes are idle, so an orphan holding them open
    // cannot delay the end event forever.
    let drained = false;
    pumps.then(() => drained = true);
    while (!drained) {
      await Promise.race([pumps, new Promise((r) => setTimeout(r, 50))]);
      if (!drained && busy === 0 && Date.now() - lastRead > DRAIN_IDLE_MS) {
        await Promise.allSettled([stdout.cancel(), stderr.cancel()]);
        break;
      }
    }
    this.#stdinOpen = false;
    await this.#stdin?.close().catch(() => {});
    const exit = exitInfo(status);
    this.events.close([{ kind: "end", exit }]);
    return exit;
  }

  /** Whether the process is still running. */
  get running(): boolean {
    return !this.events.closed;
  }

  /** Kills the process (and its process group) when `ms` have passed; the request's deadline. */
  killAfter(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.signal("SIGKILL"), ms);
  }

  /** Sends `signal` to the process's group, falling back to the process alone. */
  signal(signal: Deno.Signal): void {
    if (!this.running) return;
    try {
      Deno.kill(-this.pid, signal);
    } catch {
      try {
        this.#child.kill(signal);
      } catch {
        // Already gone.
      }
    }
  }

  /** Writes to stdin (non-PTY). */
  writeStdin(data: Uint8Array): Promise<void> {
    if (this.pty) {
      throw new ConnectError("cannot send stdin to a pty process", Code.FailedPrecondition);
    }
    return this.#write(data);
  }

  /** Writes to the terminal (PTY only). */
  writePty(data: Uint8Array): Promise<void> {
    if (!this.pty) {
      throw new ConnectError("cannot send pty input to a non-pty process", Code.FailedPrecondition);
    }
    return this.#write(this.#ptyFramed ? frame(0x64, data) : data);
  }

  /** Changes the terminal's size (PTY only). */
  resize(cols: number, rows: number): Promise<void> {
    if (!this.pty) {
      throw new ConnectError("cannot resize a non-pty process", Code.FailedPrecondition);
    }
    if (!this.#ptyFramed) {
      const next = this.#writeChain.then(() => resizeScriptPty(this.pid, cols, rows));
      this.#writeChain = next.catch(() => {});
      return next;
    }
    const payload = new Uint8Array(4);
    new DataView(payload.buffer).setUint16(0, cols);
    new DataView(payload.buffer).setUint16(2, rows);
    return this.#write(frame(0x72, payload));
  }

  /** Closes stdin, so that a reader like `cat` sees end of file. */
  async closeStdin(): Promise<void> {
    if (this.pty) {
      throw new ConnectError(
        "cannot close stdin of a pty process, send Ctrl+D (0x04) instead",
        Code.FailedPrecondition,
      );
    }
    if (!this.#stdinOpen || !this.#stdin) {
      throw new ConnectError("stdin not enabled or closed", Code.FailedPrecondition);
    }
    this.#stdinOpen = false;
    await this.#writeChain;
    await this.#stdin.close().catch(() => {});
  }

  #write(data: Uint8Array): Promise<void> {
    if (!this.#stdinOpen || !this.#stdin) {
      throw new ConnectError("stdin not enabled or closed", Code.FailedPrecondition);
    }
    const writer = this.#stdin;
    // Writes are chained so that concurrent SendInput calls keep their order.
    const next = this.#writeChain.then(() => writer.write(data));
    this.#writeChain = next.catch(() => {});
    return next.catch((error) => {
      throw new ConnectError(`failed to write input: ${error}`, Code.Internal);
    });
  }
}

function frame(kind: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + payload.length);
  out[0] = kind;
  new DataView(out.buffer).setUint32(1, payload.length);
  out.set(payload, 5);
  return out;
}
