/**
 * The controller program: flags → config → Kubernetes client → {@linkcode startController},
 * until SIGINT or SIGTERM. Wiring only; everything it runs is tested through `mod.ts`.
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
import { createKubernetesClient } from "@kruise-agents/shared/kube";
import { parseConfig, USAGE } from "./config.ts";
import { consoleLogger, startController } from "./mod.ts";

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
  const kube = createKubernetesClient(
    config.kubeconfig === undefined ? {} : { kubeconfigPath: config.kubeconfig },
  );
  const abort = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => abort.abort());
  }
  const controller = await startController({
    kube,
    signal: abort.signal,
    workers: config.workers,
    logger: consoleLogger,
    ...(config.namespace === undefined ? {} : { namespace: config.namespace }),
  });
  await new Promise<void>((resolve) => {
    if (abort.signal.aborted) resolve();
    abort.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  await controller.stop();
  consoleLogger.info("controller stopped");
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
