/**
 * The node agent program (`deno task node-agent`; the chart runs it as a DaemonSet): the Freeze
 * pause of sandboxes on a cluster node, see `agent.ts`. Wiring only.
 *
 * Flags: `--node-name NAME` (else `NODE_NAME`, which the chart sets from `spec.nodeName`),
 * `--kubeconfig FILE` (else in-cluster), `--cgroup-mount DIR` (where the cgroup file systems are
 * mounted as this process sees them, default `/sys/fs/cgroup`), `--kubelet-cgroup-root PATH` (the
 * kubelet's `cgroupRoot`, default `/`), `--health-port N` (default 8082, 0: none),
 * `--watch-timeout-seconds N`.
 *
 * Permissions (`deno task node-agent`, which the image's launcher runs): `--allow-net` (the API
 * server, the health port), `--allow-env`, `--allow-read` (the kubeconfig or service-account
 * files, the cgroup files), `--allow-write=/host/cgroup` only, and `--allow-sys=uid,gid`
 * (client-node's in-cluster check). Deno 2.9 grants nothing under `/sys` short of `--allow-all`,
 * so the DaemonSet mounts the host's `/sys/fs/cgroup` at `/host/cgroup` and passes
 * `--cgroup-mount=/host/cgroup`; run directly on a host, the agent needs `--allow-all`, as
 * `deno task dev`'s local node does for the same reason. The service account needs `list` and
 * `watch` on `pods` and `update` on `pods/status`.
 *
 * @example
 * ```sh
 * deno run --allow-all controller/node_agent/main.ts --kubeconfig ~/.kube/config --node-name node-1
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createKubernetesClient, healthHandler } from "@kruise-agents/shared/kube";
import { childLogger, consoleLogger } from "@kruise-agents/shared/std";
import { startNodeAgent } from "./agent.ts";
import { cgroupFreezer } from "./freezer.ts";

/** The usage text. */
export const NODE_AGENT_USAGE = `Usage: node-agent [--node-name NAME] [--kubeconfig FILE]
                  [--cgroup-mount DIR] [--kubelet-cgroup-root PATH]
                  [--health-port N] [--watch-timeout-seconds N]`;

/** The node agent's settings, parsed from its flags and environment. */
export interface NodeAgentConfig {
  /** The node this agent serves. */
  nodeName: string;
  /** A kubeconfig file; in-cluster when absent. */
  kubeconfig?: string | undefined;
  /** Where the cgroup file systems are mounted. */
  cgroupMount: string;
  /** The kubelet's `cgroupRoot`. */
  kubeletCgroupRoot: string;
  /** The health port (0: none). */
  healthPort: number;
  /** Server-side watch timeout, seconds. */
  watchTimeoutSeconds?: number | undefined;
}

function port(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new RangeError(`${flag} must be a port number (0-65535), got "${value}"`);
  }
  return n;
}

/** Parses the flags; throws naming the flag at fault. */
export function parseNodeAgentConfig(
  args: string[],
  env: (name: string) => string | undefined,
): NodeAgentConfig {
  const { values } = parseArgs({
    args,
    options: {
      "node-name": { type: "string" },
      kubeconfig: { type: "string" },
      "cgroup-mount": { type: "string", default: "/sys/fs/cgroup" },
      "kubelet-cgroup-root": { type: "string", default: "/" },
      "health-port": { type: "string", default: "8082" },
      "watch-timeout-seconds": { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  const nodeName = values["node-name"] ?? env("NODE_NAME");
  if (!nodeName) throw new Error("--node-name (or NODE_NAME) is required");
  const watch = values["watch-timeout-seconds"];
  const watchTimeoutSeconds = watch === undefined ? undefined : Number(watch);
  if (watchTimeoutSeconds !== undefined && !(watchTimeoutSeconds > 0)) {
    throw new RangeError(`--watch-timeout-seconds must be positive, got "${watch}"`);
  }
  return {
    nodeName,
    kubeconfig: values.kubeconfig ?? env("KUBECONFIG"),
    cgroupMount: values["cgroup-mount"],
    kubeletCgroupRoot: values["kubelet-cgroup-root"],
    healthPort: port(values["health-port"], "--health-port"),
    watchTimeoutSeconds,
  };
}

async function main(args: string[]): Promise<number> {
  let config: NodeAgentConfig;
  try {
    config = parseNodeAgentConfig(args, (name) => Deno.env.get(name));
  } catch (error) {
    console.error(
      `${error instanceof Error ? error.message : String(error)}\n\n${NODE_AGENT_USAGE}`,
    );
    return 2;
  }
  const logger = childLogger(consoleLogger, { component: "node-agent", node: config.nodeName });
  let freezer;
  try {
    freezer = await cgroupFreezer({
      mount: config.cgroupMount,
      kubeletRoot: config.kubeletCgroupRoot,
    });
  } catch (error) {
    logger.error("this node cannot freeze pods", { error: String(error) });
    return 1;
  }
  const kube = createKubernetesClient({ kubeconfigPath: config.kubeconfig, logger });
  const agent = startNodeAgent({
    kube,
    nodeName: config.nodeName,
    freezer,
    logger,
    watchTimeoutSeconds: config.watchTimeoutSeconds,
  });
  const stop = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => stop.abort());
  }
  const server = config.healthPort === 0 ? undefined : Deno.serve({
    port: config.healthPort,
    signal: stop.signal,
    onListen: ({ hostname, port }) => logger.info("health endpoint listening", { hostname, port }),
  }, healthHandler({ program: "node-agent", informers: () => agent.health() }));
  await agent.synced();
  logger.info("node agent running");
  await new Promise<void>((resolve) => stop.signal.addEventListener("abort", () => resolve()));
  await agent.stop();
  await server?.finished;
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
