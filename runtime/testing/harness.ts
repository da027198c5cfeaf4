/**
 * Starts the runtime the way it runs for real (a separate `deno run runtime/main.ts` process
 * with its own narrow permissions), plus a {@linkcode fakeControlPlane} in the test process, so
 * that tests drive it with the published E2B SDKs. Each test gets its own runtime on free ports.
 * A secure sandbox's runtime gets its token from birth, in `KRUISE_AGENTS_ACCESS_TOKEN`, as the
 * sandbox's pod does.
 *
 * @module
 */
import { fakeControlPlane } from "./fake_control_plane.ts";
import { ACCESS_TOKEN_ENV, ENVD_VERSION } from "@kruise-agents/shared/envd";
import { RUNTIME_MAIN, RUNTIME_PERMISSIONS, runtimeEnvFor } from "../permissions.ts";

export { RUNTIME_PERMISSIONS };
import { TextLineStream } from "@kruise-agents/shared/std";

const MAIN = RUNTIME_MAIN;

/** A runtime under test. */
export interface RuntimeUnderTest extends AsyncDisposable {
  /** Base URL of the runtime's envd listener. */
  envdUrl: string;
  /** Base URL of the code interpreter listener, when started. */
  interpreterUrl: string | undefined;
  /** Base URL of the fake control plane. */
  apiUrl: string;
  /** An API key in E2B's format. */
  apiKey: string;
  /** The access token the sandbox was initialised with, if secure. */
  accessToken: string | undefined;
  /** The runtime process's pid, e.g. to read its RSS. */
  pid: number;
  /** Connection options for the JS SDK (`Sandbox.create(opts)`). */
  sdkOptions: { apiKey: string; apiUrl: string; sandboxUrl: string; domain: string };
  /** Environment variables for an SDK in a subprocess (Python). */
  sdkEnv: Record<string, string>;
}

/** Options of {@linkcode startRuntime}. */
export interface StartRuntimeOptions {
  /** Whether the sandbox gets an access token. @default {true} */
  secure?: boolean;
  /** Whether to start the code interpreter listener too. @default {false} */
  interpreter?: boolean;
  /** Extra flags for `runtime/main.ts`. */
  args?: string[];
  /** Extra start-up environment of the runtime (the template's env vars). */
  env?: Record<string, string>;
  /**
   * The module to run instead of `runtime/main.ts`: the one bundled file the sandbox images ship
   * (`deno bundle`), so that a benchmark measures what sandboxes run.
   */
  main?: string;
}

/** Starts a runtime process and a fake control plane for it. */
export async function startRuntime(options: StartRuntimeOptions = {}): Promise<RuntimeUnderTest> {
  const secure = options.secure ?? true;
  const accessToken = secure ? crypto.randomUUID().replaceAll("-", "") : undefined;
  const runtime = await spawnRuntime(options, accessToken);
  const { envdUrl, interpreterUrl } = runtime;
  const sandboxId = `sbx${crypto.randomUUID().replaceAll("-", "").slice(0, 17)}`;
  const api = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    fakeControlPlane({
      envdUrl,
      envdVersion: ENVD_VERSION,
      sandboxId,
      accessToken,
      domain: "sandbox.test",
    }),
  );
  const apiUrl = `http://127.0.0.1:${api.addr.port}`;
  const gateway = interpreterUrl ? serveGateway(envdUrl, interpreterUrl) : undefined;
  const sandboxUrl = gateway ? `http://127.0.0.1:${gateway.addr.port}` : envdUrl;
  const apiKey = `e2b_${"0123456789abcdef".repeat(2)}${
    crypto.randomUUID().replaceAll("-", "").slice(0, 8)
  }`;
  return {
    envdUrl,
    interpreterUrl,
    apiUrl,
    apiKey,
    accessToken,
    pid: runtime.child.pid,
    sdkOptions: { apiKey, apiUrl, sandboxUrl, domain: "sandbox.test" },
    sdkEnv: {
      E2B_API_KEY: apiKey,
      E2B_API_URL: apiUrl,
      E2B_SANDBOX_URL: sandboxUrl,
      E2B_DOMAIN: "sandbox.test",
    },
    async [Symbol.asyncDispose]() {
      await api.shutdown();
      await gateway?.shutdown();
      await stopRuntime(runtime);
    },
  };
}

