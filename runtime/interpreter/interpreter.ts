/**
 * Assembles the code interpreter: one supervised Jupyter Server child process (restarted when it
 * dies, as the template's systemd unit does), the context table and the HTTP routes, with the
 * startup contexts created in the background: python's kernel starts with the interpreter,
 * javascript's default context is reserved (listed, started on first use), and every other
 * language (bash, r, java, ...) gets its kernel when it is first asked for, to keep an idle
 * code-interpreter sandbox small.
 *
 * @module
 */
import { ContextManager } from "./context_manager.ts";
import { JupyterServer, type RunAs } from "./jupyter_server.ts";
import { normalizeLanguage, pickKernelspec } from "./language.ts";
import { createRoutes, type StartupState } from "./routes.ts";
import { Supervisor } from "./supervisor.ts";

/** Options of {@linkcode createInterpreter}. */
export interface InterpreterOptions {
  /**
   * Sandbox-wide env vars (the ones envd's `/init` sets). Called at each context's first
   * execution, and again after its kernel restarts, so values set after startup reach kernels
   * that were already running.
   */
  getEnvs(): Record<string, string>;
  /**
   * Working directory of default contexts and of contexts created without a `cwd`.
   * @default {"/home/user"}
   */
  cwd?: string;
  /** Run Jupyter Server and every kernel as this user; undefined = as the runtime's own user. */
  runAs?: RunAs;
  /**
   * Languages whose default context starts with the interpreter, in order; the first one is the
   * default context of requests without a language and must start. Later ones whose kernelspec
   * is not installed are skipped.
   * @default {["python"]}
   */
  startLanguages?: string[];
  /**
   * Languages whose default context is listed from the start but whose kernel starts only when
   * first used (skipped when their kernelspec is not installed). Deno's kernel is one: about
   * 100 MB resident that most sandboxes never use.
   * @default {["javascript"]}
   */
  lazyLanguages?: string[];
  /**
   * The sandbox's access token (read per request, so a token set later applies). While it is
   * set, every route but `GET /health` and `/contexts*` needs it in `X-Access-Token`.
   * @default {() => undefined}
   */
  accessToken?: () => string | undefined;
  /**
   * Python that has `jupyter_server` and `ipykernel` (see `hack/requirements.txt`).
   * @default {"python3"}
   */
  python?: string;
  /**
   * Kernelspec names per language, over the defaults (`python3`; `deno` for javascript and
   * typescript; `bash`; otherwise the language name).
   */
  kernelNames?: Record<string, string>;
  /** Extra environment for Jupyter Server and its kernels. */
  env?: Record<string, string>;
  /**
   * Milliseconds of silence after which `/execute` writes a keepalive line.
   * @default {5000}
   */
  keepaliveMs?: number;
  /**
   * How long an interrupted cell may take to end before its kernel is restarted.
   * @default {3000}
   */
  interruptGraceMs?: number;
  /**
   * Delay before Jupyter Server is restarted after it died; it doubles while restarts keep
   * failing (see `supervisor.ts`).
   * @default {500}
   */
  restartDelayMs?: number;
}

/** A running code interpreter. */
export interface Interpreter extends AsyncDisposable {
  /** Serves the code-interpreter API; pass it to `Deno.serve`. */
  fetch(request: Request): Promise<Response>;
  /**
   * Resolves once the startup contexts run; rejects when startup failed (also answered by
   * `/health` with 500). Requests do not need to wait for it: each waits for what it uses.
   */
  ready: Promise<void>;
  /** How many times Jupyter Server was restarted after it died. */
  readonly jupyterRestarts: number;
  /** Shuts down every kernel and Jupyter Server, leaving no process behind. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts the startup contexts: the first of `startLanguages` (required), the others when their
 * kernel is installed, and reserves the `lazyLanguages` that are installed.
 */
async function startContexts(
  contexts: ContextManager,
  servers: Supervisor<JupyterServer>,
  options: InterpreterOptions,
): Promise<void> {
  const [first, ...rest] = (options.startLanguages ?? ["python"]).map((l) => normalizeLanguage(l));
  const lazy = (options.lazyLanguages ?? ["javascript"]).map((l) => normalizeLanguage(l));
  if (first !== undefined) await contexts.defaultFor(first);
  if (rest.length === 0 && lazy.length === 0) return;
  const installed = await (await servers.current()).kernelspecNames();
  const isInstalled = (language: string) =>
    pickKernelspec(language, installed, options.kernelNames) !== undefined;
  for (const language of rest) {
    if (isInstalled(language)) await contexts.defaultFor(language);
  }
  for (const language of lazy) {
    if (isInstalled(language)) contexts.reserveDefault(language);
  }
}

/** What `/health` reports: startup first, then whether Jupyter Server is up. */
function healthOf(startup: StartupState, servers: Supervisor<JupyterServer>): StartupState {
  if (startup.state !== "ready") return startup;
  const state = servers.state;
  return state === "running" ? startup : { state: "restarting" };
}

/**
 * Starts the code interpreter. Resolves at once; Jupyter Server and the startup contexts come up
 * in the background (`ready`), and a request that arrives meanwhile waits for the context it
 * needs, so the first `run_code` is answered as soon as the python kernel is up.
 *
 * @example
 * ```ts ignore
 * import { createInterpreter } from "./mod.ts";
 * await using interpreter = await createInterpreter({ getEnvs: () => ({}) });
 * Deno.serve({ port: 49999 }, interpreter.fetch);
 * ```
 */
export function createInterpreter(options: InterpreterOptions): Promise<Interpreter> {
  const cwd = options.cwd ?? "/home/user";
  const warmDefault = () => {
    const [first] = options.startLanguages ?? ["python"];
    // After a restart, the default context's kernel comes up on the new server at once.
    if (first !== undefined) void contexts.defaultFor(first).then((c) => c.warm()).catch(() => {});
  };
  const servers = new Supervisor({
    start: () =>
      JupyterServer.start({ python: options.python, runAs: options.runAs, env: options.env }),
    onRestart: warmDefault,
    restartDelayMs: options.restartDelayMs,
  });
  const contexts = new ContextManager(servers, {
    getEnvs: () => options.getEnvs(),
    cwd,
    kernelNames: options.kernelNames,
    interruptGraceMs: options.interruptGraceMs,
  });
  let startup: StartupState = { state: "starting" };
  const ready = startContexts(contexts, servers, options);
  ready.then(
    () => startup = { state: "ready" },
    (error) => {
      startup = {
        state: "failed",
        error: error instanceof Error ? error : new Error(String(error)),
      };
    },
  );
  const app = createRoutes({
    contexts,
    accessToken: options.accessToken ?? (() => undefined),
    startup: () => healthOf(startup, servers),
    ready,
    keepaliveMs: options.keepaliveMs,
  });
  let disposed: Promise<void> | undefined;
  const dispose = async () => {
    await ready.catch(() => {});
    await contexts[Symbol.asyncDispose]();
    await servers[Symbol.asyncDispose]();
  };
  return Promise.resolve({
    fetch: async (request: Request) => await app.fetch(request),
    ready,
    get jupyterRestarts() {
      return servers.restarts;
    },
    [Symbol.asyncDispose]: () => disposed ??= dispose(),
  });
}
