/**
 * Test helpers: an interpreter in a temporary working directory, served on a loopback port the
 * SDKs can reach, and process-table checks.
 *
 * @module
 */
import { createInterpreter, type Interpreter, type InterpreterOptions } from "./mod.ts";
import { descendantsOf, listProcesses, type ProcessInfo } from "./process_tree.ts";

/** A served interpreter; dispose it to stop the listener, every kernel and Jupyter Server. */
export interface TestInterpreter extends AsyncDisposable {
  interpreter: Interpreter;
  /** Working directory of the default contexts (a fresh temporary directory). */
  cwd: string;
  /** Base URL of the listener, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** Sandbox-wide env vars handed out by `getEnvs()`; tests may change them. */
  envs: Record<string, string>;
}

/** Starts an interpreter served on 127.0.0.1 and waits until its startup contexts run. */
export async function startTestInterpreter(
  options: Partial<InterpreterOptions> = {},
): Promise<TestInterpreter> {
  const cwd = await Deno.realPath(await Deno.makeTempDir({ prefix: "interpreter_test_" }));
  const envs: Record<string, string> = {};
  const interpreter = await createInterpreter({ getEnvs: () => ({ ...envs }), cwd, ...options });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) => interpreter.fetch(request),
  );
  try {
    await interpreter.ready;
  } catch (error) {
    await server.shutdown();
    await interpreter[Symbol.asyncDispose]();
    throw error;
  }
  return {
    interpreter,
    cwd,
    url: `http://127.0.0.1:${server.addr.port}`,
    envs,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
      await interpreter[Symbol.asyncDispose]();
      await Deno.remove(cwd, { recursive: true });
    },
  };
}

/** Kernel and Jupyter processes below this test process. */
export async function jupyterProcesses(): Promise<ProcessInfo[]> {
  return descendantsOf(Deno.pid, await listProcesses()).filter((p) =>
    /jupyter|ipykernel/.test(p.cmdline) || p.state === "Z"
  );
}

/** POSTs JSON to `/execute` and returns the parsed lines and the raw body. */
export async function execute(
  url: string,
  body: Record<string, unknown>,
): Promise<{ status: number; lines: Record<string, unknown>[]; text: string }> {
  const response = await fetch(`${url}/execute`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 200) return { status: response.status, lines: [], text };
  const lines = text.split("\n").slice(0, -1).map((line) => JSON.parse(line));
  return { status: response.status, lines, text };
}
