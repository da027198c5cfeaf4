/**
 * sandbox-manager entry point: wiring only. Parses flags, loads the hashed keys, connects to
 * the Kubernetes seam and serves the API and the data-plane proxy.
 *
 * Permissions: `--allow-net --allow-env --allow-read=<keys file>,<kubeconfig or service-account
 * dir>`; no run, no write. The single-machine mode (`--data-dir`, the embedded store) is the one
 * exception: it also needs `--allow-write=<data dir>`; `deno task dev` runs that mode in-process.
 *
 * `sandbox-manager keygen --team NS [--name N]` prints a new key and the keys-file entry for it.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  createKubernetesClient,
  EmbeddedStore,
  healthHandler,
  type KubeClient,
} from "@kruise-agents/shared/kube";
import { childLogger, consoleLogger } from "@kruise-agents/shared/std";
import { readTokenKey } from "@kruise-agents/shared/api";
import { stringify } from "yaml";
import { ApiKeyStore, generateApiKey } from "./auth/api_keys.ts";
import { parseConfig, USAGE } from "./config.ts";
import { launchManager } from "./mod.ts";

async function keygen(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { team: { type: "string" }, name: { type: "string" } },
    strict: true,
  });
  if (!values.team) throw new TypeError("keygen needs --team NAMESPACE");
  const { key, record } = await generateApiKey({
    team: values.team,
    name: values.name || undefined,
  });
  console.log(`# API key (shown once): ${key}`);
  console.log(stringify({ keys: [record] }).trimEnd());
}

async function serve(args: string[]): Promise<void> {
  const config = parseConfig(args, Deno.env.toObject());
  const logger = childLogger(consoleLogger, { component: "manager" });
  const keys = ApiKeyStore.fromText(await Deno.readTextFile(config.keysFile));
  let kube: KubeClient;
  let store: EmbeddedStore | undefined;
  if (config.dataDir) {
    kube = store = await EmbeddedStore.open({ dataDir: config.dataDir });
  } else {
    // A real API server: the kubeconfig given, else $KUBECONFIG, else the in-cluster service
    // account (client-node's own resolution).
    kube = createKubernetesClient({ kubeconfigPath: config.kubeconfig, logger });
  }
  const stopping = new AbortController();
  Deno.addSignalListener("SIGTERM", () => stopping.abort());
  const manager = launchManager({
    kube,
    keys,
    domain: config.domain,
    maxTimeoutSeconds: config.maxTimeoutSeconds,
    envdVersion: config.envdVersion,
    logger,
    watchTimeoutSeconds: config.watchTimeoutSeconds,
    pausedTtlSeconds: config.pausedTtlSeconds,
    tokenKey: await readTokenKey(config.tokenKeyFile),
  });
  // Not ready (/readyz 503) until the caches hold their first lists; the informers retry a busy
  // or restarting API server meanwhile instead of exiting.
  const health = config.healthPort === 0 ? undefined : Deno.serve({
    hostname: config.hostname,
    port: config.healthPort,
    signal: stopping.signal,
    onListen() {},
  }, healthHandler({ program: "manager", informers: () => manager.health() }));
  await manager.started;
  const listen = (port: number, handler: (r: Request) => Promise<Response>) =>
    Deno.serve(
      { hostname: config.hostname, port, signal: stopping.signal, onListen() {} },
      handler,
    );
  const servers = [listen(config.port, manager.api)];
  if (config.proxyPort !== config.port) servers.push(listen(config.proxyPort, manager.proxy));
  logger.info("manager listening", {
    port: servers[0]!.addr.port,
    proxyPort: servers.at(-1)!.addr.port,
    healthPort: health?.addr.port ?? 0,
  });
  await Promise.all([...servers, ...(health ? [health] : [])].map((s) => s.finished));
  await manager[Symbol.asyncDispose]();
  await store?.[Symbol.asyncDispose]();
}

if (import.meta.main) {
  const [command, ...rest] = Deno.args;
  try {
    if (command === "keygen") await keygen(rest);
    else if (command === "--help" || command === "-h") console.log(USAGE);
    else await serve(Deno.args);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    if (error instanceof TypeError) console.error(USAGE);
    Deno.exit(2);
  }
}
