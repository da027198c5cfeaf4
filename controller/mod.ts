/**
 * The controller: reconciles `SandboxSet` (warm pools: create, replenish after claims, scale
 * down, roll out template changes) and `Sandbox` (one Pod each, status mirrored from it,
 * `shutdownTime`/`pauseTime` enforced, freeze-in-place pause and resume) through the
 * {@linkcode KubeClient} seam, so the same code runs on a cluster and on the embedded store.
 *
 * `main.ts` runs it as a program, with leader election ({@linkcode electController}) so that of
 * several replicas one reconciles; `deno task dev` calls {@linkcode startController} in-process,
 * with no election (one process, one controller).
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
import {
  Informer,
  type InformerHealth,
  type KubeClient,
  PODS,
  SANDBOX_SETS,
  SANDBOXES,
} from "@kruise-agents/shared/kube";
import {
  type ElectionOutcome,
  LeaderElector,
  type LeaderElectorOptions,
} from "@kruise-agents/shared/kube/leader-election";
import { type Clock, pause, systemClock } from "@kruise-agents/shared/std";
import { Controller, type ReconcileFn } from "./machinery/controller.ts";
import { Expectations } from "./machinery/expectations.ts";
import { type Logger, silentLogger } from "@kruise-agents/shared/std";
import { controllerUidIndex, INDEX_CONTROLLER_UID } from "./machinery/owner.ts";
import { WorkQueue } from "./machinery/work_queue.ts";
import { parsePod, type Pod } from "@kruise-agents/shared/api";
import { SandboxReconciler } from "./sandbox/reconciler.ts";
import { watchInjectionConfig, watchSandboxes } from "./sandbox/watches.ts";
import {
  CONFIG_MAPS,
  type ConfigMap,
  type InjectionConfig,
  injectionConfig,
  parseConfigMap,
} from "./sandbox/injection.ts";
import { SandboxSetReconciler } from "./sandbox_set/reconciler.ts";
import { watchSandboxSets } from "./sandbox_set/watches.ts";

export type { CancelTimer, Clock } from "@kruise-agents/shared/std";
export type { ElectionOutcome } from "@kruise-agents/shared/kube/leader-election";
// The seam's types `startController` takes, re-exported so the public surface is self-contained.
export type * from "@kruise-agents/shared/kube/seam-types";
export { ManualClock, systemClock } from "@kruise-agents/shared/std";
export type { LogFields, Logger } from "@kruise-agents/shared/std";
export { consoleLogger, silentLogger } from "@kruise-agents/shared/std";

/** Options of {@linkcode startController}. */
export interface StartControllerOptions {
  /** The API (a cluster, or the embedded store). */
  kube: KubeClient;
  /** Stops the controller when aborted (same as calling `stop`). */
  signal?: AbortSignal | undefined;
  /** Time source of deadlines, backoffs and expectations. @default {systemClock} */
  clock?: Clock | undefined;
  /** Concurrent reconciles per controller (SandboxSet and Sandbox each). @default {4} */
  workers?: number | undefined;
  /** Only this namespace. @default {all namespaces} */
  namespace?: string | undefined;
  /** Log sink. @default {silentLogger} */
  logger?: Logger | undefined;
  /** How long a scale expectation is trusted before it counts as met, in ms. @default {300000} */
  expectationsTimeoutMs?: number | undefined;
  /**
   * How long after a claim its pool starts the replacement, in ms (see `sandbox_set/watches.ts`).
   * @default {REFILL_DELAY_MS}
   */
  refillDelayMs?: number | undefined;
  /** Server-side timeout of each watch, in seconds (see the shared `Informer`). @default {300} */
  watchTimeoutSeconds?: number | undefined;
  /**
   * The key every sandbox's tokens are derived with (`importTokenKey` of `shared/api`); the
   * manager must hold the same one.
   */
  tokenKey: CryptoKey;
  /**
   * Asked before every reconcile: while it answers false, keys wait (requeued after a second)
   * instead of being reconciled. {@linkcode electController} answers "this replica's lease is
   * still valid by its own clock", so a leader that was frozen past its renew deadline writes
   * nothing when it wakes. @default {always true}
   */
  mayReconcile?: (() => boolean) | undefined;
  /**
   * The ConfigMap that says what each runtime of `spec.runtimes` injects into a sandbox's pod
   * (`sandbox/injection.ts`), cached by an informer on its namespace, which may differ from
   * `namespace` (the chart puts it in the controller's own). Absent: no injection, and a Sandbox
   * that lists runtimes fails with a message saying so. @default {none}
   */
  injectionConfig?: { namespace: string; name: string } | undefined;
}

