/**
 * Which pause strategy applies to a Sandbox, and where a `Stop` pause stands (pure).
 *
 * - `Freeze` keeps the Pod and freezes its processes: memory, PIDs and files survive. It needs a
 *   freezer on the Pod's node, which the local node and the node agent show by reporting the
 *   `agents.kruise.io/Frozen` condition on every Pod they run.
 * - `Stop` deletes the Pod and keeps its volumes; resume recreates it (same name, same token
 *   Secret) and the manager replays `/init`. It works on any node.
 *
 * The choice: a pause asking E2B's `memory: false` (annotation `pause-memory`) is `Stop`; else
 * `spec.pauseStrategy.type` when set (`Freeze` on a node without a freezer, and `Hibernate`, are
 * refused); else `Freeze` where the node can freeze and `Stop` where it cannot. Once a Stop pause
 * has begun it stays Stop until resumed, whatever the Pod reports meanwhile.
 *
 * Where a Stop pause stands lives in the stored status, because the Pod (the only other witness)
 * is deleted: phase `Paused` with `SandboxPaused` False/`Pending` (the Pod being deleted), True/
 * `StopPauseSucceed` (the Pod gone), and phase `Resuming` with `SandboxResumed` False/`CreatePod`
 * (the Pod being recreated). The reconciler deletes the Pod only after the first of these is
 * stored, so a Pod that disappears is never mistaken for a lost one ("Pod Not Found").
 *
 * @module
 */
import {
  ANNOTATION_PAUSE_MEMORY,
  CONDITION_POD_FROZEN,
  findCondition,
  type Pod,
  podConditionStatus,
  type Sandbox,
  SandboxConditionReason,
  SandboxConditionType,
} from "@kruise-agents/shared/api";

/** The strategy that applies, or why none can. */
export type AppliedPause = { type: "Freeze" } | { type: "Stop" } | { refused: string };

/** Where a Stop pause stands, from the stored status; `undefined`: not Stop-paused at all. */
export type StopStage = "stopping" | "stopped" | "recreating";

/**
 * Where the stored status says a Stop pause stands.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSandbox } from "@kruise-agents/shared/api";
 * import { stopStage } from "./pause_strategy.ts";
 * const sandbox = parseSandbox({
 *   apiVersion: "agents.kruise.io/v1alpha1", kind: "Sandbox", metadata: { name: "s" },
 *   spec: { paused: true },
 *   status: {
 *     phase: "Paused",
 *     conditions: [{ type: "SandboxPaused", status: "True", reason: "StopPauseSucceed" }],
 *   },
 * });
 * assert.equal(stopStage(sandbox), "stopped");
 * ```
 */
export function stopStage(sandbox: Sandbox): StopStage | undefined {
  const status = sandbox.status;
  const paused = findCondition(status?.conditions, SandboxConditionType.SandboxPaused);
  const resumed = findCondition(status?.conditions, SandboxConditionType.SandboxResumed);
  if (status?.phase === "Resuming" && resumed?.reason === SandboxConditionReason.CreatePod) {
    return "recreating";
  }
  if (paused?.reason === SandboxConditionReason.StopPauseSucceed) return "stopped";
  if (status?.phase === "Paused" && paused?.reason === SandboxConditionReason.Pending) {
    return "stopping";
  }
  return undefined;
}

/** Whether the Pod's node can freeze it: the node reports the Frozen condition on it. */
export function canFreeze(pod: Pod | undefined): boolean {
  return pod !== undefined && podConditionStatus(pod, CONDITION_POD_FROZEN) !== undefined;
}

/**
 * The pause strategy that applies to `sandbox` on `pod`'s node (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSandbox } from "@kruise-agents/shared/api";
 * import { appliedPause } from "./pause_strategy.ts";
 * const sandbox = parseSandbox({
 *   apiVersion: "agents.kruise.io/v1alpha1", kind: "Sandbox", metadata: { name: "s" },
 *   spec: { paused: true },
 * });
 * // A Pod whose node reports no freezer: the default falls back to Stop.
 * assert.deepEqual(appliedPause(sandbox, undefined), { type: "Stop" });
 * ```
 */
export function appliedPause(sandbox: Sandbox, pod: Pod | undefined): AppliedPause {
  if (stopStage(sandbox) !== undefined) return { type: "Stop" };
  if (sandbox.metadata.annotations?.[ANNOTATION_PAUSE_MEMORY] === "false") return { type: "Stop" };
  const asked = sandbox.spec.pauseStrategy?.type;
  if (asked === "Stop") return { type: "Stop" };
  if (asked === "Hibernate") {
    return { refused: "pause strategy Hibernate is not implemented; Freeze and Stop are" };
  }
  if (canFreeze(pod)) return { type: "Freeze" };
  if (asked === "Freeze") {
    const node = typeof pod?.spec?.nodeName === "string" ? pod.spec.nodeName : "(unscheduled)";
    return { refused: `node ${node} cannot freeze pods: no node agent reports on this pod` };
  }
  return { type: "Stop" };
}
