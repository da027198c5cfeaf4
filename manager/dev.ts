/**
 * `deno task dev`: the whole system on one machine with no cluster. It starts the embedded
 * store (persisted under `--data-dir`), the controller, the local node (which runs each sandbox
 * pod as an isolated agent-runtime process) and the manager (E2B API and data-plane proxy) in
 * one process, loads the templates from SandboxSet YAML files (the same manifests a cluster
 * takes), and prints the variables an SDK user exports.
 *
 * It serves E2B's own domain scheme, as E2B's cloud does: `https://api.{domain}` (the REST API)
 * and `https://{port}-{id}.{domain}` (the data plane, routed by `Host`), both on one TLS port
 * (`--tls-port`, 3443), with certificates from a CA that dev keeps in its data directory
 * (`tls/`, see `tls/local_ca.ts`). The default domain, `e2b.localhost`, needs no DNS: glibc's
 * `myhostname` module (Debian's `libnss-myhostname`, set up by hack/setup.sh) resolves every
 * name under `localhost` to loopback. The printed variables are then only `E2B_DOMAIN` (with the
 * port), `E2B_API_KEY` and the CA variables of Node, Deno, Python and curl, so the SDKs build
 * every URL as they do against E2B: signed `downloadUrl`/`uploadUrl` links and `getHost()` work.
 *
 * The URL-variable mode of before (`--url-exports`: `E2B_API_URL` + `E2B_SANDBOX_URL`, plain
 * HTTP on `--port` and `--proxy-port`, routed by the SDKs' `E2b-Sandbox-Id` header) is served
 * at the same time; the flag only changes what is printed. Its limits are the SDKs': a signed URL
 * carries no sandbox id, so it cannot be routed there.
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
import { createManager, type Manager } from "./mod.ts";
import { assertWildcardDomain, ensureLocalTls } from "./tls/local_ca.ts";
import { stringify } from "yaml";
import { connectCluster, devKubeconfig } from "./dev_cluster.ts";
import { shellQuote } from "@kruise-agents/shared/std";

/** Flags of `deno task dev`. */
export interface DevConfig {
  /** Where the store, the keys and the sandboxes live, outside the checkout (which every
   * sandbox image could carry) and readable by root only. @default {defaultDataDir()} */
  dataDir: string;
  /** Listen address. @default {"127.0.0.1"} */
  host: string;
  /** Plain-HTTP E2B API port (`E2B_API_URL` of `--url-exports`). @default {3000} */
  port: number;
  /** Plain-HTTP data-plane proxy port (`E2B_SANDBOX_URL` of `--url-exports`). @default {3001} */
  proxyPort: number;
  /** The TLS port of E2B's domain scheme: `api.{domain}` and `{port}-{id}.{domain}`. Part of
   * `E2B_DOMAIN` unless 443. @default {3443} */
  tlsPort: number;
  /** The domain of E2B's scheme, at least two labels (clients accept no `*.localhost`
   * certificate); names under `localhost` resolve to loopback with no DNS set-up.
   * @default {"e2b.localhost"} */
  domain: string;
  /** Print the URL variables (`E2B_API_URL`, `E2B_SANDBOX_URL`) instead of the domain ones. */
  urlExports: boolean;
  /** Directory of SandboxSet YAML files to apply at start. */
  templates: string;
  /** Team (namespace) of the generated API key. @default {"default"} */
  team: string;
  /** Kill every sandbox (and remove the pod network) when dev stops (default: keep them for
   * the next start). The local node's only: on a cluster the sandboxes are the cluster's, and
   * stay. */
  killSandboxesOnExit: boolean;
  /** Prefix of what the local node creates (bridge `<prefix>0`, netns, chains). @default {"ka"} */
  nodePrefix: string;
  /** The pods' subnet. @default {"10.213.0.0/16"} */
  podSubnet: string;
  /** The sandbox images' OCI layout; absent: build them (cached) and use that. */
  imageLayout?: string;
  /** How long a paused sandbox is kept, seconds. @default {86400} */
  pausedTtlSeconds: number;
  /** A cluster to run against (`--kubeconfig`, else `KUBECONFIG`) instead of the embedded store
   * and the local node: its kubelets run the pods (see `dev_cluster.ts`). */
  kubeconfig?: string;
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
                     [--tls-port N] [--domain D] [--url-exports] [--templates DIR] [--team NS]
                     [--kill-sandboxes-on-exit] [--node-prefix P] [--pod-subnet CIDR]
                     [--image-layout DIR] [--paused-ttl SECONDS] [--kubeconfig FILE]
  --tls-port N     E2B's scheme, https://api.{domain} and https://{port}-{id}.{domain} (3443)
  --domain D       its domain (e2b.localhost; names under localhost need no DNS)
  --port N         plain-HTTP API (3000), --proxy-port N plain-HTTP data plane (3001)
  --url-exports    print E2B_API_URL/E2B_SANDBOX_URL (those two ports) instead of the domain
  --kubeconfig F   run against that cluster (else $KUBECONFIG) instead of the embedded store and
                   the local node: the CRDs and templates are applied, its kubelets run the pods`;

/**
 * Parses the flags of `deno task dev` (and `KUBECONFIG` of `env`); throws `TypeError`/`RangeError`
 * on bad ones.
 */
export function parseDevConfig(
  args: string[],
  env: Record<string, string | undefined> = Deno.env.toObject(),
): DevConfig {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      "data-dir": { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      "proxy-port": { type: "string" },
      "tls-port": { type: "string" },
      domain: { type: "string" },
      "url-exports": { type: "boolean" },
      templates: { type: "string" },
      team: { type: "string" },
      "kill-sandboxes-on-exit": { type: "boolean" },
      "node-prefix": { type: "string" },
      "pod-subnet": { type: "string" },
      "image-layout": { type: "string" },
      "paused-ttl": { type: "string" },
      kubeconfig: { type: "string" },
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
    tlsPort: port(values["tls-port"], "tls-port", 3443),
    domain: values.domain ?? "e2b.localhost",
    urlExports: values["url-exports"] ?? false,
    templates: values.templates ?? "charts/kruise-agents/examples",
    team: values.team ?? "default",
    killSandboxesOnExit: values["kill-sandboxes-on-exit"] ?? false,
    nodePrefix: values["node-prefix"] ?? "ka",
    podSubnet: values["pod-subnet"] ?? "10.213.0.0/16",
    pausedTtlSeconds: seconds(values["paused-ttl"], "paused-ttl", 86_400),
  };
  if (values["image-layout"]) config.imageLayout = values["image-layout"];
  const kubeconfig = devKubeconfig(values.kubeconfig, env);
  if (kubeconfig !== undefined) config.kubeconfig = kubeconfig;
  try {
    assertWildcardDomain(config.domain);
  } catch (error) {
    throw new RangeError(`Cannot parse --domain: ${(error as Error).message}`);
  }
  return config;
}

/**
 * The domain the SDKs are given (`E2B_DOMAIN`, and `domain` in the API's answers, which
 * `getHost()` uses): `{domain}:{tlsPort}`, or the bare domain on 443. Both SDKs put it after
 * `https://api.` and `https://{port}-{id}.` as it is, so a port rides along.
 */
export function sdkDomain(domain: string, tlsPort: number): string {
  return tlsPort === 443 ? domain : `${domain}:${tlsPort}`;
}

/** What {@linkcode devExports} prints. */
export interface DevEndpoints {
  /** {@linkcode sdkDomain}. */
  domain: string;
  /** The API key. */
  apiKey: string;
  /** The plain-HTTP API origin. */
  apiUrl: string;
  /** The plain-HTTP data-plane origin. */
  sandboxUrl: string;
  /** The local CA's certificate (clients that add it to their roots). */
  caFile: string;
  /** The system's roots and the CA (clients whose variable replaces their roots). */
  bundleFile: string;
}

/**
 * The shell lines dev prints. The domain mode (the default) gives the SDKs only `E2B_DOMAIN` and
 * the key, so they build E2B's URLs themselves, and clears `E2B_API_URL`/`E2B_SANDBOX_URL` (which
 * the SDKs would prefer) and `E2B_DEBUG` (which would skip the API altogether). Both modes give
 * the CA to each kind of client, each by its own variable:
 *
 * - `NODE_EXTRA_CA_CERTS` (Node, so the JS SDK's undici) and `DENO_CERT` (Deno's fetch, so the
 *   JS SDK under Deno) add the CA to their roots;
 * - `SSL_CERT_FILE` (Python's `ssl`, `httpx`, and the e2b Python SDK's pyqwest transports, whose
 *   rustls roots are the system's or this file), `REQUESTS_CA_BUNDLE` (`requests`) and
 *   `CURL_CA_BUNDLE` (curl) replace their roots, so they get the bundle, which keeps the
 *   system's roots.
 *
 * The URL mode keeps them because `getHost()` still gives `{port}-{id}.{domain}` over https.
 */
export function devExports(endpoints: DevEndpoints, mode: "domain" | "urls"): string[] {
  const line = (name: string, value: string) => `export ${name}=${shellQuote(value)}`;
  const ca = [
    line("NODE_EXTRA_CA_CERTS", endpoints.caFile),
    line("DENO_CERT", endpoints.caFile),
    line("SSL_CERT_FILE", endpoints.bundleFile),
    line("REQUESTS_CA_BUNDLE", endpoints.bundleFile),
    line("CURL_CA_BUNDLE", endpoints.bundleFile),
  ];
  if (mode === "urls") {
    return [
      "unset E2B_DEBUG",
      line("E2B_API_URL", endpoints.apiUrl),
      line("E2B_SANDBOX_URL", endpoints.sandboxUrl),
      line("E2B_API_KEY", endpoints.apiKey),
      line("E2B_DOMAIN", endpoints.domain),
      ...ca,
    ];
  }
  return [
    "unset E2B_API_URL E2B_SANDBOX_URL E2B_DEBUG",
    line("E2B_DOMAIN", endpoints.domain),
    line("E2B_API_KEY", endpoints.apiKey),
    ...ca,
  ];
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

/**
 * Serves `handler` over TLS on `--host`/`--tls-port`, and on `::1` as well when the host is
 * `127.0.0.1`: `*.localhost` resolves to `::1` first, and although every client here falls back
 * to `127.0.0.1` after a refused connection, answering on both leaves no room for another server
 * on `[::1]` to take the SDKs' traffic. The first server is the one whose port counts.
 */
function serveTls(
  config: DevConfig,
  tls: { cert: string; key: string },
  signal: AbortSignal,
  handler: (request: Request) => Promise<Response>,
): Deno.HttpServer<Deno.NetAddr>[] {
  const options = { cert: tls.cert, key: tls.key, signal, onListen() {} };
  const first = Deno.serve({ ...options, hostname: config.host, port: config.tlsPort }, handler);
  if (config.host !== "127.0.0.1") return [first];
  try {
    return [first, Deno.serve({ ...options, hostname: "::1", port: first.addr.port }, handler)];
  } catch (error) {
    console.error(`dev: not serving E2B's scheme on [::1]: ${(error as Error).message}`);
    return [first];
  }
}

/** What runs the sandboxes under dev: the embedded store and the local node, or a cluster. */
interface DevBackend {
  /** The API the controller and the manager use. */
  kube: KubeClient;
  /** The templates applied (`namespace/name`). */
  applied: string[];
  /** Stops what {@linkcode startBackend} started. */
  stop(): Promise<void>;
}

/**
 * Starts the controller on the embedded store with the local node running the pods, or, with
 * `--kubeconfig`, on that cluster (CRDs applied first; its kubelets run the pods).
 */
async function startBackend(
  config: DevConfig,
  dataDir: string,
  tokenKey: CryptoKey,
): Promise<DevBackend> {
  if (config.kubeconfig !== undefined) {
    const { kube, crds } = await connectCluster(config.kubeconfig);
    const applied = await applyTemplates(kube, config.templates);
    const controller = await startController({ kube, tokenKey });
    console.error(`dev: on the cluster of ${config.kubeconfig} (CRDs ${crds.join(", ")})`);
    return { kube, applied, stop: () => controller.stop() };
  }
  const imageLayout = config.imageLayout ?? await buildImages();
  const kube = await EmbeddedStore.open({ dataDir: `${dataDir}/store` });
  const applied = await applyTemplates(kube, config.templates);
  const controller = await startController({ kube, tokenKey });
  const node = await startLocalNode({
    kube,
    dataDir: `${dataDir}/node`,
    imageLayout,
    containers: { prefix: config.nodePrefix, subnet: config.podSubnet },
  });
  const stop = async () => {
    await controller.stop();
    await node.stop({
      killSandboxes: config.killSandboxesOnExit,
      teardown: config.killSandboxesOnExit,
    });
    await kube[Symbol.asyncDispose]();
  };
  return { kube, applied, stop };
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
  const { key, store } = await devApiKey(dataDir, config.team);
  // The key every sandbox's tokens are derived with, kept with the store (root's alone).
  const tokenKey = await ensureTokenKey(`${dataDir}/token-key`);
  const backend = await startBackend(config, dataDir, tokenKey);
  const { kube, applied } = backend;
  const stop = new AbortController();
  // E2B's scheme listens first, so that `E2B_DOMAIN` (which the manager hands out) carries the
  // port it got (`--tls-port 0` in tests); requests wait for the manager meanwhile.
  const tls = await ensureLocalTls(`${dataDir}/tls`, { domain: config.domain });
  const ready = Promise.withResolvers<Manager>();
  const scheme = (request: Request) => ready.promise.then((m) => m.api(request));
  const secure = serveTls(config, tls, stop.signal, scheme);
  const domain = sdkDomain(config.domain, secure[0]!.addr.port);
  const manager = await createManager({
    kube,
    keys: store,
    domain,
    tokenKey,
    pausedTtlSeconds: config.pausedTtlSeconds,
  });
  ready.resolve(manager);
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
  console.error(
    `dev: E2B's scheme at https://api.${domain} and https://{port}-{id}.${domain}, ` +
      `certificates of the CA ${tls.caFile}`,
  );
  const lines = devExports({
    domain,
    apiKey: key,
    apiUrl: `http://${config.host}:${api.addr.port}`,
    sandboxUrl: `http://${config.host}:${proxy.addr.port}`,
    caFile: tls.caFile,
    bundleFile: tls.bundleFile,
  }, config.urlExports ? "urls" : "domain");
  const other = config.urlExports
    ? "without --url-exports dev prints E2B's domain scheme"
    : "--url-exports prints E2B_API_URL/E2B_SANDBOX_URL (plain HTTP) instead";
  console.log(
    [...lines, `# the E2B SDKs reach this dev with the lines above; ${other}`].join("\n"),
  );
  const shutdown = async () => {
    stop.abort();
    await Promise.allSettled([api, proxy, ...secure].map((server) => server.finished));
    await manager[Symbol.asyncDispose]();
    await backend.stop();
    Deno.exit(0);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, shutdown);
}
