/**
 * One Jupyter Server child process on loopback, and the few REST calls the interpreter makes to it
 * (start, interrupt, restart and delete kernels). Kernels are spoken to over the server's kernel
 * websocket ({@linkcode KernelConnection}); the server does the ZeroMQ side, which keeps native
 * ZeroMQ bindings out of the runtime.
 *
 * The server runs with its token disabled, bound to 127.0.0.1 on a free port, with `root_dir=/`
 * (each context changes into its own cwd) and a short heartbeat, so a kernel that dies is
 * restarted by the server's restarter within about a second.
 *
 * With `runAs`, the server and so every kernel run as that user, switched with `setpriv
 * --init-groups` exactly as commands are (`process/launch.ts`): that user's uid, gid and
 * supplementary groups (Deno's `uid`/`gid` options would drop them all), `HOME`, `USER` and
 * `LOGNAME` of the user, and the user's home as working directory. Kernels then write their
 * connection files and IPython profile under that home.
 *
 * @module
 */
import { withoutLauncherEnv } from "../startup_env.ts";
import { delay } from "@kruise-agents/shared/std";
import { JupyterApiError } from "./errors.ts";
import { descendantsOf, listProcesses, type ProcessInfo } from "./process_tree.ts";

/** The user kernels run as. */
export interface RunAs {
  /** User id. */
  uid: number;
  /** Group id. */
  gid: number;
  /** Home directory, exported as `HOME`. */
  home: string;
  /** User name, exported as `USER` and `LOGNAME`. */
  username: string;
}

/** Options of {@linkcode JupyterServer.start}. */
export interface JupyterServerOptions {
  /**
   * Python interpreter that has `jupyter_server` and `ipykernel` installed.
   * @default {"python3"}
   */
  python?: string | undefined;
  /**
   * Run the server (and so every kernel) as this user; undefined = as the runtime's user. Needs
   * a root runtime and `setpriv` (util-linux).
   */
  runAs?: RunAs | undefined;
  /** Extra environment for the server and its kernels, on top of the runtime's own. */
  env?: Record<string, string> | undefined;
  /**
   * How long the server may take to answer `/api/status`.
   * @default {60000}
   */
  startTimeoutMs?: number;
  /**
   * Seconds between kernel heartbeats; a kernel that misses one is restarted.
   * @default {0.5}
   */
  heartbeatSeconds?: number;
}

/** A kernel as Jupyter Server's REST API describes it. */
export interface KernelModel {
  /** Kernel id; the interpreter uses it as the context id. */
  id: string;
  /** Kernelspec name. */
  name: string;
}

function parseKernelModel(value: unknown): KernelModel {
  if (typeof value !== "object" || value === null) {
    throw new TypeError("Cannot parse kernel model: not an object");
  }
  const { id, name } = value as Record<string, unknown>;
  if (typeof id !== "string" || typeof name !== "string") {
    throw new TypeError("Cannot parse kernel model: id or name missing");
  }
  return { id, name };
}

/** Keeps the last `limit` characters written, for error messages about a failed start. */
class OutputTail {
  #text = "";
  readonly #limit: number;
  constructor(limit: number) {
    this.#limit = limit;
  }
  append(chunk: string): void {
    this.#text = (this.#text + chunk).slice(-this.#limit);
  }
  toString(): string {
    return this.#text;
  }
}

/**
 * Starts Jupyter Server (the stock `jupyter_server` package; its CLI options follow in
 * `sys.argv`) with two changes:
 * - TCP_NODELAY on kernel websockets. Tornado leaves Nagle's algorithm on, so the several small
 *   frames of one execution (status, input, result, reply, idle) wait for the client's delayed
 *   ACK: about 40 ms per cell instead of a few.
 * - It shuts down (SIGTERM: kernels first) when its stdin reaches EOF, i.e. when the runtime
 *   died without disposing it; kernels run in their own sessions and would otherwise be left
 *   behind with the server.
 */
const BOOTSTRAP = `import os, signal, sys, threading
# argv[1:3] is the label "jupyter server" (see serverCommand); Jupyter's own options follow.
sys.argv = ["jupyter-server"] + sys.argv[3:]
def _watch_parent():
    sys.stdin.buffer.read()
    os.kill(os.getpid(), signal.SIGTERM)
threading.Thread(target=_watch_parent, daemon=True).start()
from jupyter_server.services.kernels.websocket import KernelWebsocketHandler
_open = KernelWebsocketHandler.open
async def _open_nodelay(self, *args, **kwargs):
    self.set_nodelay(True)
    return await _open(self, *args, **kwargs)
KernelWebsocketHandler.open = _open_nodelay
from jupyter_server.serverapp import main
sys.exit(main())
`;

