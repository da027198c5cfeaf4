/**
 * The local node: the kubelet stand-in of single-machine mode. It watches Pods through the
 * client seam, runs each of its pods as a sandbox ({@linkcode launchSandbox}), writes pod status
 * (Running, podIP, Ready, Frozen; Failed when the sandbox dies), freezes and thaws on the
 * Sandbox controller's annotation, and kills the sandbox when the pod goes. It works against
 * either backend of the seam.
 *
 * Work per pod is serialised (one reconcile at a time per pod, always reading the newest pod
 * seen) and idempotent, so watch events, the liveness monitor and readiness can all just ask for
 * a reconcile.
 *
 * Restarts: sandboxes run detached and are recorded in the data directory; a new node on the
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
  rfc3339Seconds,
} from "@kruise-agents/shared/std";
import { type Account, sandboxAccount } from "./accounts.ts";
import { LocalNodeError } from "./errors.ts";
import { freezeNamespace, thawNamespace } from "./freeze.ts";
import { addressFree, allocateLoopback } from "./loopback.ts";
import { ENVD_PORT } from "@kruise-agents/shared/envd/http";
import { freezeRequested, isOwnPod, wantsInterpreter } from "./pod_spec.ts";
import {
  podStatusFor,
  REASON_LOST,
  REASON_RUNTIME_EXITED,
  REASON_START_FAILED,
  sameStatus,
} from "./pod_status.ts";
import {
  DEFAULT_RUNTIME_MAIN,
  killSandbox,
  launchSandbox,
  removeSandboxDir,
  sandboxAlive,
  sandboxHealthy,
} from "./sandbox_process.ts";
import { loadRecords, type SandboxRecord, saveRecord } from "./sandbox_record.ts";

/** Options of {@linkcode startLocalNode}. */
export interface LocalNodeOptions {
  /** The Kubernetes API (embedded store or a real API server). */
  kube: KubeClient;
  /** The node's data directory: one directory per sandbox under `pods/` (its record, its
   * `/home/user` and `/tmp`, the runtime's log). Keep it across restarts to keep sandboxes. */
  dataDir: string;
  /** The node name pods are bound to. @default {"local"} */
  nodeName?: string | undefined;
  /** The runtime's `main.ts`; not under `/tmp`, which each sandbox replaces with its own.
   * @default {the repository's runtime/main.ts} */
  runtimeMain?: string;
  /** The node's address, reported as `hostIP`. @default {"127.0.0.1"} */
  hostIP?: string;
  /** Interval of the liveness check of every sandbox, in ms. @default {1000} */
  monitorIntervalMs?: number;
  /** Stops the node as {@linkcode LocalNode.stop} without options does. */
  signal?: AbortSignal;
  /** Where the node logs errors it survives (a failed status write, a failed start) and its pod
   * watch's restarts. @default {consoleLogger} */
  logger?: Logger | undefined;
  /** Server-side timeout of each pod watch, in seconds (see the shared `Informer`). @default {300} */
  watchTimeoutSeconds?: number | undefined;
}

/** Options of {@linkcode LocalNode.stop}. */
export interface StopOptions {
  /** Also kill every sandbox and remove its directory. Off by default: a stopped node leaves its
   * sandboxes running, for the next node on the same data directory to re-adopt. */
  killSandboxes?: boolean;
}

/** A running local node. */
export interface LocalNode {
  /** The node name. */
  readonly nodeName: string;
  /** Resolves once the node has listed pods, adopted or reported its recorded sandboxes, and
   * is watching. */
  readonly ready: Promise<void>;
  /** How its pod informer is doing (for `/metrics` and readiness). */
  health(): InformerHealth[];
  /** Stops watching and monitoring; with `killSandboxes`, also kills every sandbox. */
  stop(options?: StopOptions): Promise<void>;
}

interface Tracked {
  record: SandboxRecord;
  /** `/health` answered on every listener since the (re)start or adoption. */
  ready: boolean;
  /** A readiness wait is running. */
  probing: boolean;
}

/**
 * Starts the local node. It lists pods, re-adopts or reports the sandboxes recorded in
 * `dataDir`, then follows the pod watch until stopped.
 *
 * @throws {LocalNodeError} `IsolationUnavailable` when there is no `user` account.
 */
export async function startLocalNode(options: LocalNodeOptions): Promise<LocalNode> {
  const node = new Node(options, await sandboxAccount());
  node.run();
  await node.ready;
  return node;
}

