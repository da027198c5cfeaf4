/**
 * The controller's command line, parsed (pure) with `node:util`'s `parseArgs` into a typed
 * {@linkcode Config}. Unknown flags and malformed values throw `TypeError` naming the flag, so a
 * typo fails at start instead of silently running with a default.
 *
 * @module
 */
import { parseArgs } from "node:util";

/** What `main.ts` runs with. */
export interface Config {
  /** A kubeconfig file; absent means the in-cluster service account (or `KUBECONFIG`). */
  kubeconfig?: string;
  /** Only this namespace; absent means all namespaces. */
  namespace?: string;
  /** File with the key sandbox tokens are derived with (the manager holds the same one). */
  tokenKeyFile?: string;
  /** Concurrent reconciles per controller. */
  workers: number;
  /** Server-side timeout of each watch, in seconds (jittered up to twice that). */
  watchTimeoutSeconds: number;
  /** Port of `/healthz`, `/readyz` and `/metrics`; 0 turns the endpoint off. */
  healthPort: number;
  /** Address the health endpoint listens on. */
  healthHost: string;
  /** Whether `--help` was asked for. */
  help: boolean;
}

/** Usage text for `--help`. */
export const USAGE = `Usage: controller [options]

Reconciles SandboxSets (warm pools) and Sandboxes (pods, pause/resume, deadlines).

Options:
  --token-key-file PATH   key every sandbox's access token is derived with; required, and the
                          manager's must be the same (base64 of 32 random bytes)
  --kubeconfig PATH       kubeconfig file (default: in-cluster service account, or $KUBECONFIG)
  --namespace NAME        watch only this namespace (default: all)
  --workers N             concurrent reconciles per controller (default: 4)
  --watch-timeout SECS    server-side timeout of each watch, jittered up to 2x (default: 300)
  --health-port N         port of /healthz, /readyz and /metrics; 0 = off (default: 8081)
  --health-host ADDR      address of the health endpoint (default: 0.0.0.0)
  --help                  print this text
`;

function integer(
  value: string | undefined,
  flag: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < min || n > max) {
    throw new TypeError(
      `Cannot parse flag "--${flag}": expected an integer ${min}..${max}, got "${value}"`,
    );
  }
  return n;
}

/** Parses `args` (e.g. `Deno.args`); throws `TypeError` on an unknown flag or a bad value. */
export function parseConfig(args: readonly string[]): Config {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        kubeconfig: { type: "string" },
        namespace: { type: "string" },
        "token-key-file": { type: "string" },
        workers: { type: "string" },
        "watch-timeout": { type: "string" },
        "health-port": { type: "string" },
        "health-host": { type: "string" },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    throw new TypeError(`Cannot parse the flags: ${(error as Error).message}`);
  }
  const config: Config = {
    workers: integer(values.workers, "workers", 4, 1, 64),
    watchTimeoutSeconds: integer(values["watch-timeout"], "watch-timeout", 300, 1, 3600),
    healthPort: integer(values["health-port"], "health-port", 8081, 0, 65535),
    healthHost: values["health-host"] ?? "0.0.0.0",
    help: values.help ?? false,
  };
  if (values.kubeconfig !== undefined) config.kubeconfig = values.kubeconfig;
  if (values.namespace !== undefined) config.namespace = values.namespace;
  if (values["token-key-file"] !== undefined) config.tokenKeyFile = values["token-key-file"];
  return config;
}
