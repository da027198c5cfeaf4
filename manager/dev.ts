/**
 * `deno task dev`: the whole system on one machine with no cluster. It starts the embedded
 * store (persisted under `--data-dir`), the controller, the local node (which runs each sandbox
 * pod as an isolated agent-runtime process) and the manager (E2B API and data-plane proxy) in
 * one process, loads the templates from SandboxSet YAML files (the same manifests a cluster
 * takes), and prints the variables an SDK user exports.
 *
 * With `manager/e2e/`, this is the one place that imports a sibling program (the controller):
 * it is wiring, not logic.
 *
 * Restarting it loses nothing: the store is persisted, and sandboxes keep running across the
 * restart (the local node re-adopts them; one that died meanwhile is reported Failed and the
 * pool replaces it). Stop it with Ctrl-C; `--kill-sandboxes-on-exit` also ends the sandboxes.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { parseAllDocuments } from "yaml";
import { ensureTokenKey, parseSandboxSet } from "@kruise-agents/shared/api";
import {
  EmbeddedStore,
  isAlreadyExists,
  type KubeClient,
  SANDBOX_SETS,
} from "@kruise-agents/shared/kube";
import { startController } from "@kruise-agents/controller";
import { buildImages, startLocalNode } from "@kruise-agents/local-node";
import { ApiKeyStore, generateApiKey } from "./auth/api_keys.ts";
import { createManager } from "./mod.ts";
import { stringify } from "yaml";

/** Flags of `deno task dev`. */
export interface DevConfig {
  /** Where the store, the keys and the sandboxes live, outside the checkout (which every
   * sandbox image could carry) and readable by root only. @default {defaultDataDir()} */
  dataDir: string;
  /** Listen address. @default {"127.0.0.1"} */
  host: string;
  /** E2B API port. @default {3000} */
  port: number;
  /** Data-plane proxy port (`E2B_SANDBOX_URL`). @default {3001} */
  proxyPort: number;
  /** Domain returned to SDKs (only `getHost()` uses it with the URL overrides). */
  domain: string;
  /** Directory of SandboxSet YAML files to apply at start. */
  templates: string;
  /** Team (namespace) of the generated API key. @default {"default"} */
  team: string;
  /** Kill every sandbox (and remove the pod network) when dev stops (default: keep them for
   * the next start). */
  killSandboxesOnExit: boolean;
  /** Prefix of what the local node creates (bridge `<prefix>0`, netns, chains). @default {"ka"} */
  nodePrefix: string;
  /** The pods' subnet. @default {"10.213.0.0/16"} */
  podSubnet: string;
  /** The sandbox images' OCI layout; absent: build them (cached) and use that. */
  imageLayout?: string;
  /** How long a paused sandbox is kept, seconds. @default {86400} */
  pausedTtlSeconds: number;
}

/**
 * `/var/lib/kruise-agents/dev` for root, else `${XDG_DATA_HOME:-~/.local/share}/kruise-agents/dev`:
 * outside the checkout, so no sandbox image or mount carries the store (with every sandbox's
 * state) along.
 */
export function defaultDataDir(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): string {
  if (Deno.uid() === 0) return "/var/lib/kruise-agents/dev";
  return `${env.XDG_DATA_HOME ?? `${env.HOME ?? "."}/.local/share`}/kruise-agents/dev`;
}

/** Usage of `deno task dev`. */
export const DEV_USAGE =
  `Usage: deno task dev [--data-dir DIR] [--host ADDR] [--port N] [--proxy-port N]
                     [--domain D] [--templates DIR] [--team NS] [--kill-sandboxes-on-exit]
                     [--node-prefix P] [--pod-subnet CIDR] [--image-layout DIR]
                     [--paused-ttl SECONDS]`;

/** Parses the flags of `deno task dev`; throws `TypeError`/`RangeError` on bad ones. */
export function parseDevConfig(args: string[]): DevConfig {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      "data-dir": { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      "proxy-port": { type: "string" },
      domain: { type: "string" },
      templates: { type: "string" },
      team: { type: "string" },
      "kill-sandboxes-on-exit": { type: "boolean" },
      "node-prefix": { type: "string" },
      "pod-subnet": { type: "string" },
      "image-layout": { type: "string" },
      "paused-ttl": { type: "string" },
    },
  });
  const port = (v: string | undefined, name: string, d: number) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) {
      throw new RangeError(`Cannot parse --${name}: "${v}" is not a port number`);
    }
    return n;
  };
  const seconds = (v: string | undefined, name: string, d: number) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`Cannot parse --${name}: "${v}" is not a whole number of seconds`);
    }
    return n;
  };
  const config: DevConfig = {
    dataDir: values["data-dir"] ?? defaultDataDir(),
    host: values.host ?? "127.0.0.1",
    port: port(values.port, "port", 3000),
    proxyPort: port(values["proxy-port"], "proxy-port", 3001),
    domain: values.domain ?? "localhost",
    templates: values.templates ?? "charts/kruise-agents/examples",
    team: values.team ?? "default",
    killSandboxesOnExit: values["kill-sandboxes-on-exit"] ?? false,
    nodePrefix: values["node-prefix"] ?? "ka",
    podSubnet: values["pod-subnet"] ?? "10.213.0.0/16",
    pausedTtlSeconds: seconds(values["paused-ttl"], "paused-ttl", 86_400),
  };
  if (values["image-layout"]) config.imageLayout = values["image-layout"];
  return config;
}

