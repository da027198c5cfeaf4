/**
 * The status of a Sandbox, derived (pure) from the Sandbox and its Pod. The reconciler writes it
 * only when it differs from the stored one.
 *
 * Phase machine:
 * - `Pending` until the Pod runs, then `Running`.
 * - The Pod gone while Running, Paused or Resuming: `Failed` ("Pod Not Found"); the Pod
 *   Succeeded/Failed: the same. `Succeeded` and `Failed` are terminal.
 * - Pause (`pause_strategy.ts` chooses the strategy): while `spec.paused` is true,
 *   - under `Freeze` the Pod carries the freeze annotation; the phase becomes `Paused`
 *     (condition `SandboxPaused` True/`FreezePauseSucceed`) once the Pod reports
 *     `agents.kruise.io/Frozen=True`, and stays `Running` with `SandboxPaused` False/`Pending`
 *     until then;
 *   - under `Stop` (the reference's pause) the phase is `Paused` at once with `SandboxPaused`
 *     False/`Pending` and Ready False; the reconciler then deletes the Pod, and once it is gone
 *     `SandboxPaused` is True/`StopPauseSucceed` and the address is cleared;
 *   - a strategy that cannot apply (Freeze asked on a node without a freezer, Hibernate) gives
 *     `SandboxPaused` False/`PauseUnsupported` at once, which the manager answers as a failed
 *     pause (it puts the Sandbox back as it was).
 * - Resume: `spec.paused` false while the Pod is still frozen: `Resuming` (`SandboxResumed`
 *   False/`ResumePod`); after a Stop, `Resuming` (`SandboxResumed` False/`CreatePod`) while the
 *   reconciler recreates the Pod and until it runs. Then `Running`, `SandboxResumed` True and
 *   `SandboxPaused` removed.
 * - `Ready` mirrors the Pod's `Ready` condition (reason `PodReady`); a failed Pod create shows as
 *   Ready False/`PodCreateFailed`; during an in-place image change (`inplace_update.ts`) Ready is
 *   False/`InplaceUpdating` and `InplaceUpdate` says how the change stands; an in-place CPU
 *   resize (`inplace_resize.ts`) reports through the same condition.
 *
 * @module
 */
import {
  type Condition,
  CONDITION_EGRESS_APPLIED,
  CONDITION_POD_FROZEN,
  findCondition,
  isPodReady,
  isTerminalPhase,
  LABEL_POD_TEMPLATE_HASH,
  type Pod,
  podConditionStatus,
  removeCondition,
  type Sandbox,
  SandboxConditionReason,
  SandboxConditionType,
  type SandboxPhase,
  type SandboxStatus,
  setCondition,
} from "@kruise-agents/shared/api";
import { type InplaceOutcome, inplaceOutcome } from "./inplace_update.ts";
import { type AppliedPause, appliedPause, stopStage } from "./pause_strategy.ts";
import { resizeOutcome } from "./inplace_resize.ts";

/** Input of {@linkcode computeSandboxStatus}. */
export interface SandboxObservation {
  /** The Sandbox as read at the start of the pass. */
  sandbox: Sandbox;
  /** Its Pod (only one controlled by this Sandbox), if any. */
  pod: Pod | undefined;
  /** Why creating the Pod failed in this pass, if it did. */
  podCreateError?: string | undefined;
  /** Why the API server refused the Pod's in-place resize in this pass, if it did. */
  resizeRefused?: string | undefined;
  /** Now, in ms. */
  nowMs: number;
}

const STARTED: ReadonlySet<SandboxPhase> = new Set(["Running", "Paused", "Resuming"]);

/** The status being computed: a copy of the stored one, changed step by step. */
class Draft {
  readonly status: SandboxStatus;
  conditions: Condition[];
  readonly nowMs: number;

  constructor(previous: SandboxStatus, nowMs: number) {
    this.status = structuredClone(previous);
    this.conditions = this.status.conditions ?? [];
    this.nowMs = nowMs;
  }

  phase(phase: SandboxPhase, message?: string): void {
    this.status.phase = phase;
    if (message === undefined) delete this.status.message;
    else this.status.message = message;
  }

  set(
    type: SandboxConditionType,
    status: Condition["status"],
    reason: SandboxConditionReason,
    message?: string,
  ): void {
    this.conditions = setCondition(this.conditions, { type, status, reason, message }, this.nowMs);
  }