class Node implements LocalNode {
  readonly nodeName: string;
  readonly ready: Promise<void>;
  #resolveReady!: () => void;
  #kube: KubeClient;
  #podsDir: string;
  #runtimeMain: string;
  #hostIP: string;
  #account: Account;
  #monitorMs: number;
  #logger: Logger;
  #abort = new AbortController();
  #pods: Informer<Pod>;
  #tracked = new Map<string, Tracked>();
  #queues = new Map<string, Promise<void>>();
  /** Loopback addresses of every recorded sandbox; reserved synchronously so that concurrent
   * starts never pick the same one. */
  #ips = new Set<string>();
  #loops: Promise<void>[] = [];
  #stopped = false;

  constructor(options: LocalNodeOptions, account: Account) {
    this.nodeName = options.nodeName ?? "local";
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
    this.#runtimeMain = options.runtimeMain ?? DEFAULT_RUNTIME_MAIN;
    this.#hostIP = options.hostIP ?? "127.0.0.1";
    this.#account = account;
    this.#monitorMs = options.monitorIntervalMs ?? 1000;
    this.ready = new Promise((resolve) => this.#resolveReady = resolve);
    options.signal?.addEventListener("abort", () => void this.stop(), { once: true });
  }

  health(): InformerHealth[] {
    return [this.#pods.health()];
  }

  run(): void {
    this.#loops.push(this.#watchLoop(), this.#monitorLoop());
  }

  async stop(options: StopOptions = {}): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#abort.abort();
      this.#resolveReady();
      await Promise.allSettled(this.#loops);
    }
    await Promise.allSettled([...this.#queues.values()]);
    if (options.killSandboxes) {
      for (const t of [...this.#tracked.values()]) await this.#destroy(t.record);
      this.#tracked.clear();
    }
  }

  /** Fills the pod cache, re-adopts the records, then reconciles every pod on each change. */
  async #watchLoop(): Promise<void> {
    const signal = this.#abort.signal;
    this.#pods.start(signal);
    await Promise.race([this.#pods.synced(), pause(2 ** 31 - 1, { signal })]);
    if (signal.aborted) return;
    // Records first: a reconcile before adoption would start a second sandbox for a pod whose
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

  /** Loads the records on disk: live sandboxes are tracked again, dead ones marked failed. */
  async #adoptRecords(): Promise<void> {
    const { records, orphans } = await loadRecords(this.#podsDir);
    for (const dir of orphans) await removeSandboxDir(dir);
    for (const record of records) {
      const key = `${record.namespace}/${record.name}`;
      if (!record.failure) {
        const alive = record.processes !== undefined && await sandboxAlive(record.processes);
        if (!alive) {
          record.failure = {
            reason: REASON_LOST,
            message: "The sandbox's processes did not survive a restart of the local node",
          };
          await saveRecord(record);
        }
      }
      // Ready as it is now: an adopted sandbox that still answers does not flap to not-ready;
      // a frozen one cannot answer and keeps the readiness it had.
      const pod = this.#pods.get(key);
      const wasReady = pod?.status?.conditions?.some((c) =>
        c.type === "Ready" && c.status === "True"
      ) ??
        false;
      const ready = record.failure
        ? false
        : record.frozen
        ? wasReady
        : await sandboxHealthy(record);
      this.#ips.add(record.ip);
      this.#tracked.set(key, { record, ready, probing: false });
    }
  }

  /** Runs {@linkcode Node.#reconcile} for `key` after any reconcile of it already queued. */
  #enqueue(key: string): Promise<void> {
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.#reconcile(key)).catch((e) =>
      this.#logError("reconcile failed", key, e)
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
    // Gone, terminating, no longer ours, or replaced by a new pod of the same name.
    if (tracked && (!wanted || pod.metadata.uid !== tracked.record.uid)) {
      this.#tracked.delete(key);
      await this.#destroy(tracked.record);
      tracked = undefined;
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
      tracked = await this.#start(pod);
      this.#tracked.set(key, tracked);
    }
    const record = tracked.record;
    if (!record.failure && record.processes && !(await sandboxAlive(record.processes))) {
      record.failure = {
        reason: REASON_RUNTIME_EXITED,
        message: `The sandbox runtime exited unexpectedly (log: ${record.dir}/runtime.log)`,
      };
      await saveRecord(record);
    }
    if (!record.failure && record.processes) {
      const freeze = freezeRequested(pod);
      if (freeze !== record.frozen) {
        if (freeze) await freezeNamespace(record.processes.pidNamespace);
        else await thawNamespace(record.processes.pidNamespace);
        record.frozen = freeze;
        await saveRecord(record);
      }
      if (!tracked.ready && !record.frozen) this.#waitReady(key, tracked);
    }
    await this.#writeStatus(pod, {
      phase: record.failure ? "Failed" : "Running",
      podIP: record.ip,
      hostIP: this.#hostIP,
      startTime: record.startTime,
      ready: tracked.ready && !record.failure,
      frozen: record.frozen && !record.failure,
      reason: record.failure?.reason,
      message: record.failure?.message,
    });
  }

  async #start(pod: Pod): Promise<Tracked> {
    const ip = allocateLoopback(this.#ips, (candidate) => addressFree(candidate, ENVD_PORT));
    this.#ips.add(ip);
    const uid = pod.metadata.uid ?? crypto.randomUUID();
    const record: SandboxRecord = {
      namespace: pod.metadata.namespace ?? "default",
      name: pod.metadata.name ?? "",
      uid,
      dir: `${this.#podsDir}/${uid}`,
      ip,
      interpreter: wantsInterpreter(pod),
      startTime: rfc3339Seconds(Date.now()),
      frozen: false,
    };
    await saveRecord(record);
    try {
      record.processes = await launchSandbox({
        dir: record.dir,
        ip: record.ip,
        interpreter: record.interpreter,
        account: this.#account,
        runtimeMain: this.#runtimeMain,
      });
    } catch (error) {
      this.#logError("sandbox start failed", objectKey(pod.metadata), error);
      record.failure = {
        reason: REASON_START_FAILED,
        message: error instanceof Error ? error.message : String(error),
      };
    }
    await saveRecord(record);
    return { record, ready: false, probing: false };
  }

  /** Polls `/health` until it answers (then reconciles to write Ready) or the sandbox dies. */
  #waitReady(key: string, tracked: Tracked): void {
    if (tracked.probing) return;
    tracked.probing = true;
    void (async () => {
      let delay = 10;
      const signal = this.#abort.signal;
      while (!signal.aborted && this.#tracked.get(key) === tracked && !tracked.record.frozen) {
        const processes = tracked.record.processes;
        if (!processes || !(await sandboxAlive(processes))) break;
        if (await sandboxHealthy(tracked.record)) {
          tracked.ready = true;
          break;
        }
        await pause(delay, { signal });
        delay = Math.min(delay * 2, 100);
      }
      tracked.probing = false;
      if (!signal.aborted) await this.#enqueue(key);
    })();
  }

  /** Every interval, reconciles sandboxes whose processes died. */
  async #monitorLoop(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      await pause(this.#monitorMs, { signal });
      for (const [key, t] of this.#tracked) {
        if (signal.aborted) return;
        const p = t.record.processes;
        if (t.record.failure || !p) continue;
        if (!(await sandboxAlive(p))) void this.#enqueue(key);
      }
    }
  }

  async #destroy(record: SandboxRecord): Promise<void> {
    if (record.processes) await killSandbox(record.processes);
    await removeSandboxDir(record.dir);
    this.#ips.delete(record.ip);
  }

