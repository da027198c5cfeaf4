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
import { createKubernetesClient, EmbeddedStore, type KubeClient } from "@kruise-agents/shared/kube";
import { stringify } from "yaml";
import { ApiKeyStore, generateApiKey, parseKeysFile } from "./auth/api_keys.ts";
import { parseConfig, USAGE } from "./config.ts";
import { createManager } from "./mod.ts";

async function keygen(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { team: { type: "string" }, name: { type: "string" } },
    strict: true,
  });
  if (!values.team) throw new TypeError("keygen needs --team NAMESPACE");
  const { key, record } = await generateApiKey({
    team: values.team,
    ...(values.name ? { name: values.name } : {}),
  });
  console.log(`# API key (shown once): ${key}`);
  console.log(stringify({ keys: [record] }).trimEnd());
}

/** Splits off `--data-dir`, the embedded-store mode flag, from the flags `parseConfig` knows. */
function takeDataDir(args: string[]): { dataDir: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let dataDir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--data-dir") dataDir = args[++i];
    else if (a.startsWith("--data-dir=")) dataDir = a.slice("--data-dir=".length);
    else rest.push(a);
  }
  return { dataDir, rest };
}

async function serve(args: string[]): Promise<void> {
  const { dataDir, rest } = takeDataDir(args);
  const config = parseConfig(rest, Deno.env.toObject());
  const keys = new ApiKeyStore(parseKeysFile(await Deno.readTextFile(config.keysFile)));
  let kube: KubeClient;
  let store: EmbeddedStore | undefined;
  if (dataDir) {
    kube = store = await EmbeddedStore.open({ dataDir });
  } else {
    // A real API server: the kubeconfig given, else $KUBECONFIG, else the in-cluster service
    // account (client-node's own resolution).
    kube = createKubernetesClient(config.kubeconfig ? { kubeconfigPath: config.kubeconfig } : {});
  }
  const manager = await createManager({
    kube,
    keys,
    domain: config.domain,
    maxTimeoutSeconds: config.maxTimeoutSeconds,
    envdVersion: config.envdVersion,
  });
  const servers = [
    Deno.serve({ hostname: config.hostname, port: config.port }, manager.api),
  ];
  if (config.proxyPort !== config.port) {
    servers.push(Deno.serve({ hostname: config.hostname, port: config.proxyPort }, manager.proxy));
  }
  const stop = async () => {
    await Promise.all(servers.map((s) => s.shutdown()));
    await manager[Symbol.asyncDispose]();
    await store?.[Symbol.asyncDispose]();
  };
  Deno.addSignalListener("SIGTERM", () => void stop());
  await Promise.all(servers.map((s) => s.finished));
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
