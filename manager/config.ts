/**
 * Flags and environment → a typed {@linkcode ManagerConfig}; pure, so it is table-tested.
 *
 * Ports: the API listens on `--port` (default 3000) and the data-plane proxy on `--proxy-port`
 * (default 3001), because the SDKs take two base URLs (`E2B_API_URL`, `E2B_SANDBOX_URL`) and
 * separate listeners keep API traffic and sandbox traffic apart (one can be exposed without the
 * other). The API listener also recognises data-plane requests (an `E2b-Sandbox-Id` header, a
 * `{port}-{id}.{domain}` host or a `/kruise/{id}/{port}/` path) and proxies them, so a single
 * ingress for `api.{domain}` and `*.{domain}` can point at one port.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ENVD_VERSION } from "@kruise-agents/shared/envd/http";

/** The manager's settings. */
export interface ManagerConfig {
  /** API port. @default {3000} */
  port: number;
  /** Data-plane proxy port; equal to `port` to serve both on one listener. @default {3001} */
  proxyPort: number;
  /** Listen address. @default {"0.0.0.0"} */
  hostname: string;
  /** Data-plane domain returned to the SDKs (`{port}-{id}.{domain}`). @default {"localhost"} */
  domain: string;
  /** Keys file (JSON or YAML `{keys: [...]}`) with hashed keys. */
  keysFile: string;
  /** Kubeconfig for a real cluster; absent means in-cluster service account. */
  kubeconfig?: string;
  /** Largest create/connect/timeout in seconds. @default {3600} */
  maxTimeoutSeconds: number;
  /** envd version the runtimes implement (reported to the SDKs). @default {ENVD_VERSION} */
  envdVersion: string;
  /** Server-side timeout of each watch, seconds (jittered up to twice that). @default {300} */
  watchTimeoutSeconds: number;
  /** How long a paused sandbox is kept, seconds. @default {86400} */
  pausedTtlSeconds: number;
  /** Port of `/healthz`, `/readyz` and `/metrics`; 0 turns it off. @default {8082} */
  healthPort: number;
  /** The embedded store's data directory (single-machine mode) instead of a cluster. */
  dataDir?: string;
  /** File with the key sandbox tokens are derived with: the controller's. */
  tokenKeyFile: string;
  /** PEM certificate (chain) to serve both listeners over TLS with, for a manager that is its own
   * edge; on a cluster TLS usually ends at the Ingress for `api.{domain}` and `*.{domain}`, and
   * this stays unset. Set together with {@linkcode ManagerConfig.tlsKeyFile}. */
  tlsCertFile?: string;
  /** PEM private key of {@linkcode ManagerConfig.tlsCertFile}. */
  tlsKeyFile?: string;
}

/** Usage text for `--help` and bad flags. */
export const USAGE = `Usage: sandbox-manager --keys-file FILE [options]
  --port N               API port (default 3000)
  --proxy-port N         data-plane proxy port (default 3001; = --port for one listener)
  --hostname ADDR        listen address (default 0.0.0.0)
  --domain DOMAIN        data-plane domain returned to SDKs (default localhost)
  --keys-file FILE       API keys file, JSON or YAML {keys: [{id, name, team, hash}]}
  --token-key-file FILE  key sandbox tokens are derived with (the controller's; required)
  --kubeconfig FILE      kubeconfig (default: in-cluster service account)
  --max-timeout SECONDS  largest sandbox timeout (default 3600)
  --envd-version V       envd version reported to SDKs (default ${ENVD_VERSION})
  --watch-timeout SECS   server-side timeout of each watch, jittered up to 2x (default 300)
  --paused-ttl SECS      how long a paused sandbox is kept before it is deleted (default 86400)
  --health-port N        port of /healthz, /readyz, /metrics on --hostname; 0 = off (default 8082)
  --data-dir DIR         run on the embedded store in DIR instead of a cluster (needs write access)
  --tls-cert FILE        serve over TLS with this PEM certificate (with --tls-key; needs read access)
  --tls-key FILE         its PEM private key
Environment: MANAGER_KEYS_FILE, MANAGER_TOKEN_KEY_FILE, MANAGER_DOMAIN, KUBECONFIG stand in for the flags.
Subcommand: sandbox-manager keygen --team NAMESPACE [--name NAME]
  prints a new key and the keys-file entry holding its hash`;

function int(value: string | undefined, flag: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > 65535 * 1000) {
    throw new TypeError(`Invalid ${flag} "${value}": expected an integer >= ${min}`);
  }
  return n;
}

/** Parses flags (`args`) with `env` as fallback; throws `TypeError` with a message on bad input. */
export function parseConfig(
  args: string[],
  env: Record<string, string | undefined> = {},
): ManagerConfig {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: "string" },
      "proxy-port": { type: "string" },
      hostname: { type: "string" },
      domain: { type: "string" },
      "keys-file": { type: "string" },
      kubeconfig: { type: "string" },
      "max-timeout": { type: "string" },
      "envd-version": { type: "string" },
      "watch-timeout": { type: "string" },
      "paused-ttl": { type: "string" },
      "health-port": { type: "string" },
      "data-dir": { type: "string" },
      "token-key-file": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
    },
    strict: true,
  });
  const keysFile = values["keys-file"] ?? env.MANAGER_KEYS_FILE;
  if (!keysFile) throw new TypeError("Missing --keys-file (or MANAGER_KEYS_FILE)");
  const tokenKeyFile = values["token-key-file"] ?? env.MANAGER_TOKEN_KEY_FILE;
  if (!tokenKeyFile) throw new TypeError("Missing --token-key-file (or MANAGER_TOKEN_KEY_FILE)");
  const config: ManagerConfig = {
    port: int(values.port, "--port", 3000),
    proxyPort: int(values["proxy-port"], "--proxy-port", 3001),
    hostname: values.hostname ?? "0.0.0.0",
    domain: values.domain ?? env.MANAGER_DOMAIN ?? "localhost",
    keysFile,
    tokenKeyFile,
    maxTimeoutSeconds: int(values["max-timeout"], "--max-timeout", 3600, 1),
    envdVersion: values["envd-version"] ?? ENVD_VERSION,
    watchTimeoutSeconds: int(values["watch-timeout"], "--watch-timeout", 300, 1),
    pausedTtlSeconds: int(values["paused-ttl"], "--paused-ttl", 86_400, 1),
    healthPort: int(values["health-port"], "--health-port", 8082),
  };
  if (values["data-dir"]) config.dataDir = values["data-dir"];
  if (Boolean(values["tls-cert"]) !== Boolean(values["tls-key"])) {
    throw new TypeError("Missing --tls-cert or --tls-key: TLS needs both");
  }
  if (values["tls-cert"] && values["tls-key"]) {
    config.tlsCertFile = values["tls-cert"];
    config.tlsKeyFile = values["tls-key"];
  }
  const kubeconfig = values.kubeconfig ?? env.KUBECONFIG;
  if (kubeconfig) config.kubeconfig = kubeconfig;
  if (!/^\d+\.\d+\.\d+/.test(config.envdVersion)) {
    throw new TypeError(`Invalid --envd-version "${config.envdVersion}": expected x.y.z`);
  }
  return config;
}