/**
 * Creates or updates every SandboxSet found in the YAML files of `dir` (idempotent, so a restart
 * re-applies the same manifests). Returns the names applied.
 */
export async function applyTemplates(kube: KubeClient, dir: string): Promise<string[]> {
  const applied: string[] = [];
  const files = (await Array.fromAsync(Deno.readDir(dir)))
    .filter((e) => e.isFile && /\.ya?ml$/.test(e.name))
    .map((e) => `${dir}/${e.name}`).sort();
  for (const file of files) {
    for (const doc of parseAllDocuments(await Deno.readTextFile(file))) {
      const value = doc.toJS();
      if (!value || value.kind !== "SandboxSet") continue;
      const set = parseSandboxSet(value);
      const namespace = set.metadata.namespace ?? "default";
      const object = { ...set, metadata: { ...set.metadata, namespace } };
      try {
        await kube.create(SANDBOX_SETS, object);
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
        const current = await kube.get(SANDBOX_SETS, namespace, set.metadata.name!);
        await kube.update(SANDBOX_SETS, {
          ...current,
          spec: object.spec,
        });
      }
      applied.push(`${namespace}/${set.metadata.name}`);
    }
  }
  return applied;
}

/**
 * The API key of this machine's dev install: generated once, its hash stored in `keys.yaml` (as
 * the manager reads keys) and the key itself in `api-key` (mode 0600) so that every start can
 * print it.
 */
export async function devApiKey(
  dataDir: string,
  team: string,
): Promise<{ key: string; store: ApiKeyStore }> {
  const keyPath = `${dataDir}/api-key`, keysPath = `${dataDir}/keys.yaml`;
  try {
    const key = (await Deno.readTextFile(keyPath)).trim();
    const store = ApiKeyStore.fromText(await Deno.readTextFile(keysPath));
    return { key, store };
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const { key, record } = await generateApiKey({ team, name: "dev" });
  await Deno.writeTextFile(keysPath, stringify({ keys: [record] }));
  await Deno.writeTextFile(keyPath, `${key}\n`, { mode: 0o600 });
  return { key, store: new ApiKeyStore([record]) };
}

if (import.meta.main) {
  let config: DevConfig;
  try {
    if (Deno.args.includes("--help")) {
      console.log(DEV_USAGE);
      Deno.exit(0);
    }
    config = parseDevConfig(Deno.args);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${DEV_USAGE}`);
    Deno.exit(2);
  }
  await Deno.mkdir(config.dataDir, { recursive: true });
  // Others may traverse (the containers' unprivileged root reaches its pod directory through
  // it), not list; the store and the keys inside are root's alone.
  await Deno.chmod(config.dataDir, 0o711);
  const dataDir = await Deno.realPath(config.dataDir);
  const imageLayout = config.imageLayout ?? await buildImages();
  const kube = await EmbeddedStore.open({ dataDir: `${dataDir}/store` });
  const { key, store } = await devApiKey(dataDir, config.team);
  const applied = await applyTemplates(kube, config.templates);
  // The key every sandbox's tokens are derived with, kept with the store (root's alone).
  const tokenKey = await ensureTokenKey(`${dataDir}/token-key`);
  const controller = await startController({ kube, tokenKey });
  const node = await startLocalNode({
    kube,
    dataDir: `${dataDir}/node`,
    imageLayout,
    containers: { prefix: config.nodePrefix, subnet: config.podSubnet },
  });
  const manager = await createManager({
    kube,
    keys: store,
    domain: config.domain,
    tokenKey,
    pausedTtlSeconds: config.pausedTtlSeconds,
  });
  const stop = new AbortController();
  const api = Deno.serve({
    hostname: config.host,
    port: config.port,
    signal: stop.signal,
    onListen() {},
  }, manager.api);
  const proxy = Deno.serve({
    hostname: config.host,
    port: config.proxyPort,
    signal: stop.signal,
    onListen() {},
  }, manager.proxy);
  console.error(`dev: templates ${applied.join(", ")}; data in ${dataDir}`);
  console.log(`export E2B_API_URL=http://${config.host}:${api.addr.port}`);
  console.log(`export E2B_SANDBOX_URL=http://${config.host}:${proxy.addr.port}`);
  console.log(`export E2B_API_KEY=${key}`);
  console.log(`export E2B_DOMAIN=${config.domain}`);
  const shutdown = async () => {
    stop.abort();
    await Promise.allSettled([api.finished, proxy.finished]);
    await manager[Symbol.asyncDispose]();
    await controller.stop();
    await node.stop({
      killSandboxes: config.killSandboxesOnExit,
      teardown: config.killSandboxesOnExit,
    });
    await kube[Symbol.asyncDispose]();
    Deno.exit(0);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, shutdown);
}