/** Bytes per second of IOPub output Jupyter Server forwards before dropping it (upstream's 1e9). */
export const IOPUB_DATA_RATE_LIMIT = 1_000_000_000;
/** IOPub messages per second Jupyter Server forwards before dropping them (default 1000). */
export const IOPUB_MSG_RATE_LIMIT = 1_000_000;

function freePort(): number {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return (listener.addr as Deno.NetAddr).port;
}

/**
 * The command line and environment of a Jupyter Server on `port`: as `options.runAs` (through
 * `setpriv`, with that user's `HOME`, `USER` and `LOGNAME`) when given.
 */
function serverCommand(
  options: JupyterServerOptions,
  port: number,
): { argv: string[]; env: Record<string, string> } {
  const { runAs } = options;
  const args = [
    "-c",
    BOOTSTRAP,
    // A label for `ps` and `pgrep -f 'jupyter server'` (E2B's supervision tests find the server
    // by it); the bootstrap drops it.
    "jupyter",
    "server",
    "--ServerApp.ip=127.0.0.1",
    `--ServerApp.port=${port}`,
    "--ServerApp.port_retries=0",
    "--ServerApp.open_browser=False",
    "--ServerApp.root_dir=/",
    "--ServerApp.disable_check_xsrf=True",
    "--ServerApp.terminals_enabled=False",
    "--ServerApp.log_level=WARN",
    "--ServerApp.password=",
    "--IdentityProvider.token=",
    `--KernelRestarter.time_to_dead=${options.heartbeatSeconds ?? 0.5}`,
    "--KernelManager.shutdown_wait_time=2",
    // Upstream's template raises the IOPub data limit so that big outputs (a few MB printed at
    // once) reach the client instead of Jupyter's "IOPub data rate exceeded" notice; the message
    // limit goes up with it, for cells that print many small chunks.
    `--ZMQChannelsWebsocketConnection.iopub_data_rate_limit=${IOPUB_DATA_RATE_LIMIT}`,
    `--ZMQChannelsWebsocketConnection.iopub_msg_rate_limit=${IOPUB_MSG_RATE_LIMIT}`,
    // Jupyter refuses to run as root without this (a runtime run by hand as root without a
    // `runAs`); it changes nothing for other users.
    "--ServerApp.allow_root=True",
  ];
  const env: Record<string, string> = {
    ...withoutLauncherEnv(Deno.env.toObject()),
    // Silence Jupyter's platformdirs migration warning and debugpy's frozen-modules warning.
    JUPYTER_PLATFORM_DIRS: "1",
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
    ...(runAs ? { HOME: runAs.home, USER: runAs.username, LOGNAME: runAs.username } : {}),
    ...options.env,
  };
  const python = options.python ?? "python3";
  if (!runAs) return { argv: [python, ...args], env };
  const setpriv = [
    "setpriv",
    `--reuid=${runAs.uid}`,
    `--regid=${runAs.gid}`,
    "--init-groups",
    "--",
  ];
  return { argv: [...setpriv, python, ...args], env };
}

/**
 * A running Jupyter Server. Dispose it to shut down every kernel and the server; kernels that
 * outlive it (they run in their own sessions) are killed, also after the server itself died.
 *
 * Why the server keeps a list of its kernel processes: a kernel is started in its own session, so
 * when the server is killed (SIGKILL, the OOM killer) its kernels are orphaned and no longer in
 * its process tree. ipykernel and bash_kernel notice their parent's death and exit; Deno's
 * kernel, IRkernel and the JVM of JJava do not, and would hold their memory until the sandbox
 * ends. The list (pid and command line, refreshed after every kernel start) finds them then.
 */
export class JupyterServer implements AsyncDisposable {
  /** Base URL of the REST API, e.g. `http://127.0.0.1:40123`. */
  readonly baseUrl: string;
  /** Process id of the server. */
  readonly pid: number;
  readonly #child: Deno.ChildProcess;
  readonly #drained: Promise<unknown>;
  readonly #tail: OutputTail;
  /** The server's kernel processes as last seen (direct children, each a session leader). */
  #kernelProcesses: ProcessInfo[] = [];
  #disposed: Promise<void> | undefined;

