/**
 * The status of a Sandbox, derived (pure) from the Sandbox and its Pod. The reconciler writes it
 * only when it differs from the stored one.
 *
 * Phase machine:
 * - `Pending` until the Pod runs, then `Running`.
 * - The Pod gone while Running, Paused or Resuming: `Failed` ("Pod Not Found"); the Pod
 *   Succeeded/Failed: the same. `Succeeded` and `Failed` are terminal.
 * - Freeze-in-place pause (this project's pause; the reference deletes the Pod instead): while
 *   `spec.paused` is true the Pod carries the freeze annotation; the phase becomes `Paused`
 *   (condition `SandboxPaused` True) once the Pod reports `agents.kruise.io/Frozen=True`, and
 *   stays `Running` with `SandboxPaused` False/`Pending` until then.
 * - Resume: `spec.paused` false while the Pod is still frozen: `Resuming` (`SandboxResumed`
 *   False/`ResumePod`); once it is no longer frozen, `Running`, `SandboxResumed` True and
 *   `SandboxPaused` removed.
 * - `Ready` mirrors the Pod's `Ready` condition (reason `PodReady`); a failed Pod create shows as
 *   Ready False/`PodCreateFailed`.
 *
 * @module
 */
import {
  CONDITION_POD_FROZEN,
  LABEL_POD_TEMPLATE_HASH,
  type Sandbox,
  SandboxConditionReason,
  SandboxConditionType,
  type SandboxPhase,
  type SandboxStatus,
} from "@kruise-agents/shared/api";
import { removeCondition, setCondition } from "../machinery/conditions.ts";
import { type Pod, podCondition } from "./pod.ts";

/** Input of {@linkcode computeSandboxStatus}. */
export interface SandboxObservation {
  /** The Sandbox as read at the start of the pass. */
  sandbox: Sandbox;
  /** Its Pod (only one controlled by this Sandbox), if any. */
  pod: Pod | undefined;
  /** Why creating the Pod failed in this pass, if it did. */
  podCreateError?: string;
  /** Now, in ms. */
  nowMs: number;
}

const TERMINAL: ReadonlySet<SandboxPhase> = new Set(["Succeeded", "Failed"]);
const STARTED: ReadonlySet<SandboxPhase> = new Set(["Running", "Paused", "Resuming"]);

/** Whether `phase` is terminal (the controller no longer drives the Sandbox). */
export function isTerminalPhase(phase: SandboxPhase | undefined): boolean {
  return phase !== undefined && TERMINAL.has(phase);
}

/** The status the Sandbox should have. */
export function computeSandboxStatus(input: SandboxObservation): SandboxStatus {
  const { sandbox, pod, nowMs } = input;
  const previous = sandbox.status ?? {};
  const status: SandboxStatus = structuredClone(previous);
  if (sandbox.metadata.generation !== undefined) {
    status.observedGeneration = sandbox.metadata.generation;
  }
  const phase0: SandboxPhase = previous.phase ?? "Pending";
  if (isTerminalPhase(phase0)) return status;
  const set = (phase: SandboxPhase, message?: string) => {
    status.phase = phase;
    if (message === undefined) delete status.message;
    else status.message = message;
  };
  let conditions = status.conditions ?? [];
  const finish = () => {
    if (conditions.length > 0) status.conditions = conditions;
    else delete status.conditions;
    return status;
  };

  if (pod === undefined) {
    if (STARTED.has(phase0)) {
      set("Failed", "Pod Not Found");
      conditions = setCondition(conditions, {
        type: SandboxConditionType.Ready,
        status: "False",
        reason: SandboxConditionReason.PodReady,
        message: "Pod Not Found",
      }, nowMs);
      return finish();
    }
    set("Pending", input.podCreateError);
    if (input.podCreateError !== undefined) {
      conditions = setCondition(conditions, {
        type: SandboxConditionType.Ready,
        status: "False",
        reason: SandboxConditionReason.PodCreateFailed,
        message: input.podCreateError,
      }, nowMs);
    }
    return finish();
  }

  const podIP = pod.status?.podIP;
  const nodeName = typeof pod.spec.nodeName === "string" ? pod.spec.nodeName : undefined;
  status.podInfo = {};
  if (pod.metadata.annotations !== undefined) status.podInfo.annotations = pod.metadata.annotations;
  if (pod.metadata.labels !== undefined) status.podInfo.labels = pod.metadata.labels;
  if (nodeName !== undefined) status.podInfo.nodeName = nodeName;
  if (podIP !== undefined) status.podInfo.podIP = podIP;
  if (pod.metadata.uid !== undefined) status.podInfo.podUID = pod.metadata.uid;
  if (podIP !== undefined) status.sandboxIp = podIP;
  else delete status.sandboxIp;
  if (nodeName !== undefined) status.nodeName = nodeName;
  else delete status.nodeName;
  const revision = pod.metadata.labels?.[LABEL_POD_TEMPLATE_HASH];
  if (revision !== undefined) status.updateRevision = revision;

  const ready = podCondition(pod, "Ready") === "True";
  conditions = setCondition(conditions, {
    type: SandboxConditionType.Ready,
    status: ready ? "True" : "False",
    reason: SandboxConditionReason.PodReady,
  }, nowMs);

  const podPhase = pod.status?.phase;
  if (podPhase === "Succeeded") {
    set("Succeeded");
    return finish();
  }
  if (podPhase === "Failed") {
    set("Failed", "Pod Failed");
    return finish();
  }
  if (phase0 === "Pending" && podPhase !== "Running") {
    set("Pending");
    return finish();
  }

  const frozen = podCondition(pod, CONDITION_POD_FROZEN) === "True";
  if (sandbox.spec.paused === true) {
    if (frozen) {
      set("Paused");
      conditions = setCondition(conditions, {
        type: SandboxConditionType.SandboxPaused,
        status: "True",
        reason: SandboxConditionReason.Succeeded,
        message: "processes frozen in place",
      }, nowMs);
      conditions = removeCondition(conditions, SandboxConditionType.SandboxResumed);
    } else {
      set("Running");
      conditions = setCondition(conditions, {
        type: SandboxConditionType.SandboxPaused,
        status: "False",
        reason: SandboxConditionReason.Pending,
        message: "waiting for the pod to freeze",
      }, nowMs);
    }
    return finish();
  }
  if (frozen) {
    set("Resuming");
    conditions = setCondition(conditions, {
      type: SandboxConditionType.SandboxResumed,
      status: "False",
      reason: SandboxConditionReason.ResumePod,
      message: "waiting for the pod to thaw",
    }, nowMs);
    return finish();
  }
  set("Running");
  const wasPaused = conditions.some((c) => c.type === SandboxConditionType.SandboxPaused) ||
    conditions.some((c) => c.type === SandboxConditionType.SandboxResumed && c.status === "False");
  if (wasPaused) {
    conditions = removeCondition(conditions, SandboxConditionType.SandboxPaused);
    conditions = setCondition(conditions, {
      type: SandboxConditionType.SandboxResumed,
      status: "True",
      reason: SandboxConditionReason.ResumePod,
    }, nowMs);
  }
  return finish();
}
