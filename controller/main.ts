/**
 * The controller program: flags → config → Kubernetes client → {@linkcode startController},
 * until SIGINT or SIGTERM. Wiring only; everything it runs is tested through `mod.ts`.
 *
 * Serves `/healthz`, `/readyz` (ready once every informer is synced) and `/metrics` (watch ages
 * and restarts) on `--health-port`.
 *
 * Permissions: `--allow-net` (the API server), `--allow-env` (client-node reads `KUBECONFIG`,
 * `HOME` and the in-cluster `KUBERNETES_SERVICE_*` variables) and `--allow-read` of the
 * kubeconfig file or `/var/run/secrets/kubernetes.io/serviceaccount`.
 *
 * @example
 * ```sh
 * deno run --allow-net --allow-env --allow-read=/var/run/secrets/kubernetes.io controller/main.ts
 * deno run --allow-net --allow-env --allow-read=$HOME/.kube controller/main.ts --kubeconfig ~/.kube/config
 * ```
 *
 * @module
 */
import { readTokenKey } from "@kruise-agents/shared/api";
import { createKubernetesClient, healthHandler } from "@kruise-agents/shared/kube";
import { childLogger, consoleLogger } from "@kruise-agents/shared/std";
import { parseConfig, USAGE } from "./config.ts";
import { launchController } from "./mod.ts";

async function main(args: string[]): Promise<number> {
  let config;
  try {
    config = parseConfig(args);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (config.help) {
    console.log(USAGE);
    return 0;
  }
  if (config.tokenKeyFile === undefined) {
    console.error(`--token-key-file is required\n\n${USAGE}`);
    return 2;
  }
  const tokenKey = await readTokenKey(config.tokenKeyFile);
  const logger = childLogger(consoleLogger, { component: "controller" });
  const kube = createKubernetesClient({ kubeconfigPath: config.kubeconfig, logger });
  const abort = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => abort.abort());
  }
  const controller = launchController({
    kube,
    signal: abort.signal,
    workers: config.workers,
    logger,
    namespace: config.namespace,
    watchTimeoutSeconds: config.watchTimeoutSeconds,
    tokenKey,
  });
  // Ready (/readyz) only once every informer holds its first list; until then the informers
  // retry the API server with backoff, and the workers wait.
  const health = config.healthPort === 0 ? undefined : Deno.serve({
    hostname: config.healthHost,
    port: config.healthPort,
    signal: abort.signal,
    onListen: ({ hostname, port }) => logger.info("health endpoint listening", { hostname, port }),
  }, healthHandler({ program: "controller", informers: () => controller.health() }));
  await controller.started;
  await new Promise<void>((resolve) => {
    if (abort.signal.aborted) resolve();
    abort.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  await controller.stop();
  await health?.finished;
  logger.info("controller stopped");
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