/** A running controller. */
export interface RunningController {
  /** How each of its informers is doing (for `/metrics` and readiness). */
  health(): InformerHealth[];
  /** Stops the workers (after their reconciles in flight) and the watches. */
  stop(): Promise<void>;
}

/** A controller whose informers may still be filling; {@linkcode startController} waits. */
export interface ControllerHandle extends RunningController {
  /**
   * Resolves once every informer holds its first list and the workers run (a reconcile on an
   * empty cache would re-create every pool member), or once stopped first.
   */
  readonly started: Promise<void>;
}

interface Caches {
  sets: Informer<SandboxSet>;
  sandboxes: Informer<Sandbox>;
  pods: Informer<Pod>;
  configMaps?: Informer<ConfigMap>;
}

function caches(options: StartControllerOptions, clock: Clock, logger: Logger): Caches {
  const common = {
    kube: options.kube,
    namespace: options.namespace,
    clock,
    logger,
    watchTimeoutSeconds: options.watchTimeoutSeconds,
  };
  return {
    sets: new Informer<SandboxSet>({ ...common, resource: SANDBOX_SETS, parse: parseSandboxSet }),
    sandboxes: new Informer<Sandbox>({
      ...common,
      resource: SANDBOXES,
      parse: parseSandbox,
      indexes: { [INDEX_CONTROLLER_UID]: controllerUidIndex },
    }),
    pods: new Informer<Pod>({
      ...common,
      resource: PODS,
      parse: parsePod,
      labelSelector: `${LABEL_CREATED_BY}=${CREATED_BY_SANDBOX}`,
    }),
    // The one ConfigMap, by a field selector on its name; the chart grants list and watch of
    // ConfigMaps only in its namespace (RBAC cannot limit a list to a name).
    ...(options.injectionConfig === undefined ? {} : {
      configMaps: new Informer<ConfigMap>({
        ...common,
        namespace: options.injectionConfig.namespace,
        fieldSelector: `metadata.name=${options.injectionConfig.name}`,
        resource: CONFIG_MAPS,
        parse: parseConfigMap,
      }),
    }),
  };
}

/**
 * The injection config as the cache holds it now, parsed once per version of the ConfigMap (the
 * informer hands out the same object until it changes).
 */
function injectionReader(
  options: StartControllerOptions,
  configMaps: Informer<ConfigMap> | undefined,
): (() => InjectionConfig) | undefined {
  if (options.injectionConfig === undefined || configMaps === undefined) return undefined;
  const { namespace, name } = options.injectionConfig;
  const source = `${namespace}/${name}`;
  let seen: ConfigMap | undefined;
  let parsed = injectionConfig(source, undefined);
  return () => {
    const configMap = configMaps.get(source);
    if (configMap !== seen) [seen, parsed] = [configMap, injectionConfig(source, configMap)];
    return parsed;
  };
}

function controllers(
  options: StartControllerOptions,
  { sets, sandboxes, pods, configMaps }: Caches,
  clock: Clock,
  logger: Logger,
): Controller[] {
  const { kube } = options;
  const workers = options.workers ?? 4;
  const expectations = new Expectations({ clock, timeoutMs: options.expectationsTimeoutMs });
  const setQueue = new WorkQueue({ clock });
  const sandboxQueue = new WorkQueue({ clock });
  watchSandboxSets({ sets, sandboxes }, {
    queue: setQueue,
    expectations,
    refillDelayMs: options.refillDelayMs,
  });
  watchSandboxes({ sandboxes, pods }, sandboxQueue);
  const injection = injectionReader(options, configMaps);
  if (configMaps !== undefined && options.injectionConfig !== undefined) {
    const { namespace, name } = options.injectionConfig;
    watchInjectionConfig({ configMaps, sandboxes }, `${namespace}/${name}`, sandboxQueue);
  }
  const setReconciler = new SandboxSetReconciler({
    kube,
    sets,
    sandboxes,
    expectations,
    clock,
    logger,
  });
  const sandboxReconciler = new SandboxReconciler({
    kube,
    sandboxes,
    pods,
    clock,
    logger,
    tokenKey: options.tokenKey,
    injection,
  });
  const may = options.mayReconcile ?? (() => true);
  const gated = (reconcile: ReconcileFn): ReconcileFn => (key) =>
    may() ? reconcile(key) : Promise.resolve({ requeueAfter: 1000 });
  return [
    new Controller({
      name: "sandboxset",
      queue: setQueue,
      reconcile: gated((key) => setReconciler.reconcile(key)),
      workers,
      logger,
    }),
    new Controller({
      name: "sandbox",
      queue: sandboxQueue,
      reconcile: gated((key) => sandboxReconciler.reconcile(key)),
      workers,
      logger,
    }),
  ];
}

