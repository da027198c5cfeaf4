/**
 * The controller: reconciles `SandboxSet` (warm pools: create, replenish after claims, scale
 * down, roll out template changes) and `Sandbox` (one Pod each, status mirrored from it,
 * `shutdownTime`/`pauseTime` enforced, freeze-in-place pause and resume) through the
 * {@linkcode KubeClient} seam, so the same code runs on a cluster and on the embedded store.
 *
 * `main.ts` runs it as a program; `deno task dev` calls {@linkcode startController} in-process.
 *
 * @example
 * ```ts ignore
 * import { EmbeddedStore } from "@kruise-agents/shared/kube";
 * import { startController } from "@kruise-agents/controller";
 * const kube = await EmbeddedStore.open();
 * const controller = await startController({ kube });
 * // ... create SandboxSets; the pool fills ...
 * await controller.stop();
 * ```
 *
 * @module
 */
import {
  CREATED_BY_SANDBOX,
  LABEL_CREATED_BY,
  parseSandbox,
  parseSandboxSet,
  type Sandbox,
  type SandboxSet,
} from "@kruise-agents/shared/api";
import { type KubeClient, PODS, SANDBOX_SETS, SANDBOXES } from "@kruise-agents/shared/kube";
import { type Clock, systemClock } from "./machinery/clock.ts";
import { Controller } from "./machinery/controller.ts";
import { Expectations } from "./machinery/expectations.ts";
import { Informer } from "./machinery/informer.ts";
import { type Logger, silentLogger } from "./machinery/logger.ts";
import { controllerUidIndex, INDEX_CONTROLLER_UID } from "./machinery/owner.ts";
import { WorkQueue } from "./machinery/work_queue.ts";
import { parsePod, type Pod } from "./sandbox/pod.ts";
import { SandboxReconciler } from "./sandbox/reconciler.ts";
import { watchSandboxes } from "./sandbox/watches.ts";
import { SandboxSetReconciler } from "./sandbox_set/reconciler.ts";
import { watchSandboxSets } from "./sandbox_set/watches.ts";

export type { CancelTimer, Clock } from "./machinery/clock.ts";
// The seam's types `startController` takes, re-exported so the public surface is self-contained.
export type {
  DeleteOptions,
  KubeClient,
  KubeObject,
  ListOptions,
  ObjectList,
  Resource,
  WatchEvent,
  WatchOptions,
} from "@kruise-agents/shared/kube";
export type { ObjectMeta, OwnerReference } from "@kruise-agents/shared/api";
export { ManualClock, systemClock } from "./machinery/clock.ts";
export type { LogFields, Logger } from "./machinery/logger.ts";
export { consoleLogger, silentLogger } from "./machinery/logger.ts";

/** Options of {@linkcode startController}. */
export interface StartControllerOptions {
  /** The API (a cluster, or the embedded store). */
  kube: KubeClient;
  /** Stops the controller when aborted (same as calling `stop`). */
  signal?: AbortSignal;
  /** Time source of deadlines, backoffs and expectations. @default {systemClock} */
  clock?: Clock;
  /** Concurrent reconciles per controller (SandboxSet and Sandbox each). @default {4} */
  workers?: number;
  /** Only this namespace. @default {all namespaces} */
  namespace?: string;
  /** Log sink. @default {silentLogger} */
  logger?: Logger;
  /** How long a scale expectation is trusted before it counts as met, in ms. @default {300000} */
  expectationsTimeoutMs?: number;
}

/** A running controller. */
export interface RunningController {
  /** Stops the workers (after their reconciles in flight) and the watches. */
  stop(): Promise<void>;
}

/**
 * Starts the informers, waits until their first lists are cached (a reconcile on an empty cache
 * would re-create every pool member), then starts both controllers.
 */
export async function startController(options: StartControllerOptions): Promise<RunningController> {
  const { kube, namespace } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const workers = options.workers ?? 4;

  const sets = new Informer<SandboxSet>({
    kube,
    resource: SANDBOX_SETS,
    parse: parseSandboxSet,
    namespace,
    clock,
    logger,
  });
  const sandboxes = new Informer<Sandbox>({
    kube,
    resource: SANDBOXES,
    parse: parseSandbox,
    namespace,
    indexes: { [INDEX_CONTROLLER_UID]: controllerUidIndex },
    clock,
    logger,
  });
  const pods = new Informer<Pod>({
    kube,
    resource: PODS,
    parse: parsePod,
    namespace,
    labelSelector: `${LABEL_CREATED_BY}=${CREATED_BY_SANDBOX}`,
    clock,
    logger,
  });

  const expectations = new Expectations({ clock, timeoutMs: options.expectationsTimeoutMs });
  const setQueue = new WorkQueue({ clock });
  const sandboxQueue = new WorkQueue({ clock });
  watchSandboxSets({ sets, sandboxes }, { queue: setQueue, expectations });
  watchSandboxes({ sandboxes, pods }, sandboxQueue);

  const setReconciler = new SandboxSetReconciler({
    kube,
    sets,
    sandboxes,
    expectations,
    clock,
    logger,
  });
  const sandboxReconciler = new SandboxReconciler({ kube, sandboxes, pods, clock, logger });
  const controllers = [
    new Controller({
      name: "sandboxset",
      queue: setQueue,
      reconcile: (key) => setReconciler.reconcile(key),
      workers,
      logger,
    }),
    new Controller({
      name: "sandbox",
      queue: sandboxQueue,
      reconcile: (key) => sandboxReconciler.reconcile(key),
      workers,
      logger,
    }),
  ];

  const informers = [sets, sandboxes, pods];
  for (const informer of informers) informer.start();
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await Promise.all(controllers.map((c) => c.stop()));
      await Promise.all(informers.map((i) => i.stop()));
    })();
    return stopping;
  };
  options.signal?.addEventListener("abort", () => void stop(), { once: true });
  if (options.signal?.aborted) {
    await stop();
    return { stop };
  }
  const aborted = new Promise<"aborted">((resolve) => {
    if (options.signal === undefined) return;
    options.signal.addEventListener("abort", () => resolve("aborted"), { once: true });
  });
  const synced = await Promise.race([Promise.all(informers.map((i) => i.synced())), aborted]);
  if (synced === "aborted") {
    await stop();
    return { stop };
  }
  for (const controller of controllers) controller.start();
  logger.info("controller started", { workers, namespace: namespace ?? "*" });
  return { stop };
}
