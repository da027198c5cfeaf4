/**
 * The local node as a program of its own, for running it against a real API server next to the
 * controller and the manager (`deno task dev` runs it in-process instead). Runs every pod bound
 * to `--node-name` (and every unbound sandbox pod) until SIGINT or SIGTERM; the sandboxes keep
 * running after it stops unless `--kill-sandboxes-on-exit`, and the next start on the same
 * `--data-dir` re-adopts them. Serves `/healthz`, `/readyz` and `/metrics` (its pod watch) on
 * `--health-port`.
 *
 * Permissions: `--allow-all`, as `deno task dev`: the node reads `/proc` (PID namespaces,
 * freezing), which Deno grants only under `--allow-all`, and runs and mounts sandboxes as root.
 *
 * @example
 * ```sh
 * deno run --allow-all controller/local_node/main.ts --kubeconfig ~/.kube/config --data-dir /var/lib/ka-node
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createKubernetesClient, healthHandler } from "@kruise-agents/shared/kube";
import { childLogger, consoleLogger } from "@kruise-agents/shared/std";
import { defaultImageLayout } from "./image_layout.ts";
import { startLocalNode } from "./node.ts";

const USAGE = `Usage: local-node --data-dir DIR [--kubeconfig FILE] [--node-name NAME]
                  [--image-layout DIR] [--node-prefix P] [--pod-subnet CIDR]
                  [--watch-timeout SECONDS] [--health-port N] [--kill-sandboxes-on-exit]

  --image-layout DIR   OCI layout of the sandbox images (default: what hack/images/build.sh
                       builds, ${defaultImageLayout()})`;

async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: {
        "data-dir": { type: "string" },
        kubeconfig: { type: "string" },
        "node-name": { type: "string" },
        "image-layout": { type: "string" },
        "node-prefix": { type: "string" },
        "pod-subnet": { type: "string" },
        "watch-timeout": { type: "string" },
        "health-port": { type: "string" },
        "kill-sandboxes-on-exit": { type: "boolean" },
      },
    }));
    if (!values["data-dir"]) throw new TypeError("--data-dir is required");
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const logger = childLogger(consoleLogger, { component: "local-node" });
  const kube = createKubernetesClient({ kubeconfigPath: values.kubeconfig, logger });
  const abort = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => abort.abort());
  }
  const node = await startLocalNode({
    kube,
    dataDir: values["data-dir"],
    imageLayout: values["image-layout"] ?? defaultImageLayout(),
    containers: { prefix: values["node-prefix"], subnet: values["pod-subnet"] },
    nodeName: values["node-name"],
    logger,
    watchTimeoutSeconds: values["watch-timeout"] ? Number(values["watch-timeout"]) : undefined,
  });
  const healthPort = Number(values["health-port"] ?? 0);
  const health = healthPort === 0 ? undefined : Deno.serve({
    hostname: "127.0.0.1",
    port: healthPort,
    signal: abort.signal,
    onListen() {},
  }, healthHandler({ program: "local-node", informers: () => node.health() }));
  logger.info("local node running", { nodeName: node.nodeName });
  await new Promise<void>((resolve) => {
    if (abort.signal.aborted) resolve();
    abort.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  const kill = values["kill-sandboxes-on-exit"] ?? false;
  await node.stop({ killSandboxes: kill, teardown: kill });
  await health?.finished;
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