  remove(type: SandboxConditionType): void {
    this.conditions = removeCondition(this.conditions, type);
  }

  done(): SandboxStatus {
    if (this.conditions.length > 0) this.status.conditions = this.conditions;
    else delete this.status.conditions;
    return this.status;
  }
}

/** The status the Sandbox should have. */
export function computeSandboxStatus(input: SandboxObservation): SandboxStatus {
  const { sandbox, pod } = input;
  const draft = new Draft(sandbox.status ?? {}, input.nowMs);
  if (sandbox.metadata.generation !== undefined) {
    draft.status.observedGeneration = sandbox.metadata.generation;
  }
  const phase0: SandboxPhase = draft.status.phase ?? "Pending";
  if (isTerminalPhase(phase0)) return draft.status;
  // The pause that applies, decided once for the pass (the Stop part and the Freeze part).
  const applied = appliedPause(sandbox, pod);
  if (stopped(draft, sandbox, pod, applied, input.podCreateError)) return draft.done();
  if (pod === undefined) {
    withoutPod(draft, phase0, input.podCreateError);
    return draft.done();
  }
  mirrorPod(draft, sandbox, pod);
  if (input.resizeRefused !== undefined) {
    draft.set(
      SandboxConditionType.InplaceUpdate,
      "False",
      SandboxConditionReason.Failed,
      `the CPU resize was refused: ${input.resizeRefused}`,
    );
  }
  const podPhase = pod.status?.phase;
  if (podPhase === "Succeeded") draft.phase("Succeeded");
  else if (podPhase === "Failed") draft.phase("Failed", "Pod Failed");
  else if (phase0 === "Pending" && podPhase !== "Running") {
    draft.phase("Pending", podWaitReason(pod));
  } else {
    const frozen = podConditionStatus(pod, CONDITION_POD_FROZEN) === "True";
    const refusal = "refused" in applied ? applied.refused : undefined;
    if (sandbox.spec.paused === true) pausing(draft, frozen, refusal);
    else resuming(draft, frozen);
  }
  return draft.done();
}

/** No Pod: Failed once it had started ("Pod Not Found"), else Pending (with a create error). */
function withoutPod(draft: Draft, phase0: SandboxPhase, podCreateError: string | undefined): void {
  const { Ready } = SandboxConditionType;
  if (STARTED.has(phase0)) {
    draft.phase("Failed", "Pod Not Found");
    draft.set(Ready, "False", SandboxConditionReason.PodReady, "Pod Not Found");
    return;
  }
  draft.phase("Pending", podCreateError);
  if (podCreateError !== undefined) {
    draft.set(Ready, "False", SandboxConditionReason.PodCreateFailed, podCreateError);
  }
}

/** Copies what readers need of the Pod (address, node, revision, Ready) into the status. */
function mirrorPod(draft: Draft, sandbox: Sandbox, pod: Pod): void {
  const status = draft.status;
  const podIP = pod.status?.podIP;
  const nodeName = typeof pod.spec?.nodeName === "string" ? pod.spec.nodeName : undefined;
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
  const inplace = worstOf(inplaceOutcome(pod), resizeOutcome(sandbox, pod));
  const updating = inplace.state === "updating" || inplace.state === "failed";
  const ready = isPodReady(pod) && !updating;
  draft.set(
    SandboxConditionType.Ready,
    ready ? "True" : "False",
    updating ? SandboxConditionReason.InplaceUpdating : SandboxConditionReason.PodReady,
  );
  mirrorInplace(draft, inplace);
  const egress = findCondition(pod.status?.conditions, CONDITION_EGRESS_APPLIED);
  if (egress !== undefined) {
    const value = egress.status === "True" ? "True" : "False";
    draft.conditions = setCondition(draft.conditions, {
      type: CONDITION_EGRESS_APPLIED,
      status: value,
      reason: egress.reason || "Applied",
      message: egress.message ?? "",
    }, draft.nowMs);
  }
}

/** The outcome to report of an image change and a resize: failed, else updating, else done. */
function worstOf(a: InplaceOutcome, b: InplaceOutcome): InplaceOutcome {
  for (const state of ["failed", "updating", "succeeded"] as const) {
    if (a.state === state) return a;
    if (b.state === state) return b;
  }
  return a;
}

