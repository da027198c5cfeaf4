/**
 * The local node: the kubelet of single-machine mode. It watches Pods through the client seam
 * (the shared `Informer`), runs each of its pods as an OCI container under runc (see
 * `container/`: user, PID, mount, IPC, UTS, cgroup and network namespaces, an overlay of a locally
 * built image, the pod's limits, CNI networking behind isolation rules), writes pod status
 * (Pending with a reason, Running with the pod IP, Ready once its probes pass, Frozen; Failed when
 * the container dies), freezes and thaws it with the cgroup freezer on the Sandbox controller's
 * annotation, applies the egress annotation as firewall rules, and stops the container when the
 * pod goes. A pod bound to this node that is deleted with a grace period stays Terminating: its
 * container's init gets SIGTERM and that long to exit, then the node deletes the pod with grace 0,
 * as a kubelet does. It works against either backend of the seam.
 *
 * Work per pod is serialised (one reconcile at a time per pod, always reading the newest pod
 * seen) and idempotent, so watch events, the liveness monitor and readiness can all just ask for
 * a reconcile.
 *
 * Restarts: containers run detached and are recorded in the data directory; a new node on the
 * same directory re-adopts those still alive, reports the dead ones Failed (so the controller
 * replaces them), and cleans up after pods deleted while it was down.
 *
 * @module
 */
import { isPodTerminating, parsePod, type Pod, type PodStatus } from "@kruise-agents/shared/api";
import {
  Informer,
  type InformerHealth,
  isConflict,
  isNotFound,
  type KubeClient,
  objectKey,
  PODS,
} from "@kruise-agents/shared/kube";
import {
  consoleLogger,
  errorMessage,
  type Logger,
  pause,
  settleEach,
} from "@kruise-agents/shared/std";
import { LocalNodeError } from "./errors.ts";
import {
  checkTraversable,
  type ContainerNode,
  type ContainerNodeConfig,
  prepareNode,
} from "./container/mod.ts";
import { awaitsStopConfirmation, isOwnPod, terminationGraceMs } from "./pod_spec.ts";
import { podStatusFor, REASON_LOST, sameStatus, type SandboxObservation } from "./pod_status.ts";
import { loadRecords } from "./sandbox_record.ts";
import { type ReadinessCheck, readinessChecks } from "./readiness.ts";
import { PodRunner, type Tracked } from "./pod_runner.ts";

/** How many containers a node tears down at once: enough to stop a full node within seconds. */
const TEARDOWN_CONCURRENCY = 4;

/** Options of {@linkcode startLocalNode}. */
export interface LocalNodeOptions {
  /** The Kubernetes API (embedded store or a real API server). */
  kube: KubeClient;
  /** The node's data directory: one directory per pod under `pods/` (its record, its overlay
   * root, its volumes, the container's log). Keep it across restarts to keep sandboxes. */
  dataDir: string;
  /** The OCI image layout pod images resolve in (`bash hack/images/build.sh path`). */
  imageLayout: string;
  /** The container runner's settings beyond the layout (name prefix, subnet, state dirs, limits).
   * @default {the runner's defaults} */
  containers?: Omit<ContainerNodeConfig, "imageLayout"> | undefined;
  /** The node name pods are bound to. @default {"local"} */
  nodeName?: string | undefined;
  /** The node's address, reported as `hostIP`. @default {"127.0.0.1"} */
  hostIP?: string | undefined;
  /** Interval of the liveness check of every sandbox, in ms. @default {1000} */
  monitorIntervalMs?: number | undefined;
  /** Stops the node as {@linkcode LocalNode.stop} without options does. */
  signal?: AbortSignal | undefined;
  /** Where the node logs errors it survives and its pod watch's restarts. @default {consoleLogger} */
  logger?: Logger | undefined;
  /** Server-side timeout of each pod watch, in seconds (see the shared `Informer`). @default {300} */
  watchTimeoutSeconds?: number | undefined;
}

/** Options of {@linkcode LocalNode.stop}. */
export interface StopOptions {
  /** Also stop every sandbox and remove its directory. Off by default: a stopped node leaves its
   * sandboxes running, for the next node on the same data directory to re-adopt. */
  killSandboxes?: boolean | undefined;
  /** With `killSandboxes`, also remove the node-wide network set-up (bridge, firewall chains). */
  teardown?: boolean | undefined;
}

