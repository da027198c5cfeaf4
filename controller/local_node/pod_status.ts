/**
 * The pod status the local node reports, computed from what it observed of the sandbox. A pure
 * function of the observation and the previous status, so a condition's `lastTransitionTime`
 * moves only when its value changes, and an unchanged status is recognised and not written
 * again (a status write wakes every watcher of the pod).
 *
 * @module
 */
import type { PodCondition, PodStatus } from "@kruise-agents/shared/api";
import {
  CONDITION_EGRESS_APPLIED,
  CONDITION_POD_FROZEN,
  setCondition,
} from "@kruise-agents/shared/api";
import { deepEqual } from "@kruise-agents/shared/std";

/** What the node knows of one sandbox. */
export interface SandboxObservation {
  /** `Running` once the processes exist; `Failed` when they died or could not start. */
  phase: "Pending" | "Running" | "Failed";
  /** The pod IP, once the container has one. */
  podIP?: string;
  /** The node's address. */
  hostIP: string;
  /** RFC 3339 time the sandbox was started. */
  startTime?: string;
  /** Whether `/health` answered 204 on every listener the sandbox has. */
  ready: boolean;
  /** Whether every process of the sandbox is stopped. */
  frozen: boolean;
  /** The egress annotation value in force (`""`: none); absent until the container runs. */
  egress?: string | undefined;
  /** The main container, as a kubelet's `containerStatuses` entry reports it. */
  container?: ObservedContainer | undefined;
  /** Machine-readable reason of a failure. */
  reason?: string | undefined;
  /** Human-readable message of a failure. */
  message?: string | undefined;
}

/** The main container of a pod, observed. */
export interface ObservedContainer {
  /** The container's name in the pod spec. */
  name: string;
  /** The image it runs, or (waiting) the one it should. */
  image: string;
  /** Ready, as the pod. */
  ready: boolean;
  /** In-place restarts (image changes). */
  restartCount: number;
  /** `runc://ID` of the running container. */
  containerID?: string | undefined;
  /** Why it does not run (an image not built here). */
  waiting?: { reason: string; message: string } | undefined;
  /** The CPU resources in force, which an in-place resize changes (the kubelet reports them). */
  cpu?: { requests?: string | undefined; limits?: string | undefined } | undefined;
}

/** `{requests: {cpu}, limits: {cpu}}` with only the quantities given. */
function cpuResourcesField(
  cpu: { requests?: string | undefined; limits?: string | undefined },
): Record<string, unknown> {
  return {
    ...(cpu.requests ? { requests: { cpu: cpu.requests } } : {}),
    ...(cpu.limits ? { limits: { cpu: cpu.limits } } : {}),
  };
}

/** A kubelet's `containerStatuses` entry for `c`. */
function containerStatus(c: ObservedContainer): Record<string, unknown> {
  return {
    name: c.name,
    image: c.image,
    imageID: "",
    ready: c.ready,
    started: c.waiting === undefined,
    restartCount: c.restartCount,
    ...(c.containerID ? { containerID: c.containerID } : {}),
    ...(c.cpu ? { resources: cpuResourcesField(c.cpu) } : {}),
    state: c.waiting ? { waiting: c.waiting } : { running: {} },
  };
}

/** Reason of the Failed phase when the runtime died while the node watched it. */
export const REASON_RUNTIME_EXITED = "SandboxRuntimeExited";
/** Reason of the Failed phase when the processes did not survive a restart of the node. */
export const REASON_LOST = "SandboxLost";
/** Reason of the Failed phase when the sandbox could not be started. */
export const REASON_START_FAILED = "SandboxStartFailed";

/** The status to write for `observation`, keeping transition times from `previous`. */
export function podStatusFor(
  observation: SandboxObservation,
  previous: PodStatus | undefined,
  nowMs: number,
): PodStatus {
  const ready = observation.phase === "Running" && observation.ready;
  const failed = observation.phase === "Failed" ? observation.reason : undefined;
  const readiness = ready ? "SandboxReady" : failed ?? "SandboxNotReady";
  let conditions: PodCondition[] = previous?.conditions ?? [];
  const set = (type: string, value: boolean, reason: string) => {
    const status = value ? "True" : "False";
    conditions = setCondition(conditions, { type, status, reason }, nowMs);
  };
  set("PodScheduled", true, "Scheduled");
  set("Initialized", true, "Initialized");
  set("ContainersReady", ready, readiness);
  set("Ready", ready, readiness);
  set(CONDITION_POD_FROZEN, observation.frozen, observation.frozen ? "Frozen" : "Running");
  if (observation.egress !== undefined) {
    conditions = setCondition(conditions, {
      type: CONDITION_EGRESS_APPLIED,
      status: "True",
      reason: "Applied",
      message: observation.egress,
    }, nowMs);
  }
  const status: PodStatus = {
    phase: observation.phase,
    hostIP: observation.hostIP,
    hostIPs: [{ ip: observation.hostIP }],
    conditions,
  };
  if (observation.podIP) {
    status.podIP = observation.podIP;
    status.podIPs = [{ ip: observation.podIP }];
  }
  if (observation.startTime) status.startTime = observation.startTime;
  if (observation.container) status.containerStatuses = [containerStatus(observation.container)];
  if (observation.reason) status.reason = observation.reason;
  if (observation.message) status.message = observation.message;
  return status;
}

/** Whether two statuses are the same, whatever the key order. */
export function sameStatus(a: PodStatus | undefined, b: PodStatus | undefined): boolean {
  return deepEqual(a ?? {}, b ?? {});
}
