/**
 * `deno task deploy`'s command line and the pure decisions made from it and from the cluster: the
 * helm arguments, whether to mint an API key, and the `export E2B_...` lines that reach the
 * installed manager (Ingress domain, NodePort, or a port-forward it names).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { shellQuote } from "@kruise-agents/shared/std";

/** What `hack/deploy.ts` runs with. */
export interface DeployConfig {
  /** A kubeconfig file; absent: `KUBECONFIG`, else `~/.kube/config` (client-node's lookup). */
  kubeconfig?: string;
  /** Helm release name. */
  release: string;
  /** Release namespace (created if missing); also the team of a key minted here. */
  namespace: string;
  /** Values files, in order (`--values`/`-f`). */
  values: string[];
  /** `--set` assignments, in order. */
  set: string[];
  /** Mint an API key of this team and add its hash to the release (`--new-key TEAM`). */
  newKeyTeam?: string;
  /** How long helm and the health wait may take, in seconds. */
  timeoutSeconds: number;
  /** Whether `--help` was asked for. */
  help: boolean;
}

/** Usage text of `deno task deploy`. */
export const DEPLOY_USAGE = `Usage: deno task deploy [options]

Installs or upgrades the kruise-agents chart into the current kube context, applies the CRDs
(which helm skips on upgrades), waits until the manager answers, and prints the export lines for
the E2B SDKs. A first install mints an API key of the release namespace's team.

Options:
  --kubeconfig FILE      kubeconfig (default: $KUBECONFIG, else ~/.kube/config)
  --release NAME         helm release (default: kruise-agents)
  --namespace NS         release namespace, created if missing (default: kruise-agents)
  -f, --values FILE      a values file (repeatable)
  --set KEY=VALUE        a value (repeatable), as helm's --set
  --new-key TEAM         mint an API key of TEAM (a namespace) and add its hash to the release
  --timeout SECONDS      for helm and the manager's health (default: 600)
  --help                 print this text`;

