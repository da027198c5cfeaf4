/**
 * What the local node does to one pod, step by step: take it on (a record before anything
 * starts), start its container (or say why it waits: a missing image or Secret, retried), notice
 * that it died, freeze or thaw it as asked, keep its egress rules equal to its annotation, probe
 * its readiness, re-adopt it after a restart, and stop it leaving nothing behind. The node
 * (`node.ts`) decides when; this decides how, one pod at a time.
 *
 * @module
 */
import { ANNOTATION_POD_EGRESS, isPodReady, type Pod } from "@kruise-agents/shared/api";
import { isNotFound, type KubeClient, SECRETS } from "@kruise-agents/shared/kube";
import {
  errorMessage,
  isRecord,
  type Logger,
  pause,
  rfc3339Seconds,
} from "@kruise-agents/shared/std";
import { ContainerError, type ContainerNode, mountsUnder, resizePodCpu } from "./container/mod.ts";
import {
  containerInputFor,
  cpuMillisOf,
  cpuResources,
  podEgress,
  PodSpecError,
  type SecretLookup,
} from "./pod_container.ts";
import { freezeRequested } from "./pod_spec.ts";
import { REASON_LOST, REASON_RUNTIME_EXITED, REASON_START_FAILED } from "./pod_status.ts";
import { probeReady, type ReadinessCheck, readinessChecks } from "./readiness.ts";

const DEFAULT_CHECKS: ReadinessCheck[] = [{ kind: "http", port: 49983, path: "/health" }];

/** Whether the pod's main container now names another image than the running container's. */
function imageChanged(pod: Pod, record: SandboxRecord): boolean {
  const want = pod.spec?.containers?.[0]?.image;
  return typeof want === "string" && want !== "" && want !== record.container?.image.name;
}
import { type SandboxRecord, saveRecord } from "./sandbox_record.ts";

/** A pod the node runs, and where its readiness stands. */
export interface Tracked {
  /** What the node recorded. */
  record: SandboxRecord;
  /** Every readiness check passed since the (re)start or adoption. */
  ready: boolean;
  /** A readiness wait is running. */
  probing: boolean;
}

/** Reason on the pod status when its image is not built on this node (the kubelet's word). */
export const REASON_IMAGE_NOT_PRESENT = "ErrImageNeverPull";

/** Runs pods as containers on one {@linkcode ContainerNode}. */
export class PodRunner {
  readonly #containers: ContainerNode;
  readonly #secrets: SecretLookup;
  readonly #logger: Logger;
  /** The egress annotation that last failed to apply, per pod uid (so it is logged once). */
  readonly #failedEgress = new Map<string, string | undefined>();

  /** Creates the runner; Secrets referenced by pods are read through `kube`. */
  constructor(containers: ContainerNode, kube: KubeClient, logger: Logger) {
    this.#containers = containers;
    this.#logger = logger;
    this.#secrets = async (namespace, name) => {
      try {
        const secret = await kube.get(SECRETS, namespace, name);
        return isRecord(secret.data) ? secret.data as Record<string, string> : {};
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    };
  }

  /** A new pod taken on: its record, not yet saved or started. */
  track(pod: Pod, dir: string): Tracked {
    const record: SandboxRecord = {
      namespace: pod.metadata.namespace ?? "default",
      name: pod.metadata.name ?? "",
      uid: pod.metadata.uid ?? crypto.randomUUID(),
      dir,
      startTime: rfc3339Seconds(Date.now()),
      frozen: false,
    };
    return { record, ready: false, probing: false };
  }