/** A running local node. */
export interface LocalNode {
  /** The node name. */
  readonly nodeName: string;
  /** The container runner (for tests and benchmarks: memory, leftovers). */
  readonly containers: ContainerNode;
  /** Resolves once the node has listed pods, adopted or reported its recorded sandboxes, and
   * is watching. */
  readonly ready: Promise<void>;
  /** How its pod informer is doing (for `/metrics` and readiness). */
  health(): InformerHealth[];
  /** Stops watching and monitoring; with `killSandboxes`, also stops every sandbox. */
  stop(options?: StopOptions): Promise<void>;
}

/**
 * Starts the local node: checks the host and sets up the pod network, lists pods, re-adopts or
 * reports the sandboxes recorded in `dataDir`, then follows the pod watch until stopped.
 *
 * @throws {ContainerError} when the host cannot run containers (cgroups, tools, firewall).
 */
export async function startLocalNode(options: LocalNodeOptions): Promise<LocalNode> {
  const containers = await prepareNode({ ...options.containers, imageLayout: options.imageLayout });
  await Deno.mkdir(`${options.dataDir}/pods`, { recursive: true });
  // The containers' root is an unprivileged host uid that must traverse to its pod directory:
  // say so at start, not at each pod's start.
  for (const dir of [options.dataDir, `${options.dataDir}/pods`]) await Deno.chmod(dir, 0o711);
  await checkTraversable(`${options.dataDir}/pods`);
  const node = new Node(options, containers);
  node.run();
  await node.ready;
  return node;
}

class Node implements LocalNode {
  readonly nodeName: string;
  readonly containers: ContainerNode;
  readonly ready: Promise<void>;
  #resolveReady!: () => void;
  #kube: KubeClient;
  #podsDir: string;
  #hostIP: string;
  #monitorMs: number;
  #logger: Logger;
  #runner: PodRunner;
  #abort = new AbortController();
  #pods: Informer<Pod>;
  #tracked = new Map<string, Tracked>();
  #queues = new Map<string, Promise<void>>();
  #loops: Promise<void>[] = [];
  #stopped = false;

