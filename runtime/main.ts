/**
 * agent-runtime: the in-sandbox daemon. Serves envd's API on `--port` (49983) and, unless
 * `--interpreter-port 0`, the code interpreter on `--interpreter-port` (49999).
 *
 * Start-up order matters for the access token: it is taken from `KRUISE_AGENTS_ACCESS_TOKEN`
 * (or `--access-token-file`) and removed from the environment before anything is spawned, and
 * both listeners refuse calls without it from their first request (see `state.ts`). The rest
 * of the start-up environment is the template's env vars, under every claim's.
 *
 * The code interpreter's Jupyter Server and kernels run as the default user (`--user`, `user`
 * in the sandbox images) when the runtime is root and that account exists; otherwise as the
 * runtime's own account.
 *
 * Prints one line `listening envd=<host>:<port>` once the envd listener is up, which tests and
 * the local node wait for.
 *
 * On SIGTERM (the pod is being deleted: a kill, a timeout) or SIGINT, open command and watch
 * streams end with the error E2B's SDKs report as "sandbox was killed or reached its end of
 * life" (`Runtime.shutdown`), responses in flight get a short grace to be delivered
 * (`in_flight.ts`), then the listeners stop, the processes are killed, and the runtime exits.
 *
 * @module
 */
import { sandboxUrl } from "@kruise-agents/shared/envd";
import { parseConfig, type RuntimeConfig, USAGE } from "./config.ts";
import { IdleCollector } from "./idle_collector.ts";
import { InFlight } from "./in_flight.ts";
import { createRuntime, type Runtime } from "./server.ts";
import { RuntimeState } from "./state.ts";
import type { Interpreter, RunAs } from "./interpreter/mod.ts";
import { takeAccessToken, templateEnvVars } from "./startup_env.ts";
import { loopbackOf, warmUp, warmUpInit } from "./warm_up.ts";

/** The account kernels run as: the default user, when the runtime may and can switch to it. */
function kernelUser(runtime: Runtime): RunAs | undefined {
  if (Deno.uid() !== 0) return undefined;
  const user = runtime.deps.users.byName(runtime.state.defaultUser);
  if (!user || user.uid === 0) return undefined;
  return { uid: user.uid, gid: user.gid, home: user.home, username: user.name };
}

async function main(config: RuntimeConfig, accessToken: string | undefined): Promise<void> {
  const runtime = createRuntime({
    state: new RuntimeState({
      defaultUser: config.defaultUser,
      envVars: templateEnvVars(Deno.env.toObject()),
      accessToken,
    }),
  });
  if (!await warmUp(runtime.fetch, accessToken).catch(() => false)) {
    console.error("warm-up: running /bin/true as the default user failed");
  }
  const controller = new AbortController();
  const inFlight = new InFlight(new IdleCollector());
  const server = Deno.serve({
    hostname: config.host,
    port: config.port,
    signal: controller.signal,
    onListen: ({ hostname, port }) => {
      console.log(`listening envd=${hostname}:${port}`);
      // In the background: the server answers meanwhile, and a claim may come at any time.
      void warmUpInit(sandboxUrl(loopbackOf(hostname), port), accessToken);
    },
  }, inFlight.wrap(runtime.fetch));
  // The code interpreter: Jupyter kernels behind E2B's /execute API, with the sandbox-wide env
  // vars that /init sets. Its default context starts now, so the first run_code is fast.
  let interpreter: Interpreter | undefined;
  let interpreterServer: Deno.HttpServer | undefined;
  if (config.interpreterPort !== 0) {
    const runAs = kernelUser(runtime);
    const home = runAs?.home ??
      runtime.deps.users.byName(runtime.state.defaultUser)?.home ?? "/home/user";
    // Loaded only when enabled, so a runtime without the interpreter does not carry its code.
    const { createInterpreter } = await import("./interpreter/mod.ts");
    interpreter = await createInterpreter({
      getEnvs: () => runtime.state.envVars,
      accessToken: () => runtime.state.accessToken,
      cwd: home,
      ...(runAs ? { runAs } : {}),
    });
    interpreterServer = Deno.serve({
      hostname: config.host,
      port: config.interpreterPort === "auto" ? 0 : config.interpreterPort,
      signal: controller.signal,
      onListen: ({ hostname, port }) => console.log(`listening interpreter=${hostname}:${port}`),
    }, inFlight.wrap(interpreter.fetch));
  }
  const stopping = Promise.withResolvers<void>();
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, () => stopping.resolve());
  }
  const listeners = Promise.allSettled([server.finished, interpreterServer?.finished]);
  await Promise.race([listeners, stopping.promise]);
  // Open streams end with the "sandbox was killed" error first. Responses in flight, those
  // endings included, get a short grace to be delivered (a long download is cut after it);
  // only then do the listeners close, because closing one cuts its streaming responses.
  runtime.shutdown();
  await inFlight.drained(SHUTDOWN_GRACE_MS);
  controller.abort();
  await listeners;
  await interpreter?.[Symbol.asyncDispose]();
  await runtime[Symbol.asyncDispose]();
}

/**
 * How long a stopping runtime waits for responses in flight after its streams have ended: the
 * pod's grace period is longer (30 s by default), but a sandbox that is being killed should not
 * keep a large download going.
 */
const SHUTDOWN_GRACE_MS = 3_000;

if (import.meta.main) {
  let config: RuntimeConfig;
  let accessToken: string | undefined;
  try {
    if (Deno.args.includes("--help")) {
      console.log(USAGE);
      Deno.exit(0);
    }
    config = parseConfig(Deno.args);
    // First of all: nothing spawned from here on may inherit the token.
    accessToken = takeAccessToken(config.accessTokenFile);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    Deno.exit(2);
  }
  await main(config, accessToken);
}