/** Parses `args` (pure); throws `TypeError` naming a bad flag or value. */
export function parseDeployConfig(args: string[], env: Record<string, string> = {}): DeployConfig {
  const { values, positionals } = parseArgs({
    args,
    options: {
      kubeconfig: { type: "string" },
      release: { type: "string", default: "kruise-agents" },
      namespace: { type: "string", default: "kruise-agents" },
      values: { type: "string", short: "f", multiple: true, default: [] },
      set: { type: "string", multiple: true, default: [] },
      "new-key": { type: "string" },
      timeout: { type: "string", default: "600" },
      help: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new TypeError(`Unexpected argument: ${positionals[0]}`);
  const dns = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
  if (!dns.test(values.release)) {
    throw new TypeError(`--release: not a DNS label: ${values.release}`);
  }
  if (!dns.test(values.namespace)) {
    throw new TypeError(`--namespace: not a DNS label: ${values.namespace}`);
  }
  const team = values["new-key"];
  if (team !== undefined && !dns.test(team)) {
    throw new TypeError(`--new-key: not a namespace: ${team}`);
  }
  for (const s of values.set) {
    if (!/^[^=]+=/.test(s)) throw new TypeError(`--set: expected KEY=VALUE, got ${s}`);
  }
  const timeout = Number(values.timeout);
  if (!Number.isInteger(timeout) || timeout < 1) {
    throw new TypeError(`--timeout: expected whole seconds, got ${values.timeout}`);
  }
  const kubeconfig = values.kubeconfig ?? env.KUBECONFIG;
  return {
    ...(kubeconfig ? { kubeconfig } : {}),
    release: values.release,
    namespace: values.namespace,
    values: values.values,
    set: values.set,
    ...(team !== undefined ? { newKeyTeam: team } : {}),
    timeoutSeconds: timeout,
    help: values.help,
  };
}

/**
 * The team of the key to mint, if any: `--new-key`'s, else the release namespace on a first
 * install, unless the person manages keys themselves (`apiKeys` in a `--set`, or an existing
 * Secret in the values), since a minted key's values would replace their list.
 */
export function keyTeam(
  config: DeployConfig,
  installed: boolean,
  userValues: { apiKeys?: { keys?: unknown[]; existingSecret?: string } },
): string | undefined {
  const ownKeys = config.set.some((s) => s.startsWith("apiKeys.")) ||
    (userValues.apiKeys?.keys?.length ?? 0) > 0 || !!userValues.apiKeys?.existingSecret;
  if (config.newKeyTeam !== undefined) {
    if (ownKeys) {
      throw new TypeError(
        "--new-key cannot be combined with apiKeys in your values: add the key there (keygen)",
      );
    }
    return config.newKeyTeam;
  }
  return installed || ownKeys ? undefined : config.namespace;
}

/** `helm upgrade --install` arguments; `extraValues` (the minted key's file) comes last. */
export function helmArgs(config: DeployConfig, chart: string, extraValues?: string): string[] {
  return [
    "upgrade",
    "--install",
    config.release,
    chart,
    "--namespace",
    config.namespace,
    "--create-namespace",
    "--wait",
    "--timeout",
    `${config.timeoutSeconds}s`,
    ...(config.kubeconfig ? ["--kubeconfig", config.kubeconfig] : []),
    ...config.values.flatMap((f) => ["--values", f]),
    ...config.set.flatMap((s) => ["--set", s]),
    ...(extraValues ? ["--values", extraValues] : []),
  ];
}

/** The parts of the release's computed values (`helm get values --all`) that decide exposure. */
export interface ExposureValues {
  /** The data-plane domain. */
  domain?: string;
  /** The Ingress. */
  ingress?: { enabled?: boolean; tls?: { secretName?: string } };
}

/** A manager Service as the API returns it (the fields used here). */
export interface ServiceView {
  /** `{fullname}-api` or `{fullname}-proxy`. */
  name: string;
  /** `ClusterIP`, `NodePort`, `LoadBalancer`. */
  type: string;
  /** The Service port. */
  port: number;
  /** Its node port, when it has one. */
  nodePort?: number;
  /** The load balancer's address, when it has one. */
  loadBalancer?: string;
}

/** How SDKs reach the manager, and what the person has to run first (port-forwards). */
export interface Exposure {
  /** `ingress`, `load-balancer`, `node-port` or `port-forward`. */
  kind: string;
  /** `E2B_DOMAIN` with TLS (the SDKs build `https://api.{domain}` themselves). */
  domain?: string;
  /** `E2B_API_URL` otherwise. */
  apiUrl?: string;
  /** `E2B_SANDBOX_URL` otherwise. */
  sandboxUrl?: string;
  /** Commands to run before the exports work (port-forwards). */
  before: string[];
}

/**
 * Decides the exposure (pure): the Ingress domain when one is enabled; else both Services'
 * load balancers or node ports (on `nodeAddress`); else port-forwards to 127.0.0.1.
 */
export function exposureOf(
  config: DeployConfig,
  values: ExposureValues,
  api: ServiceView,
  proxy: ServiceView,
  nodeAddress: string | undefined,
): Exposure {
  if (values.ingress?.enabled && values.domain) {
    if (values.ingress.tls?.secretName) {
      return { kind: "ingress", domain: values.domain, before: [] };
    }
    return {
      kind: "ingress",
      apiUrl: `http://api.${values.domain}`,
      sandboxUrl: `http://sandbox.${values.domain}`,
      before: [],
    };
  }
  if (api.loadBalancer && proxy.loadBalancer) {
    return {
      kind: "load-balancer",
      apiUrl: `http://${api.loadBalancer}:${api.port}`,
      sandboxUrl: `http://${proxy.loadBalancer}:${proxy.port}`,
      before: [],
    };
  }
  if (api.nodePort && proxy.nodePort && nodeAddress) {
    return {
      kind: "node-port",
      apiUrl: `http://${nodeAddress}:${api.nodePort}`,
      sandboxUrl: `http://${nodeAddress}:${proxy.nodePort}`,
      before: [],
    };
  }
  const kubeconfig = config.kubeconfig ? ` --kubeconfig ${shellQuote(config.kubeconfig)}` : "";
  const forward = (s: ServiceView) =>
    `kubectl${kubeconfig} -n ${config.namespace} port-forward svc/${s.name} ${s.port}:${s.port} &`;
  return {
    kind: "port-forward",
    apiUrl: `http://127.0.0.1:${api.port}`,
    sandboxUrl: `http://127.0.0.1:${proxy.port}`,
    before: [forward(api), forward(proxy)],
  };
}

/** The lines deploy prints on stdout: the port-forwards to start, then the exports. */
export function deployExports(exposure: Exposure, apiKey: string | undefined): string[] {
  const line = (name: string, value: string) => `export ${name}=${shellQuote(value)}`;
  const key = apiKey ? [line("E2B_API_KEY", apiKey)] : [
    "# E2B_API_KEY: a key of the release (the first deploy printed one; --new-key TEAM mints one)",
  ];
  const vars = exposure.domain
    ? ["unset E2B_API_URL E2B_SANDBOX_URL E2B_DEBUG", line("E2B_DOMAIN", exposure.domain)]
    : [
      "unset E2B_DEBUG",
      line("E2B_API_URL", exposure.apiUrl ?? ""),
      line("E2B_SANDBOX_URL", exposure.sandboxUrl ?? ""),
    ];
  return [...exposure.before, ...vars, ...key];
}