/** A spawned runtime process and the listeners it reported. */
interface SpawnedRuntime {
  child: Deno.ChildProcess;
  envdUrl: string;
  interpreterUrl: string | undefined;
  /** Settles once the runtime's stdout, drained in the background, ends. */
  drain: Promise<void>;
}

/**
 * Spawns `runtime/main.ts` on free ports, with `accessToken` from birth if given, and waits
 * (60 s at most) for the `listening` lines of its envd listener and, when asked for, its
 * interpreter listener.
 */
async function spawnRuntime(
  options: StartRuntimeOptions,
  accessToken: string | undefined,
): Promise<SpawnedRuntime> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...RUNTIME_PERMISSIONS,
      ...(options.main
        ? ["--no-config", "--no-lock", "--no-remote", "--no-npm", options.main]
        : [MAIN]),
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--interpreter-port",
      // Port 0 turns the interpreter off; "auto" asks for a free port.
      options.interpreter ? "auto" : "0",
      ...(options.args ?? []),
    ],
    env: {
      ...runtimeEnvFor({ ...Deno.env.toObject(), ...options.env }),
      ...options.env,
      ...(accessToken ? { [ACCESS_TOKEN_ENV]: accessToken } : {}),
    },
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(
    new TextLineStream(),
  );
  const reader = lines.getReader();
  let envdUrl: string | undefined, interpreterUrl: string | undefined;
  const deadline = AbortSignal.timeout(60_000);
  while (!envdUrl || (options.interpreter && !interpreterUrl)) {
    if (deadline.aborted) {
      child.kill("SIGKILL");
      throw new Error("Cannot start runtime: it did not report its listeners within 60 s");
    }
    const { done, value } = await reader.read();
    if (done) throw new Error("Cannot start runtime: it exited before listening");
    const envd = /listening envd=([^\s]+)/.exec(value);
    if (envd) envdUrl = `http://${envd[1]}`;
    const interp = /listening interpreter=([^\s]+)/.exec(value);
    if (interp) interpreterUrl = `http://${interp[1]}`;
  }
  // Keep draining the runtime's stdout so that it never blocks on a full pipe.
  const drain = (async () => {
    try {
      while (!(await reader.read()).done) { /* discard */ }
    } catch { /* closed */ }
  })();
  return { child, envdUrl, interpreterUrl, drain };
}

/**
 * One gateway URL for both ports, routed on `E2b-Sandbox-Port`, the way the manager's proxy
 * routes `E2B_SANDBOX_URL` traffic.
 */
function serveGateway(envdUrl: string, interpreterUrl: string): Deno.HttpServer<Deno.NetAddr> {
  const targets: Record<string, string> = { "49999": interpreterUrl };
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    const base = targets[req.headers.get("e2b-sandbox-port") ?? ""] ?? envdUrl;
    return fetch(`${base}${url.pathname}${url.search}`, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: req.signal,
      redirect: "manual",
    });
  });
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone and its stdout drained. */
async function stopRuntime({ child, drain }: SpawnedRuntime): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch { /* already gone */ }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, 5000);
  await child.status;
  clearTimeout(timer);
  await drain;
}

/** Options of {@linkcode runPython}. */
export interface RunPythonOptions {
  /**
   * Milliseconds after which the script is killed (SIGTERM), so that a script that waits for
   * something that never comes fails its test instead of hanging the suite.
   * @default {300_000}
   */
  timeoutMs?: number;
}

/**
 * Runs a Python script with the SDK environment; resolves with its output and exit code (a
 * script killed at its timeout exits non-zero).
 */
export async function runPython(
  script: string,
  env: Record<string, string>,
  options: RunPythonOptions = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command("python3", {
    args: ["-c", script],
    env: { ...env, PYTHONUNBUFFERED: "1" },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(options.timeoutMs ?? 300_000),
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}