  constructor(options: LocalNodeOptions, containers: ContainerNode) {
    this.nodeName = options.nodeName ?? "local";
    this.containers = containers;
    this.#kube = options.kube;
    this.#podsDir = `${options.dataDir}/pods`;
    this.#logger = options.logger ?? consoleLogger;
    this.#pods = new Informer<Pod>({
      kube: options.kube,
      resource: PODS,
      parse: parsePod,
      logger: this.#logger,
      watchTimeoutSeconds: options.watchTimeoutSeconds,
    });
    this.#hostIP = options.hostIP ?? "127.0.0.1";
    this.#monitorMs = options.monitorIntervalMs ?? 1000;
    this.#runner = new PodRunner(containers, options.kube, this.#logger);
    this.ready = new Promise((resolve) => this.#resolveReady = resolve);
    options.signal?.addEventListener("abort", () => void this.stop(), { once: true });
  }

  health(): InformerHealth[] {
    return [this.#pods.health()];
  }

  run(): void {
    this.#loops.push(this.#watchLoop(), this.#monitorLoop(), this.#collectImages());
  }

  /**
   * Image garbage collection, as the kubelet's: each rebuilt image is a new digest, and nothing
   * else removes the old unpacked copy (about 1.4 GB, some seconds to delete): in the background.
   */
  async #collectImages(): Promise<void> {
    try {
      const removed = await this.containers.images.prune();
      if (removed.length > 0) {
        this.#logger.info("removed unpacked images the layout no longer has", { removed });
      }
    } catch (error) {
      this.#logger.warn("cannot collect unpacked images", { error: String(error) });
    }
  }

  async stop(options: StopOptions = {}): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#abort.abort();
      this.#resolveReady();
      await Promise.allSettled(this.#loops);
      await this.#pods.stop();
    }
    await Promise.allSettled([...this.#queues.values()]);
    if (options.killSandboxes) {
      // A few at a time: dev's exit (and its harness's deadline) must cover a full node.
      const records = [...this.#tracked.values()].map((t) => t.record);
      this.#tracked.clear();
      const results = await settleEach(
        records,
        TEARDOWN_CONCURRENCY,
        (r) => this.#runner.destroy(r),
      );
      this.#logFailures("cannot stop a sandbox's container", results);
      if (options.teardown) await this.containers.teardown();
    }
  }

  /** Fills the pod cache, re-adopts the records, then reconciles every pod on each change. */
  async #watchLoop(): Promise<void> {
    const signal = this.#abort.signal;
    this.#pods.start(signal);
    await Promise.race([this.#pods.synced(), pause(2 ** 31 - 1, { signal })]);
    if (signal.aborted) return;
    // Records first: a reconcile before adoption would start a second container for a pod whose
    // first one is still running. Changes that arrive meanwhile are in the cache, and every key
    // is reconciled once the handler is in place.
    await this.#adoptRecords();
    const enqueue = (pod: Pod) => void this.#enqueue(objectKey(pod.metadata));
    this.#pods.addEventHandler({
      onAdd: enqueue,
      onUpdate: (_, pod) => enqueue(pod),
      onDelete: enqueue,
    });
    const keys = new Set([
      ...this.#pods.list().map((p) => objectKey(p.metadata)),
      ...this.#tracked.keys(),
    ]);
    await Promise.all([...keys].map((k) => this.#enqueue(k)));
    this.#resolveReady();
  }

  /** Logs each rejected tear-down, so that one stuck container does not hide the others. */
  #logFailures(message: string, results: PromiseSettledResult<unknown>[]): void {
    for (const result of results) {
      if (result.status === "rejected") {
        this.#logger.error(message, { error: errorMessage(result.reason) });
      }
    }
  }

  /** Loads the records on disk: live containers are tracked again, dead ones marked failed. */
  async #adoptRecords(): Promise<void> {
    const { records, orphans, damaged } = await loadRecords(this.#podsDir);
    for (const dir of damaged) {
      this.#logger.error("set aside a damaged sandbox record", { dir });
    }
    const results = await settleEach(
      orphans,
      TEARDOWN_CONCURRENCY,
      (d) => this.#runner.destroyDir(d),
    );
    this.#logFailures("cannot remove an orphaned pod directory", results);
    for (const record of records) {
      const pod = this.#pods.get(`${record.namespace}/${record.name}`);
      const tracked = await this.#runner.adopt(record, pod);
      this.#tracked.set(`${record.namespace}/${record.name}`, tracked);
    }
  }

  /** Runs {@linkcode Node.#reconcile} for `key` after any reconcile of it already queued. */
  #enqueue(key: string): Promise<void> {
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.#reconcile(key)).catch((e) =>
      this.#logger.error("pod reconcile failed", { pod: key, error: errorMessage(e) })
    );
    this.#queues.set(key, next);
    void next.then(() => {
      if (this.#queues.get(key) === next) this.#queues.delete(key);
    });
    return next;
  }

  async #reconcile(key: string): Promise<void> {
    const pod = this.#pods.get(key);
    let tracked = this.#tracked.get(key);
    const wanted = pod !== undefined && !isPodTerminating(pod) && isOwnPod(pod, this.nodeName);
    // Gone, terminating, no longer ours, or replaced by a new pod of the same name. A pod that
    // is Terminating gets its grace period; one the API server removed at once does not.
    if (tracked && (!wanted || pod.metadata.uid !== tracked.record.uid)) {
      this.#tracked.delete(key);
      const same = pod?.metadata.uid === tracked.record.uid;
      await this.#runner.destroy(tracked.record, { graceMs: same ? terminationGraceMs(pod) : 0 });
      tracked = undefined;
    }
    if (awaitsStopConfirmation(pod, this.nodeName) && !this.#stopped) {
      await this.#confirmStopped(pod);
    }
    if (!wanted || this.#stopped) return;
    if (!tracked) {
      const phase = pod.status?.phase;
      if (phase === "Failed" || phase === "Succeeded") return;
      if (phase === "Running") {
        // Reported running by someone (an earlier node whose data directory is gone), but
        // nothing here runs it: say so rather than start a fresh sandbox under the same pod.
        await this.#writeStatus(pod, {
          phase: "Failed",
          hostIP: this.#hostIP,
          ready: false,
          frozen: false,
          reason: REASON_LOST,
          message: "The local node has no record of this sandbox",
        });
        return;
      }
      tracked = this.#runner.track(pod, `${this.#podsDir}/${pod.metadata.uid}`);
      this.#tracked.set(key, tracked);
    }
    await this.#runner.sync(pod, tracked);
    if (tracked.record.container && !tracked.ready && !tracked.record.frozen) {
      this.#waitReady(key, tracked, readinessChecks(pod));
    }
    await this.#writeStatus(pod, this.#observe(tracked, pod));
  }

  #observe(tracked: Tracked, pod?: Pod): SandboxObservation {
    const { record } = tracked;
    const running = record.container !== undefined && !record.failure;
    const why = record.failure ?? record.waiting;
    // A pod restarted in place stays Running while its new container waits, as on a kubelet.
    const restarted = (record.restarts ?? 0) > 0;
    const observation: SandboxObservation = {
      phase: record.failure ? "Failed" : running || restarted ? "Running" : "Pending",
      hostIP: this.#hostIP,
      startTime: record.startTime,
      ready: running && tracked.ready,
      frozen: running && record.frozen,
    };
    if (record.container) {
      observation.podIP = record.container.ip;
      observation.egress = record.egress ?? "";
    }
    if (why && !(restarted && !record.failure)) {
      Object.assign(observation, { reason: why.reason, message: why.message });
    }
    const main = pod?.spec?.containers?.[0];
    if (main?.name) {
      observation.container = {
        name: main.name,
        image: record.container?.image.name ?? String(main.image ?? ""),
        ready: running && tracked.ready,
        restartCount: record.restarts ?? 0,
        containerID: record.container ? `runc://${record.container.containerId}` : undefined,
        waiting: record.waiting && !running ? { ...record.waiting } : undefined,
        cpu: running ? record.cpu : undefined,
      };
    }
    return observation;
  }

  /** Probes the pod until it is Ready (then reconciles to write it) or its container dies. */
  #waitReady(key: string, tracked: Tracked, checks: ReadinessCheck[]): void {
    if (tracked.probing) return;
    tracked.probing = true;
    void (async () => {
      const signal = this.#abort.signal;
      await this.#runner.waitReady(
        tracked,
        checks,
        () => this.#tracked.get(key) === tracked,
        signal,
      );
      tracked.probing = false;
      if (!signal.aborted) await this.#enqueue(key);
    })();
  }

  /** Every interval: reconciles sandboxes whose container died, and retries waiting ones. */
  async #monitorLoop(): Promise<void> {
    const signal = this.#abort.signal;
    for (let round = 0; !signal.aborted; round++) {
      await pause(this.#monitorMs, { signal });
      for (const [key, t] of this.#tracked) {
        if (signal.aborted) return;
        const { container, failure, waiting } = t.record;
        if (waiting && round % 5 === 0) void this.#enqueue(key);
        if (failure || !container) continue;
        if (!(await this.containers.alive(container))) void this.#enqueue(key);
      }
    }
  }

  /** Writes the status for `observation` unless the pod already has it; retries conflicts. */
  async #writeStatus(pod: Pod, observation: SandboxObservation): Promise<void> {
    let current = pod;
    for (let attempt = 0; attempt < 5; attempt++) {
      const status: PodStatus = podStatusFor(observation, current.status, Date.now());
      if (sameStatus(status, current.status)) return;
      try {
        this.#remember(await this.#kube.updateStatus<Pod>(PODS, { ...current, status }));
        return;
      } catch (error) {
        if (isNotFound(error)) return;
        if (!isConflict(error)) throw error;
        const fresh = await this.#kube.get<Pod>(
          PODS,
          current.metadata.namespace ?? "default",
          current.metadata.name ?? "",
        ).catch((e) => isNotFound(e) ? undefined : Promise.reject(e));
        if (fresh === undefined || fresh.metadata.uid !== pod.metadata.uid) return;
        current = parsePod(fresh);
        this.#remember(current);
      }
    }
    throw new LocalNodeError(
      "StatusConflict",
      `Cannot write the status of pod ${objectKey(pod.metadata)}: conflicts persist`,
    );
  }

  /**
   * Tells the API server that a Terminating pod of this node has stopped, as a kubelet does: a
   * delete with grace 0 of this very pod (uid precondition), which removes it.
   */
  async #confirmStopped(pod: Pod): Promise<void> {
    const { namespace = "default", name = "", uid } = pod.metadata;
    try {
      await this.#kube.delete(PODS, namespace, name, {
        gracePeriodSeconds: 0,
        preconditions: { uid },
      });
    } catch (error) {
      // Gone already, or a new pod of the same name: nothing of ours to confirm.
      if (!isNotFound(error) && !isConflict(error)) throw error;
    }
  }

  /** Keeps the newest copy of a pod, so the next reconcile does not write from a stale one. */
  #remember(pod: Pod): void {
    const known = this.#pods.get(objectKey(pod.metadata));
    if (known?.metadata.uid === pod.metadata.uid) this.#pods.observe(pod);
  }
}