  private constructor(
    child: Deno.ChildProcess,
    port: number,
    drained: Promise<unknown>,
    tail: OutputTail,
  ) {
    this.#child = child;
    this.pid = child.pid;
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.#drained = drained;
    this.#tail = tail;
  }

  /**
   * Starts a server and waits until its API answers. Retries on another port when the first one
   * was taken in between (the port is picked before the server binds it).
   */
  static async start(options: JupyterServerOptions = {}): Promise<JupyterServer> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return await JupyterServer.#startOnce(options, freePort());
      } catch (error) {
        lastError = error;
        if (!(error instanceof JupyterApiError) || error.jupyterStatus !== 0) throw error;
      }
    }
    throw lastError;
  }

  static async #startOnce(options: JupyterServerOptions, port: number): Promise<JupyterServer> {
    const { argv, env } = serverCommand(options, port);
    const child = new Deno.Command(argv[0]!, {
      args: argv.slice(1),
      cwd: options.runAs?.home ?? "/",
      env,
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const tail = new OutputTail(4000);
    const drain = async (stream: ReadableStream<Uint8Array>) => {
      for await (const text of stream.pipeThrough(new TextDecoderStream())) tail.append(text);
    };
    const drained = Promise.allSettled([drain(child.stdout), drain(child.stderr)]);
    const server = new JupyterServer(child, port, drained, tail);
    const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
    let exited = false;
    const status = child.status.then((s) => {
      exited = true;
      return s;
    });
    while (!exited) {
      try {
        const response = await fetch(`${server.baseUrl}/api/status`);
        await response.body?.cancel();
        if (response.ok) return server;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await server[Symbol.asyncDispose]();
        throw new JupyterApiError(0, `Cannot start Jupyter Server: no answer on port ${port}`);
      }
      await Promise.race([delay(50), status]);
    }
    const { code } = await status;
    await server[Symbol.asyncDispose]();
    throw new JupyterApiError(
      0,
      `Cannot start Jupyter Server: it exited with code ${code}: ${tail.toString().trim()}`,
    );
  }

  async #request(method: string, path: string, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { "content-type": "application/json" },
        body: body === undefined ? null : JSON.stringify(body),
      });
    } catch (error) {
      throw new JupyterApiError(0, `Cannot reach Jupyter Server: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const text = await response.text();
    if (!response.ok) {
      let message = text;
      try {
        const parsed = JSON.parse(text) as { message?: unknown; reason?: unknown };
        message = String(parsed.message || parsed.reason || text);
      } catch {
        // not JSON: keep the text
      }
      throw new JupyterApiError(
        response.status,
        `${method} ${path}: ${response.status} ${message}`,
      );
    }
    return text === "" ? null : JSON.parse(text);
  }

  /**
   * Resolves with the server's exit status when its process ends, whether it was disposed or it
   * died; a supervisor watches it to start a new server.
   */
  get exited(): Promise<Deno.CommandStatus> {
    return this.#child.status;
  }

  /**
   * Starts a kernel from the kernelspec `name`, its process in `cwd` (an absolute path; Jupyter
   * falls back to the nearest existing parent when it does not exist).
   */
  async startKernel(name: string, options: { cwd?: string } = {}): Promise<KernelModel> {
    // Paths are relative to the server's root_dir, which is "/".
    const path = options.cwd?.replace(/^\/+/, "");
    const model = await this.#request("POST", "/api/kernels", path ? { name, path } : { name });
    await this.trackKernelProcesses();
    return parseKernelModel(model);
  }

  /**
   * Refreshes the list of kernel processes (see the class doc). Called after every kernel start
   * and restart; a failure to list processes keeps the previous list.
   */
  async trackKernelProcesses(): Promise<void> {
    try {
      const processes = await listProcesses();
      this.#kernelProcesses = processes.filter((p) => p.ppid === this.pid && p.state !== "Z");
    } catch {
      // no ps: dispose still kills what is in the server's tree
    }
  }

  /** Lists the running kernels. */
  async listKernels(): Promise<KernelModel[]> {
    const kernels = await this.#request("GET", "/api/kernels");
    if (!Array.isArray(kernels)) throw new TypeError("Cannot parse kernels: not an array");
    return kernels.map(parseKernelModel);
  }

  /** Names of the installed kernelspecs. */
  async kernelspecNames(): Promise<string[]> {
    const specs = await this.#request("GET", "/api/kernelspecs") as { kernelspecs?: unknown };
    if (typeof specs?.kernelspecs !== "object" || specs.kernelspecs === null) {
      throw new TypeError("Cannot parse kernelspecs: kernelspecs missing");
    }
    return Object.keys(specs.kernelspecs);
  }

  /** Interrupts the kernel's current execution (SIGINT for ipykernel). */
  async interruptKernel(id: string): Promise<void> {
    await this.#request("POST", `/api/kernels/${encodeURIComponent(id)}/interrupt`);
  }

  /** Restarts the kernel in place: same id, fresh process and state. */
  async restartKernel(id: string): Promise<void> {
    await this.#request("POST", `/api/kernels/${encodeURIComponent(id)}/restart`);
    await this.trackKernelProcesses();
  }

  /** Shuts the kernel down; an already unknown kernel is not an error. */
  async deleteKernel(id: string): Promise<void> {
    try {
      await this.#request("DELETE", `/api/kernels/${encodeURIComponent(id)}`);
    } catch (error) {
      if (!(error instanceof JupyterApiError) || error.jupyterStatus !== 404) throw error;
    }
  }

  /** The kernel websocket URL for `kernelId`. */
  channelsUrl(kernelId: string, sessionId: string): string {
    const url = new URL(`/api/kernels/${encodeURIComponent(kernelId)}/channels`, this.baseUrl);
    url.protocol = "ws:";
    url.searchParams.set("session_id", sessionId);
    return url.href;
  }

  /** What the server printed last; for diagnostics. */
  get outputTail(): string {
    return this.#tail.toString();
  }

  /**
   * Shuts down every kernel, then the server (SIGTERM, SIGKILL after 5 s), then kills any kernel
   * process that survived it. Safe to call more than once.
   */
  [Symbol.asyncDispose](): Promise<void> {
    this.#disposed ??= this.#dispose();
    return this.#disposed;
  }

  async #dispose(): Promise<void> {
    let before: ProcessInfo[] = [...this.#kernelProcesses];
    try {
      before = [...before, ...descendantsOf(this.pid, await listProcesses())];
    } catch {
      // no ps: rely on the server's own shutdown and the kernels seen last
    }
    await this.#shutDown();
    if (before.length > 0) {
      await killSurvivors(before, new Set(this.#kernelProcesses.map((p) => p.pid)));
    }
    // Last: kernels inherit the server's stdout and stderr, so these pipes end only once no
    // kernel is left (a server that died leaves its kernels holding them).
    await this.#drained;
  }

  /** Asks the server to shut its kernels down, then stops it (SIGTERM, SIGKILL after 5 s). */
  async #shutDown(): Promise<void> {
    try {
      const kernels = await this.listKernels();
      await Promise.allSettled(kernels.map((kernel) => this.deleteKernel(kernel.id)));
    } catch {
      // the server is gone or not up yet; the signals below still apply
    }
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // already exited
    }
    await this.#child.stdin.close().catch(() => {});
    const timeout = new AbortController();
    const exited = await Promise.race([
      this.#child.status.then(() => true),
      delay(5000, { signal: timeout.signal }).then(() => false, () => false),
    ]);
    timeout.abort();
    if (exited) return;
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // exited in between
    }
    await this.#child.status;
  }
}

/**
 * Kills every process of `before` that still runs as the same program (same pid and command
 * line, so a reused pid is left alone); for the `groupLeaders` (kernels, which lead their own
 * process group) the whole group, so a kernel's helpers go with it.
 */
async function killSurvivors(before: ProcessInfo[], groupLeaders: Set<number>): Promise<void> {
  let after: ProcessInfo[];
  try {
    after = await listProcesses();
  } catch {
    return;
  }
  for (const survivor of after) {
    const old = before.find((p) => p.pid === survivor.pid && p.cmdline === survivor.cmdline);
    if (!old || survivor.state === "Z") continue;
    for (
      const target of groupLeaders.has(survivor.pid)
        ? [-survivor.pid, survivor.pid]
        : [survivor.pid]
    ) {
      try {
        Deno.kill(target, "SIGKILL");
      } catch {
        // exited in between
      }
    }
  }
}
