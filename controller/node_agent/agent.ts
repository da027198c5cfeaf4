/**
 * The node agent: the Freeze pause on a cluster node, where the kubelet runs the pods. One runs
 * on every node (the chart's DaemonSet); it watches its own node's sandbox pods
 * (`spec.nodeName=NODE`) and the Sandboxes, and, level-triggered over a key-deduplicating queue,
 * keeps each pod's cgroup freezer equal to the Sandbox controller's wish. That wish is the pod's
 * `agents.kruise.io/freeze` annotation, which the controller writes; where the agent has the
 * pod's Sandbox, it applies the controller's own rule to it (`controlledPodAnnotations`), which
 * says the same one write and one watch sooner. That link was a fifth of a Freeze pause on the
 * real node (about 10 of 51 ms). The annotation stays the record, and the rule when the Sandbox
 * is not (yet) in the agent's cache.
 *
 * - wanted frozen and not frozen: freeze the pod's cgroup (every container, every process);
 * - not wanted frozen and frozen: thaw it;
 * - then report what is, in the pod condition `agents.kruise.io/Frozen` (True `Frozen`, or False
 *   `Running` from the start and `Thawed` after a thaw), written through the status subresource
 *   with the pod's resourceVersion, only when it changes. The controller reads that condition to
 *   move the Sandbox to Paused and back, as it does with the local node's; a pod without it has
 *   no freezer on its node, and its pause is refused at once.
 *
 * A pod with no cgroup yet (not started) waits for its next event; a failed freeze is retried
 * with backoff and leaves the pod thawed, so a sandbox is never half paused.
 *
 * @module
 */
import {
  ANNOTATION_POD_FREEZE,
  CONDITION_POD_FROZEN,
  CREATED_BY_SANDBOX,
  LABEL_CREATED_BY,
  parsePod,
  parseSandbox,
  type Pod,
  type PodCondition,
  type Sandbox,
} from "@kruise-agents/shared/api";
import {
  Informer,
  type InformerHealth,
  isConflict,
  isNotFound,
  type KubeClient,
  PODS,
  SANDBOXES,
} from "@kruise-agents/shared/kube";
import {
  type Clock,
  errorMessage,
  type Logger,
  silentLogger,
  systemClock,
} from "@kruise-agents/shared/std";
import { Controller } from "../machinery/controller.ts";
import { controlledPodAnnotations } from "../sandbox/desired_pod.ts";
import type { ReconcileResult } from "../machinery/result.ts";
import { WorkQueue } from "../machinery/work_queue.ts";
import type { PodFreezer } from "./freezer.ts";

/** Options of {@linkcode startNodeAgent}. */
export interface NodeAgentOptions {
  /** The API server. */
  kube: KubeClient;
  /** This node's name (the pods' `spec.nodeName`). */
  nodeName: string;
  /** The node's freezer ({@linkcode cgroupFreezer} in the program). */
  freezer: PodFreezer;
  /** Time source. @default {systemClock} */
  clock?: Clock | undefined;
  /** Log sink. @default {silentLogger} */
  logger?: Logger | undefined;
  /** Server-side watch timeout, seconds. @default {300} */
  watchTimeoutSeconds?: number | undefined;
}

/** A running agent. */
export interface NodeAgent extends AsyncDisposable {
  /** Resolves once the pod cache holds its first list. */
  synced(): Promise<void>;
  /** The pod informer's health (for `/healthz`, `/readyz` and `/metrics`). */
  health(): InformerHealth[];
  /** Stops the watch and the workers. */
  stop(): Promise<void>;
}

