/**
 * The pod status the local node reports, computed from what it observed of the sandbox. A pure
 * function of the observation and the previous status, so a condition's `lastTransitionTime`
 * moves only when its value changes, and an unchanged status is recognised and not written
 * again (a status write wakes every watcher of the pod).
 *
 * @module
 */
import type { PodCondition, PodStatus } from "kubernetes-types/core/v1.d.ts";
import { CONDITION_POD_FROZEN } from "@kruise-agents/shared/api";

/** What the node knows of one sandbox. */
export interface SandboxObservation {
  /** `Running` once the processes exist; `Failed` when they died or could not start. */
  phase: "Pending" | "Running" | "Failed";
  /** The sandbox's loopback address, once allocated. */
  podIP?: string;
  /** The node's address. */
  hostIP: string;
  /** RFC 3339 time the sandbox was started. */
  startTime?: string;
  /** Whether `/health` answered 204 on every listener the sandbox has. */
  ready: boolean;
  /** Whether every process of the sandbox is stopped. */
  frozen: boolean;
  /** Machine-readable reason of a failure. */
  reason?: string;
  /** Human-readable message of a failure. */
  message?: string;
}

/** Reason of the Failed phase when the runtime died while the node watched it. */
export const REASON_RUNTIME_EXITED = "SandboxRuntimeExited";
/** Reason of the Failed phase when the processes did not survive a restart of the node. */
export const REASON_LOST = "SandboxLost";
/** Reason of the Failed phase when the sandbox could not be started. */
export const REASON_START_FAILED = "SandboxStartFailed";

function condition(
  previous: PodCondition[] | undefined,
  type: string,
  value: boolean,
  now: string,
  reason?: string,
): PodCondition {
  const status = value ? "True" : "False";
  const old = previous?.find((c) => c.type === type);
  const c: PodCondition = {
    type,
    status,
    lastTransitionTime: old?.status === status && old.lastTransitionTime
      ? old.lastTransitionTime
      : now,
  };
  if (reason && !value) c.reason = reason;
  return c;
}

/** The status to write for `observation`, keeping transition times from `previous`. */
export function podStatusFor(
  observation: SandboxObservation,
  previous: PodStatus | undefined,
  now: string,
): PodStatus {
  const prev = previous?.conditions;
  const ready = observation.phase === "Running" && observation.ready;
  const notReadyReason = observation.phase === "Failed" ? observation.reason : undefined;
  const status: PodStatus = {
    phase: observation.phase,
    hostIP: observation.hostIP,
    hostIPs: [{ ip: observation.hostIP }],
    conditions: [
      condition(prev, "PodScheduled", true, now),
      condition(prev, "Initialized", true, now),
      condition(prev, "ContainersReady", ready, now, notReadyReason),
      condition(prev, "Ready", ready, now, notReadyReason),
      condition(prev, CONDITION_POD_FROZEN, observation.frozen, now),
    ],
  };
  if (observation.podIP) {
    status.podIP = observation.podIP;
    status.podIPs = [{ ip: observation.podIP }];
  }
  if (observation.startTime) status.startTime = observation.startTime;
  if (observation.reason) status.reason = observation.reason;
  if (observation.message) status.message = observation.message;
  return status;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/** Whether two statuses are the same, whatever the key order. */
export function sameStatus(a: PodStatus | undefined, b: PodStatus | undefined): boolean {
  return JSON.stringify(canonical(a ?? {})) === JSON.stringify(canonical(b ?? {}));
}