/** The InplaceUpdate condition of the Pod's last in-place image change (none: no condition). */
function mirrorInplace(draft: Draft, inplace: InplaceOutcome): void {
  const { InplaceUpdate } = SandboxConditionType;
  const { InplaceUpdating, Succeeded, Failed } = SandboxConditionReason;
  if (inplace.state === "updating") draft.set(InplaceUpdate, "False", InplaceUpdating);
  else if (inplace.state === "succeeded") draft.set(InplaceUpdate, "True", Succeeded);
  else if (inplace.state === "failed") draft.set(InplaceUpdate, "False", Failed, inplace.message);
}

/**
 * The Stop pause's part of the status; true when it decided the whole phase. Stop applies while
 * paused under the Stop strategy, and while the stored status says the Pod is being recreated.
 */
function stopped(
  draft: Draft,
  sandbox: Sandbox,
  pod: Pod | undefined,
  applied: AppliedPause,
  podCreateError: string | undefined,
): boolean {
  const { Ready, SandboxPaused, SandboxResumed } = SandboxConditionType;
  const { Pending, PodReady, StopPauseSucceed, CreatePod, ResumePod } = SandboxConditionReason;
  const stage = stopStage(sandbox);
  const gone = pod === undefined || pod.metadata.deletionTimestamp !== undefined;
  if (sandbox.spec.paused === true) {
    if (!("type" in applied) || applied.type !== "Stop") return false;
    draft.phase("Paused");
    draft.set(Ready, "False", PodReady, "paused");
    draft.remove(SandboxResumed);
    if (pod === undefined && stage !== undefined) {
      draft.set(SandboxPaused, "True", StopPauseSucceed, "Stop: the pod deleted, volumes kept");
      delete draft.status.sandboxIp;
    } else {
      draft.set(SandboxPaused, "False", Pending, "Stop: deleting the pod");
    }
    return true;
  }
  if (stage === undefined) return false;
  if (gone || pod?.status?.phase !== "Running") {
    draft.phase("Resuming", podCreateError);
    draft.set(SandboxResumed, "False", CreatePod, "Stop: recreating the pod");
    draft.set(Ready, "False", PodReady, "the pod is being recreated");
    if (pod !== undefined && !gone) mirrorPod(draft, sandbox, pod);
    return true;
  }
  mirrorPod(draft, sandbox, pod);
  draft.phase("Running");
  draft.remove(SandboxPaused);
  draft.set(SandboxResumed, "True", ResumePod);
  return true;
}

/** Why a Pod that is not running yet waits (an image not built here, a missing Secret). */
function podWaitReason(pod: Pod): string | undefined {
  const { reason, message } = pod.status ?? {};
  if (!reason) return undefined;
  return message ? `${reason}: ${message}` : reason;
}

/** `spec.paused`: Paused once the Pod reports frozen, Running with SandboxPaused Pending until. */
function pausing(draft: Draft, frozen: boolean, refusal: string | undefined): void {
  const { SandboxPaused, SandboxResumed } = SandboxConditionType;
  if (frozen) {
    draft.phase("Paused");
    draft.set(
      SandboxPaused,
      "True",
      SandboxConditionReason.FreezePauseSucceed,
      "Freeze: every process of the pod frozen in place",
    );
    draft.remove(SandboxResumed);
    return;
  }
  if (refusal !== undefined) {
    draft.phase("Running");
    draft.set(SandboxPaused, "False", SandboxConditionReason.PauseUnsupported, refusal);
    return;
  }
  draft.phase("Running");
  const reason = SandboxConditionReason.Pending;
  draft.set(SandboxPaused, "False", reason, "waiting for the pod to freeze");
}

/** Not paused: Resuming while the Pod is still frozen, then Running (SandboxResumed True). */
function resuming(draft: Draft, frozen: boolean): void {
  const { SandboxPaused, SandboxResumed } = SandboxConditionType;
  if (frozen) {
    draft.phase("Resuming");
    draft.set(
      SandboxResumed,
      "False",
      SandboxConditionReason.ResumePod,
      "waiting for the pod to thaw",
    );
    return;
  }
  draft.phase("Running");
  const wasPaused = draft.conditions.some((c) =>
    c.type === SandboxPaused || (c.type === SandboxResumed && c.status === "False")
  );
  if (wasPaused) {
    draft.remove(SandboxPaused);
    draft.set(SandboxResumed, "True", SandboxConditionReason.ResumePod);
  }
}