/** The condition the agent reports for `frozen`, keeping the transition time when unchanged. */
export function frozenCondition(
  previous: PodCondition | undefined,
  frozen: boolean,
  now: number,
): PodCondition {
  const status = frozen ? "True" : "False";
  // Not frozen: "Thawed" right after a thaw, else what it was ("Running" from the start).
  const thawedReason = previous?.status === "True" ? "Thawed" : previous?.reason ?? "Running";
  return {
    type: CONDITION_POD_FROZEN,
    status,
    reason: frozen ? "Frozen" : thawedReason,
    message: frozen
      ? "every process of the pod is frozen (cgroup freezer)"
      : "a node agent can freeze this pod",
    lastTransitionTime: previous?.status === status && previous.lastTransitionTime
      ? previous.lastTransitionTime
      : new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
}

/** Whether the Sandbox controller asks for `pod` to be frozen. */
export function freezeWanted(pod: Pod): boolean {
  return pod.metadata.annotations?.[ANNOTATION_POD_FREEZE] === "true";
}

/**
 * Whether `pod` is to be frozen: as the controller's rule says for `sandbox` when that is the
 * pod's owner (the controller writes the same into the annotation a link later), else as the
 * pod's annotation says.
 */
export function freezeDesired(pod: Pod, sandbox: Sandbox | undefined): boolean {
  const owner = pod.metadata.ownerReferences?.find((ref) => ref.controller === true);
  if (sandbox === undefined || owner === undefined || owner.uid !== sandbox.metadata.uid) {
    return freezeWanted(pod);
  }
  return controlledPodAnnotations(sandbox, pod)[ANNOTATION_POD_FREEZE] === "true";
}

/** One pod's reconcile: freeze or thaw as wanted ({@linkcode freezeDesired}), then report it. */
export class NodeAgentReconciler {
  readonly #options: NodeAgentOptions;
  readonly #pods: Informer<Pod>;
  readonly #sandboxes: Informer<Sandbox> | undefined;
  readonly #clock: Clock;

  /** A reconciler over `pods` (the agent's own node's pods) and, if given, their Sandboxes. */
  constructor(options: NodeAgentOptions, pods: Informer<Pod>, sandboxes?: Informer<Sandbox>) {
    this.#options = options;
    this.#pods = pods;
    this.#sandboxes = sandboxes;
    this.#clock = options.clock ?? systemClock;
  }

  /** Reconciles the pod of `key` (`namespace/name`). */
  async reconcile(key: string): Promise<ReconcileResult | void> {
    const pod = this.#pods.get(key);
    if (pod === undefined || pod.status?.phase !== "Running" || !pod.metadata.uid) return;
    const uid = pod.metadata.uid;
    const { freezer } = this.#options;
    const want = freezeDesired(pod, this.#sandboxes?.get(key)) &&
      pod.metadata.deletionTimestamp === undefined;
    const state = await freezer.state(uid);
    if (state === "missing") return;
    if (want && state !== "frozen") await freezer.freeze(uid);
    if (!want && state === "frozen") await freezer.thaw(uid);
    await this.#report(pod, want);
  }

  /** Writes the condition when it differs; a conflict retries (the pod changed meanwhile). */
  async #report(pod: Pod, frozen: boolean): Promise<void> {
    const conditions = pod.status?.conditions ?? [];
    const previous = conditions.find((c) => c.type === CONDITION_POD_FROZEN);
    const next = frozenCondition(previous, frozen, this.#clock.now());
    if (previous?.status === next.status && previous.reason === next.reason) return;
    const others = conditions.filter((c) => c.type !== CONDITION_POD_FROZEN);
    try {
      const written = await this.#options.kube.updateStatus(PODS, {
        ...pod,
        status: { ...pod.status, conditions: [...others, next] },
      });
      this.#pods.observe(parsePod(written));
    } catch (error) {
      if (isNotFound(error)) return;
      if (isConflict(error)) throw new Error(`pod ${pod.metadata.name} changed; retrying`);
      throw error;
    }
  }
}

/** Starts the agent: the node's pod informer, the queue and one worker per two pods' worth. */
export function startNodeAgent(options: NodeAgentOptions): NodeAgent {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const pods = new Informer<Pod>({
    kube: options.kube,
    resource: PODS,
    parse: parsePod,
    labelSelector: `${LABEL_CREATED_BY}=${CREATED_BY_SANDBOX}`,
    fieldSelector: `spec.nodeName=${options.nodeName}`,
    clock,
    logger,
    watchTimeoutSeconds: options.watchTimeoutSeconds,
  });
  // Every namespace's Sandboxes: a node runs the sandboxes of all of them. A pod has its
  // Sandbox's namespace and name.
  const sandboxes = new Informer<Sandbox>({
    kube: options.kube,
    resource: SANDBOXES,
    parse: parseSandbox,
    clock,
    logger,
    watchTimeoutSeconds: options.watchTimeoutSeconds,
  });
  const queue = new WorkQueue({ clock });
  const key = (o: Pod | Sandbox) => `${o.metadata.namespace}/${o.metadata.name}`;
  pods.addEventHandler({
    onAdd: (pod) => queue.add(key(pod)),
    onUpdate: (_, pod) => queue.add(key(pod)),
    onDelete: (pod) => queue.forget(key(pod)),
  });
  const ownPod = (sandbox: Sandbox) => {
    if (pods.get(key(sandbox)) !== undefined) queue.add(key(sandbox));
  };
  sandboxes.addEventHandler({ onAdd: ownPod, onUpdate: (_, sandbox) => ownPod(sandbox) });
  const reconciler = new NodeAgentReconciler({ ...options, clock }, pods, sandboxes);
  const controller = new Controller({
    name: "node-agent",
    queue,
    reconcile: async (k) => {
      try {
        return await reconciler.reconcile(k);
      } catch (error) {
        logger.warn("cannot freeze or thaw the pod; retrying", {
          pod: k,
          error: errorMessage(error),
        });
        throw error;
      }
    },
    workers: 2,
    logger,
  });
  pods.start();
  sandboxes.start();
  const started = Promise.all([pods.synced(), sandboxes.synced()]).then(() => controller.start());
  let stopped: Promise<void> | undefined;
  const stop = () =>
    stopped ??= (async () => {
      await started.catch(() => {});
      await controller.stop();
      await Promise.all([pods.stop(), sandboxes.stop()]);
    })();
  return {
    synced: () => started,
    health: () => [pods.health(), sandboxes.health()],
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