  /**
   * Brings the pod's container to what the pod asks for: started (or waiting, with a reason),
   * alive or reported dead, frozen or thawed, with the annotation's egress rules.
   */
  async sync(pod: Pod, tracked: Tracked): Promise<void> {
    const { record } = tracked;
    if (record.failure) return;
    if (record.container && !record.frozen && imageChanged(pod, record)) {
      await this.#restartInPlace(pod, tracked);
      return;
    }
    if (!record.container) {
      await this.#start(pod, record);
      return;
    }
    if (!(await this.#containers.alive(record.container))) {
      record.failure = {
        reason: REASON_RUNTIME_EXITED,
        message: `The sandbox's container exited (log: ${record.dir}/container.log)`,
      };
      tracked.ready = false;
      await saveRecord(record);
      return;
    }
    await this.#freeze(pod, record);
    if (!record.frozen) await this.#resize(pod, record);
    await this.#egress(pod, record);
  }

  /**
   * An in-place CPU resize (the kubelet's for a pod whose container resources changed through
   * the `resize` subresource): the running container's weight and quota follow the spec, with no
   * restart; the status then reports the new resources.
   */
  async #resize(pod: Pod, record: SandboxRecord): Promise<void> {
    const want = cpuResources(pod.spec?.containers?.[0]);
    const have = record.cpu ?? {};
    if (want.requests === have.requests && want.limits === have.limits) return;
    try {
      const applied = await resizePodCpu(this.#containers, record.uid, cpuMillisOf(want));
      this.#logger.info("resized the sandbox's CPU in place", {
        pod: `${record.namespace}/${record.name}`,
        cpu: want,
        quotaUs: applied.quotaUs,
      });
      record.cpu = want;
      await saveRecord(record);
    } catch (error) {
      this.#logger.warn("cannot resize the sandbox's CPU", {
        pod: `${record.namespace}/${record.name}`,
        error: errorMessage(error),
      });
    }
  }

  async #start(pod: Pod, record: SandboxRecord): Promise<void> {
    await saveRecord(record);
    try {
      const input = await containerInputFor(
        pod,
        { id: record.uid, podDir: record.dir },
        this.#secrets,
      );
      record.container = await this.#containers.startContainer(input);
      record.cpu = cpuResources(pod.spec?.containers?.[0]);
      record.egress = pod.metadata.annotations?.[ANNOTATION_POD_EGRESS];
      record.waiting = undefined;
      this.#logger.info("sandbox container started", {
        pod: `${record.namespace}/${record.name}`,
        ip: record.container.ip,
        ms: Math.round(record.container.timings.totalMs),
      });
    } catch (error) {
      if (error instanceof PodSpecError) {
        record.waiting = { reason: error.reason, message: error.message };
      } else if (error instanceof ContainerError && error.code === "ImageNotFound") {
        record.waiting = { reason: REASON_IMAGE_NOT_PRESENT, message: error.message };
      } else {
        this.#logger.error("sandbox start failed", {
          pod: `${record.namespace}/${record.name}`,
          error: errorMessage(error),
        });
        record.failure = { reason: REASON_START_FAILED, message: errorMessage(error) };
      }
    }
    await saveRecord(record);
  }

  /**
   * An in-place image change (the kubelet's behaviour for a patched container image): the old
   * container stops and a new one starts on the new image's root filesystem, in the same pod
   * directory and with the same identity, counted in `restarts`. A new image that is not built
   * here leaves the pod waiting with ErrImageNeverPull, which the controller reports.
   */
  async #restartInPlace(pod: Pod, tracked: Tracked): Promise<void> {
    const { record } = tracked;
    this.#logger.info("restarting the sandbox's container on a new image", {
      pod: `${record.namespace}/${record.name}`,
      from: record.container?.image.name,
      to: pod.spec?.containers?.[0]?.image,
    });
    await this.#containers.stopContainer(record.container!);
    record.container = undefined;
    record.egress = undefined;
    record.restarts = (record.restarts ?? 0) + 1;
    tracked.ready = false;
    await this.#start(pod, record);
  }

  async #freeze(pod: Pod, record: SandboxRecord): Promise<void> {
    const freeze = freezeRequested(pod);
    if (freeze === record.frozen) return;
    if (freeze) await this.#containers.pause(record.uid);
    else await this.#containers.resume(record.uid);
    record.frozen = freeze;
    await saveRecord(record);
  }

  async #egress(pod: Pod, record: SandboxRecord): Promise<void> {
    const wanted = pod.metadata.annotations?.[ANNOTATION_POD_EGRESS];
    if (wanted === record.egress || !record.container) return;
    if (this.#failedEgress.get(record.uid) === wanted) return; // reported once already
    try {
      record.container = await this.#containers.setEgress(record.container, podEgress(pod));
      record.egress = wanted;
      this.#failedEgress.delete(record.uid);
      await saveRecord(record);
    } catch (error) {
      // The pod keeps the rules it has, and its status keeps saying which: a create waiting for
      // these rules fails rather than run without them.
      this.#failedEgress.set(record.uid, wanted);
      this.#logger.error("cannot apply the pod's egress rules", {
        pod: `${record.namespace}/${record.name}`,
        error: errorMessage(error),
      });
    }
  }

  /**
   * A recorded pod after a restart of the node: a live container is tracked again (Ready as it
   * was: a frozen one cannot answer probes), a dead one is reported lost.
   */
  async adopt(record: SandboxRecord, pod: Pod | undefined): Promise<Tracked> {
    if (!record.failure && record.container && !(await this.#containers.alive(record.container))) {
      record.failure = {
        reason: REASON_LOST,
        message: "The sandbox's container did not survive a restart of the local node",
      };
      await saveRecord(record);
    }
    // Ready as it is now, so an adopted sandbox that still answers does not flap to not-ready;
    // a frozen one cannot answer and keeps the readiness it had.
    const wasReady = pod !== undefined && isPodReady(pod);
    let ready = false;
    if (!record.failure && record.container) {
      ready = record.frozen
        ? wasReady
        : await probeReady(record.container.ip, pod ? readinessChecks(pod) : DEFAULT_CHECKS);
    }
    return { record, ready, probing: false };
  }

  /** Probes until ready, the container dies, `current()` turns false or `signal` aborts. */
  async waitReady(
    tracked: Tracked,
    checks: readonly ReadinessCheck[],
    current: () => boolean,
    signal: AbortSignal,
  ): Promise<void> {
    let delayMs = 10;
    while (!signal.aborted && current() && !tracked.record.frozen) {
      const container = tracked.record.container;
      if (!container || !(await this.#containers.alive(container))) return;
      if (await probeReady(container.ip, checks)) {
        tracked.ready = true;
        return;
      }
      await pause(delayMs, { signal });
      delayMs = Math.min(delayMs * 2, 100);
    }
  }

  /**
   * Stops the pod's container (its init gets SIGTERM and `graceMs` to exit first, when given)
   * and removes its directory.
   */
  async destroy(record: SandboxRecord, options: { graceMs?: number } = {}): Promise<void> {
    await this.#containers.stopContainer(
      record.container ?? { id: record.uid, podDir: record.dir },
      options,
    );
    await this.#removeDir(record.dir);
  }

  /** Stops whatever runs from a pod directory that has no record (its name is the pod's uid). */
  async destroyDir(dir: string): Promise<void> {
    await this.#containers.stopContainer({ id: dir.slice(dir.lastIndexOf("/") + 1), podDir: dir });
    await this.#removeDir(dir);
  }

  /**
   * Removes a pod directory; never recursively while anything is still mounted under it (a
   * recursive delete would walk into the mounted filesystem).
   */
  async #removeDir(dir: string): Promise<void> {
    if ((await mountsUnder(dir)).length > 0) {
      this.#logger.error("cannot remove a pod directory: something is still mounted", { dir });
      return;
    }
    await Deno.remove(dir, { recursive: true }).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
  }
}
