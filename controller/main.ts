/**
 * The controller program: flags → config → Kubernetes client → {@linkcode electController}
 * (or {@linkcode launchController} with `--no-leader-elect`), until SIGINT or SIGTERM. Wiring
 * only; everything it runs is tested through `mod.ts`.
 *
 * Leader election is on by default: of several replicas one holds the Lease
 * (`--leader-election-namespace`/`--leader-election-id`) and reconciles, the others stand by.
 * Exit status: 0 after SIGINT/SIGTERM (the Lease released, so a standby takes over at once), 1
 * when this replica lost the Lease (it could not renew it in time, or found another holder): as
 * with client-go, the pod restarts and campaigns afresh rather than risk two leaders.
 *
 * Serves `/healthz`, `/readyz` (ready once every informer is synced; a standby, which runs none,
 * once it has read the leader Lease: from then on it can take over) and `/metrics` (watch ages
 * and restarts, and `kruise_agents_leader` 1 or 0) on `--health-port`.
 *
 * Permissions: `--allow-net` (the API server), `--allow-env` (client-node reads `KUBECONFIG`,
 * `HOME` and the in-cluster `KUBERNETES_SERVICE_*` variables; leader election reads
 * `POD_NAMESPACE` and `HOSTNAME`) and `--allow-read` of the kubeconfig file or
 * `/var/run/secrets/kubernetes.io/serviceaccount`. The service account needs `get`, `create`,
 * `update` and `watch` on `coordination.k8s.io` `leases` in the Lease's namespace, and `list`
 * and `watch` on `configmaps` in the injection ConfigMap's (`--injection-config`).
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
import {
  createKubernetesClient,
  healthHandler,
  leaderIdentity,
  podNamespace,
} from "@kruise-agents/shared/kube";
import { childLogger, consoleLogger, type Logger } from "@kruise-agents/shared/std";
import { type Config, parseConfig, USAGE } from "./config.ts";
import {
  electController,
  type ElectedController,
  launchController,
  type StartControllerOptions,
} from "./mod.ts";

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
  const options: StartControllerOptions = {
    kube,
    signal: abort.signal,
    workers: config.workers,
    logger,
    namespace: config.namespace,
    watchTimeoutSeconds: config.watchTimeoutSeconds,
    tokenKey,
    injectionConfig: {
      namespace: config.injectionConfig.namespace ?? await podNamespace(),
      name: config.injectionConfig.name,
    },
  };
  const health = new AbortController();
  const serve = (handler: (request: Request) => Response) =>
    config.healthPort === 0 ? undefined : Deno.serve({
      hostname: config.healthHost,
      port: config.healthPort,
      signal: health.signal,
      onListen: ({ hostname, port }) =>
        logger.info("health endpoint listening", { hostname, port }),
    }, handler);
  let code = 0;
  if (config.leaderElect) {
    const elected = await elect(config, options, logger);
    const server = serve(healthHandler({
      program: "controller",
      informers: () => elected.health(),
      leader: () => elected.isLeader(),
      notReady: () => elected.notReady(),
    }));
    const outcome = await elected.done;
    code = outcome === "stopped" ? 0 : 1;
    health.abort();
    await server?.finished;
    logger.info("controller stopped", { outcome, code });
  } else {
    const controller = launchController(options);
    // Ready (/readyz) only once every informer holds its first list; until then the informers
    // retry the API server with backoff, and the workers wait.
    const server = serve(
      healthHandler({ program: "controller", informers: () => controller.health() }),
    );
    await controller.started;
    await aborted(abort.signal);
    await controller.stop();
    health.abort();
    await server?.finished;
    logger.info("controller stopped");
  }
  return code;
}

/** The controller behind the leader Lease the flags name. */
async function elect(
  config: Config,
  options: StartControllerOptions,
  logger: Logger,
): Promise<ElectedController> {
  const leaderElection = {
    namespace: config.leaderElectionNamespace ?? await podNamespace(),
    name: config.leaderElectionId,
    identity: leaderIdentity(),
    leaseDurationSeconds: config.leaseDurationSeconds,
    renewDeadlineSeconds: config.renewDeadlineSeconds,
    retryPeriodSeconds: config.retryPeriodSeconds,
  };
  logger.info("campaigning for the leader lease", {
    lease: `${leaderElection.namespace}/${leaderElection.name}`,
    identity: leaderElection.identity,
  });
  return electController({ ...options, leaderElection });
}

/** Resolves once `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

if (import.meta.main) Deno.exit(await main(Deno.args));