/**
 * Creates the informers and both controllers and starts them: the informers at once, the
 * workers once every informer holds its first list ({@linkcode ControllerHandle.started}).
 * A program serves its readiness from {@linkcode RunningController.health} meanwhile.
 */
export function launchController(options: StartControllerOptions): ControllerHandle {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const cache = caches(options, clock, logger);
  const workers = controllers(options, cache, clock, logger);
  const informers: Pick<Informer<Pod>, "start" | "stop" | "synced" | "health">[] = [
    cache.sets,
    cache.sandboxes,
    cache.pods,
  ];
  if (cache.configMaps !== undefined) informers.push(cache.configMaps);
  const stopped = new AbortController();
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopped.abort();
    stopping ??= (async () => {
      await Promise.all(workers.map((c) => c.stop()));
      await Promise.all(informers.map((i) => i.stop()));
    })();
    return stopping;
  };
  options.signal?.addEventListener("abort", () => void stop(), { once: true });
  const signal = options.signal === undefined
    ? stopped.signal
    : AbortSignal.any([stopped.signal, options.signal]);
  for (const informer of informers) informer.start(signal);
  const started = (async () => {
    await Promise.race([
      Promise.all(informers.map((i) => i.synced())),
      pause(2 ** 31 - 1, { signal }),
    ]);
    if (signal.aborted) return;
    for (const controller of workers) controller.start();
    logger.info("controller started", {
      workers: options.workers ?? 4,
      namespace: options.namespace ?? "*",
    });
  })();
  return { started, stop, health: () => informers.map((i) => i.health()) };
}

/**
 * Starts the informers, waits until their first lists are cached (a reconcile on an empty cache
 * would re-create every pool member), then starts both controllers.
 */
export async function startController(options: StartControllerOptions): Promise<RunningController> {
  const controller = launchController(options);
  await controller.started;
  return controller;
}

/**
 * Where the leader Lease is, who this replica is, and the Lease's timings: the options of the
 * shared `LeaderElector` that a deployment chooses (the controller passes its own client, clock
 * and logger).
 */
export type LeaderElectionSettings = Pick<
  LeaderElectorOptions,
  | "namespace"
  | "name"
  | "identity"
  | "leaseDurationSeconds"
  | "renewDeadlineSeconds"
  | "retryPeriodSeconds"
>;

/** Options of {@linkcode electController}. */
export interface ElectControllerOptions extends StartControllerOptions {
  /** The Lease the replicas elect their leader on. */
  leaderElection: LeaderElectionSettings;
}

/** A controller that runs only while its replica leads. */
export interface ElectedController {
  /** Whether this replica leads, and so reconciles (for `/metrics`). */
  isLeader(): boolean;
  /** The informers of the running controller while leading; none on a standby. */
  health(): InformerHealth[];
  /**
   * Why this replica is not ready yet, if it is not: a standby is ready (able to take over) once
   * it has read the leader Lease; a leader once its informers are synced (see `health`).
   */
  notReady(): string | undefined;
  /**
   * Resolves when the replica is done: `stopped` (its signal aborted; the Lease released after
   * the reconciles in flight ended), `lost` (the Lease was lost and the controller stopped: exit
   * non-zero so the pod restarts), or `ended`.
   */
  readonly done: Promise<ElectionOutcome>;
}

/**
 * Campaigns for the leader Lease and runs the controller ({@linkcode launchController}) only
 * while this replica holds it. A standby runs no informers and no workers: when it takes over,
 * its caches start from fresh lists, made after it won the Lease, so it cannot act on a view
 * older than the last leader's writes (a warm cache could miss the last Sandboxes the previous
 * leader created and create them again).
 */
export function electController(options: ElectControllerOptions): ElectedController {
  const { leaderElection, ...controllerOptions } = options;
  const elector = new LeaderElector({
    kube: options.kube,
    ...leaderElection,
    clock: options.clock,
    logger: options.logger,
  });
  let running: ControllerHandle | undefined;
  const done = elector.run(async (leading) => {
    running = launchController({
      ...controllerOptions,
      signal: leading,
      mayReconcile: () => elector.isLeader,
    });
    await new Promise<void>((resolve) => {
      if (leading.aborted) resolve();
      else leading.addEventListener("abort", () => resolve(), { once: true });
    });
    await running.stop();
    running = undefined;
  }, { signal: options.signal });
  return {
    done,
    isLeader: () => elector.isLeader,
    health: () => running?.health() ?? [],
    notReady: () =>
      elector.isLeader || elector.hasReadLease
        ? undefined
        : "the leader lease has not been read yet",
  };
}