  /** Writes the status for `observation` unless the pod already has it; retries conflicts. */
  async #writeStatus(
    pod: Pod,
    observation: Parameters<typeof podStatusFor>[0],
  ): Promise<void> {
    let current = pod;
    for (let attempt = 0; attempt < 5; attempt++) {
      const status: PodStatus = podStatusFor(observation, current.status, Date.now());
      if (sameStatus(status, current.status)) return;
      try {
        const written = await this.#kube.updateStatus<Pod>(PODS, { ...current, status });
        this.#remember(written);
        return;
      } catch (error) {
        if (isNotFound(error)) return;
        if (!isConflict(error)) throw error;
        try {
          current = await this.#kube.get<Pod>(
            PODS,
            current.metadata.namespace ?? "default",
            current.metadata.name ?? "",
          );
        } catch (e) {
          if (isNotFound(e)) return;
          throw e;
        }
        if (current.metadata.uid !== pod.metadata.uid) return;
        this.#remember(current);
      }
    }
    throw new LocalNodeError(
      "StatusConflict",
      `Cannot write the status of pod ${objectKey(pod.metadata)}: conflicts persist`,
    );
  }

  #logError(message: string, pod: string, error: unknown): void {
    this.#logger.error(message, { pod, error: errorMessage(error) });
  }

  /** Keeps the newest copy of a pod, so the next reconcile does not write from a stale one. */
  #remember(pod: Pod): void {
    const known = this.#pods.get(objectKey(pod.metadata));
    if (known?.metadata.uid === pod.metadata.uid) this.#pods.observe(pod);
  }
}
