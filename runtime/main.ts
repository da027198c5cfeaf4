/**
 * agent-runtime: the in-sandbox daemon. Serves envd's API on `--port` (49983) and, unless
 * `--interpreter-port 0`, the code interpreter on `--interpreter-port` (49999).
 *
 * Prints one line `listening envd=<host>:<port>` once the envd listener is up, which tests and
 * the local node wait for.
 *
 * @module
 */
import { parseConfig, USAGE } from "./config.ts";
import { createRuntime } from "./server.ts";
import { RuntimeState } from "./state.ts";
import type { Interpreter } from "./interpreter/mod.ts";
import { warmUp } from "./warm_up.ts";

if (import.meta.main) {
  let config;
  try {
    if (Deno.args.includes("--help")) {
      console.log(USAGE);
      Deno.exit(0);
    }
    config = parseConfig(Deno.args);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    Deno.exit(2);
  }
  const runtime = createRuntime({ state: new RuntimeState({ defaultUser: config.defaultUser }) });
  if (!await warmUp(runtime.fetch).catch(() => false)) {
    console.error("warm-up: running /bin/true as the default user failed");
  }
  const controller = new AbortController();
  const server = Deno.serve({
    hostname: config.host,
    port: config.port,
    signal: controller.signal,
    onListen: ({ hostname, port }) => console.log(`listening envd=${hostname}:${port}`),
  }, runtime.fetch);
  // The code interpreter: Jupyter kernels behind E2B's /execute API, with the sandbox-wide env
  // vars that /init sets. Its default context starts now, so the first run_code is fast.
  let interpreter: Interpreter | undefined;
  let interpreterServer: Deno.HttpServer | undefined;
  if (config.interpreterPort !== 0) {
    const home = runtime.deps.users.byName(runtime.state.defaultUser)?.home ?? "/home/user";
    // Loaded only when enabled, so a runtime without the interpreter does not carry its code.
    const { createInterpreter } = await import("./interpreter/mod.ts");
    interpreter = await createInterpreter({
      getEnvs: () => runtime.state.envVars,
      cwd: home,
    });
    interpreterServer = Deno.serve({
      hostname: config.host,
      port: config.interpreterPort === "auto" ? 0 : config.interpreterPort,
      signal: controller.signal,
      onListen: ({ hostname, port }) => console.log(`listening interpreter=${hostname}:${port}`),
    }, interpreter.fetch);
  }
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, () => controller.abort());
  }
  await server.finished;
  await interpreterServer?.finished;
  await interpreter?.[Symbol.asyncDispose]();
  await runtime[Symbol.asyncDispose]();
}
