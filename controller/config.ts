/**
 * The controller's command line, parsed (pure) with `node:util`'s `parseArgs` into a typed
 * {@linkcode Config}. Unknown flags and malformed values throw `TypeError` naming the flag, so a
 * typo fails at start instead of silently running with a default.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { DEFAULT_INJECTION_CONFIG_NAME } from "./sandbox/injection.ts";

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
  /** Whether to reconcile only while holding the leader Lease (replicas > 1 on a cluster). */
  leaderElect: boolean;
  /** Namespace of the leader Lease; absent: the pod's own (`POD_NAMESPACE`, the service
   * account's namespace file, else `default`). */
  leaderElectionNamespace?: string;
  /** Name of the leader Lease: every replica of one controller names the same. */
  leaderElectionId: string;
  /** How long the Lease lasts without renewal before a standby takes over, in seconds. */
  leaseDurationSeconds: number;
  /** How long the leader keeps trying to renew before it gives up (and exits), in seconds. */
  renewDeadlineSeconds: number;
  /** How often the leader renews and a standby tries, in seconds. */
  retryPeriodSeconds: number;
  /**
   * The runtime injection ConfigMap (`--injection-config [NAMESPACE/]NAME`); an absent namespace
   * is the pod's own (as for the leader Lease), the name defaults to `sandbox-injection-config`.
   */
  injectionConfig: { namespace?: string; name: string };
  /** Whether `--help` was asked for. */
  help: boolean;
}

/** The leader Lease's name unless `--leader-election-id` says otherwise. */
export const DEFAULT_LEADER_ELECTION_ID = "kruise-agents-controller";

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
  --injection-config [NAMESPACE/]NAME
                          ConfigMap whose keys say what each runtime of a template's
                          spec.runtimes injects into its pods (default: the pod's namespace,
                          as for the Lease, and ${DEFAULT_INJECTION_CONFIG_NAME})
  --help                  print this text

Leader election (several replicas: one reconciles, the others stand by, ready to take over):
  --leader-elect[=true|false], --no-leader-elect
                          reconcile only while holding the leader Lease (default: on). A
                          leader that loses the Lease exits with status 1, so its pod restarts;
                          on SIGTERM it releases the Lease and a standby takes over at once
  --leader-election-namespace NS
                          namespace of the Lease (default: $POD_NAMESPACE, else the service
                          account's namespace, else default)
  --leader-election-id NAME
                          name of the Lease (default: ${DEFAULT_LEADER_ELECTION_ID})
  --leader-elect-lease-duration SECS
                          a Lease not renewed for this long is taken over (default: 15)
  --leader-elect-renew-deadline SECS
                          the leader gives up after failing to renew this long (default: 10)
  --leader-elect-retry-period SECS
                          how often the leader renews and standbys try (default: 2)
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

/**
 * `--leader-elect=true|false` (how Kubernetes manifests write a boolean flag) as the forms
 * `parseArgs` takes: `--leader-elect` and `--no-leader-elect`.
 */
function booleanForms(args: readonly string[]): string[] {
  return args.map((arg) => {
    const match = /^--leader-elect=(.*)$/.exec(arg);
    if (match === null) return arg;
    if (match[1] === "true") return "--leader-elect";
    if (match[1] === "false") return "--no-leader-elect";
    throw new TypeError(
      `Cannot parse flag "--leader-elect": expected true or false, got "${match[1]}"`,
    );
  });
}

/** The three timings, checked together as client-go checks them. */
function timings(values: Record<string, string | boolean | undefined>) {
  const get = (flag: string, fallback: number) =>
    integer(values[flag] as string | undefined, flag, fallback, 1, 3600);
  const lease = get("leader-elect-lease-duration", 15);
  const renew = get("leader-elect-renew-deadline", 10);
  const retry = get("leader-elect-retry-period", 2);
  if (!(lease > renew && renew > 1.2 * retry)) {
    throw new TypeError(
      `Cannot use the leader election timings: --leader-elect-lease-duration (${lease}) must be more than --leader-elect-renew-deadline (${renew}), which must be more than 1.2 x --leader-elect-retry-period (${retry})`,
    );
  }
  return { leaseDurationSeconds: lease, renewDeadlineSeconds: renew, retryPeriodSeconds: retry };
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** `--injection-config [NAMESPACE/]NAME`, each part checked as the API server would. */
function injectionConfigFlag(value: string | undefined): Config["injectionConfig"] {
  if (value === undefined) return { name: DEFAULT_INJECTION_CONFIG_NAME };
  const parts = value.split("/");
  const [namespace, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  const ok = parts.length <= 2 && name !== undefined && DNS_SUBDOMAIN.test(name) &&
    name.length <= 253 && (namespace === undefined || DNS_LABEL.test(namespace));
  if (!ok) {
    throw new TypeError(
      `Cannot parse flag "--injection-config": expected [NAMESPACE/]NAME, got "${value}"`,
    );
  }
  return namespace === undefined ? { name: name! } : { namespace, name: name! };
}

/** Parses `args` (e.g. `Deno.args`); throws `TypeError` on an unknown flag or a bad value. */
export function parseConfig(args: readonly string[]): Config {
  let values;
  try {
    ({ values } = parseArgs({
      args: booleanForms(args),
      strict: true,
      allowPositionals: false,
      allowNegative: true,
      options: {
        kubeconfig: { type: "string" },
        namespace: { type: "string" },
        "token-key-file": { type: "string" },
        workers: { type: "string" },
        "watch-timeout": { type: "string" },
        "health-port": { type: "string" },
        "health-host": { type: "string" },
        "leader-elect": { type: "boolean" },
        "leader-election-namespace": { type: "string" },
        "leader-election-id": { type: "string" },
        "leader-elect-lease-duration": { type: "string" },
        "leader-elect-renew-deadline": { type: "string" },
        "leader-elect-retry-period": { type: "string" },
        "injection-config": { type: "string" },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    if (error instanceof TypeError && error.message.startsWith("Cannot parse flag")) throw error;
    throw new TypeError(`Cannot parse the flags: ${(error as Error).message}`);
  }
  const config: Config = {
    workers: integer(values.workers, "workers", 4, 1, 64),
    watchTimeoutSeconds: integer(values["watch-timeout"], "watch-timeout", 300, 1, 3600),
    healthPort: integer(values["health-port"], "health-port", 8081, 0, 65535),
    healthHost: values["health-host"] ?? "0.0.0.0",
    leaderElect: values["leader-elect"] ?? true,
    leaderElectionId: values["leader-election-id"] ?? DEFAULT_LEADER_ELECTION_ID,
    ...timings(values),
    injectionConfig: injectionConfigFlag(values["injection-config"]),
    help: values.help ?? false,
  };
  if (values["leader-election-namespace"] !== undefined) {
    config.leaderElectionNamespace = values["leader-election-namespace"];
  }
  if (values.kubeconfig !== undefined) config.kubeconfig = values.kubeconfig;
  if (values.namespace !== undefined) config.namespace = values.namespace;
  if (values["token-key-file"] !== undefined) config.tokenKeyFile = values["token-key-file"];
  return config;
}
