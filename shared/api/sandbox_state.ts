/**
 * The derived state of a Sandbox, decided in one place for every program (reference §2.1
 * "Derived state"): a pure function of phase, conditions, deadlines, labels and annotations,
 * never stored, so the manager's replicas and the controller always agree on what a Sandbox is.
 *
 * - ready: the phase is Running, the address is known and `Ready` is True;
 * - terminal: the phase is Succeeded or Failed (the controller no longer drives it);
 * - gone: being deleted, past its shutdown time, or terminal (E2B answers 404 for it);
 * - claimed: taken by a create (label `sandbox-claimed=true` and a sandbox ID);
 * - claimable: an unclaimed, unlocked, ready pool member that nothing is about to delete;
 * - paused: a pause is asked for or in effect (E2B lists pausing sandboxes as paused).
 *
 * @module
 */
import {
  ANNOTATION_LOCK,
  ANNOTATION_OWNER,
  LABEL_SANDBOX_CLAIMED,
  LABEL_SANDBOX_ID,
  OWNER_MANAGER_SCALE_DOWN,
} from "./labels.ts";
import { conditionIsTrue, findCondition } from "./conditions.ts";
import { ANNOTATION_POD_EGRESS, CONDITION_EGRESS_APPLIED } from "./local_node.ts";
import { type Sandbox, SandboxConditionType, type SandboxPhase } from "./sandbox.ts";

/**
 * Whether `phase` is terminal: Succeeded or Failed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTerminalPhase } from "@kruise-agents/shared/api";
 * assert.ok(isTerminalPhase("Failed"));
 * assert.ok(!isTerminalPhase("Paused"));
 * ```
 */
export function isTerminalPhase(phase: SandboxPhase | undefined): boolean {
  return phase === "Succeeded" || phase === "Failed";
}

/**
 * Whether the phase is Running, the sandbox's address is known and `Ready` is True.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isSandboxReady, parseSandbox } from "@kruise-agents/shared/api";
 * const sandbox = parseSandbox({
 *   apiVersion: "agents.kruise.io/v1alpha1", kind: "Sandbox", metadata: { name: "s" }, spec: {},
 *   status: { phase: "Running", sandboxIp: "10.0.0.7" }, // no Ready condition yet
 * });
 * assert.ok(!isSandboxReady(sandbox));
 * ```
 */
export function isSandboxReady(sandbox: Sandbox): boolean {
  const status = sandbox.status;
  return status?.phase === "Running" && Boolean(status.sandboxIp) &&
    conditionIsTrue(status.conditions, SandboxConditionType.Ready);
}

/**
 * Whether `spec.shutdownTime` is at or before `nowMs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPastShutdown, parseSandbox } from "@kruise-agents/shared/api";
 * const sandbox = parseSandbox({
 *   apiVersion: "agents.kruise.io/v1alpha1", kind: "Sandbox", metadata: { name: "s" },
 *   spec: { shutdownTime: "2026-01-01T00:00:00Z" },
 * });
 * assert.ok(isPastShutdown(sandbox, Date.parse("2026-01-01T00:00:01Z")));
 * ```
 */
export function isPastShutdown(sandbox: Sandbox, nowMs: number): boolean {
  const at = Date.parse(sandbox.spec.shutdownTime ?? "");
  return !Number.isNaN(at) && at <= nowMs;
}

/**
 * Whether the sandbox is gone for its users at `nowMs`: deletion started, the shutdown time
 * passed, or the phase is terminal or Terminating.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isSandboxGone, parseSandbox } from "@kruise-agents/shared/api";
 * const sandbox = parseSandbox({
 *   apiVersion: "agents.kruise.io/v1alpha1", kind: "Sandbox",
 *   metadata: { name: "s", deletionTimestamp: "2026-01-01T00:00:00Z" }, spec: {},
 * });
 * assert.ok(isSandboxGone(sandbox, Date.now())); // E2B answers 404 for it
 * ```
 */
export function isSandboxGone(sandbox: Sandbox, nowMs: number): boolean {
  const phase = sandbox.status?.phase;
  return sandbox.metadata.deletionTimestamp !== undefined || isPastShutdown(sandbox, nowMs) ||
    isTerminalPhase(phase) || phase === "Terminating";
}

/**
 * Whether a create claimed the sandbox (label `sandbox-claimed=true` and a sandbox ID).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isClaimed, parseSandbox } from "@kruise-agents/shared/api";
 * import { LABEL_SANDBOX_CLAIMED, LABEL_SANDBOX_ID } from "@kruise-agents/shared/api";
 * const sandbox = parseSandbox({
 *   apiVersion: "agents.kruise.io/v1alpha1", kind: "Sandbox", spec: {},
 *   metadata: { name: "s", labels: { [LABEL_SANDBOX_CLAIMED]: "true", [LABEL_SANDBOX_ID]: "i1" } },
 * });
 * assert.ok(isClaimed(sandbox));
 * ```
 */
export function isClaimed(sandbox: Sandbox): boolean {
  const labels = sandbox.metadata.labels ?? {};
  return labels[LABEL_SANDBOX_CLAIMED] === "true" && Boolean(labels[LABEL_SANDBOX_ID]);
}

/**
 * Whether the pool locked the sandbox for a scale-down whose delete has not happened yet.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isScaleDownLocked, parseSandbox } from "@kruise-agents/shared/api";
 * import { ANNOTATION_OWNER, OWNER_MANAGER_SCALE_DOWN } from "@kruise-agents/shared/api";
 * const sandbox = parseSandbox({
 *   apiVersion: "agents.kruise.io/v1alpha1", kind: "Sandbox", spec: {},
 *   metadata: { name: "s", annotations: { [ANNOTATION_OWNER]: OWNER_MANAGER_SCALE_DOWN } },
 * });
 * assert.ok(isScaleDownLocked(sandbox));
 * ```
 */
export function isScaleDownLocked(sandbox: Sandbox): boolean {
  return sandbox.metadata.annotations?.[ANNOTATION_OWNER] === OWNER_MANAGER_SCALE_DOWN;
}

/**
 * Whether a create may claim the sandbox at `nowMs`: not labelled claimed, not locked (by a claim
 * in flight or a scale-down), not gone, and ready.
 *
 * @example
 * ```ts
 * import { isClaimable, type Sandbox } from "@kruise-agents/shared/api";
 * function pickClaimable(pool: readonly Sandbox[]): Sandbox | undefined {
 *   const now = Date.now();
 *   return pool.find((sandbox) => isClaimable(sandbox, now));
 * }
 * ```
 */
export function isClaimable(sandbox: Sandbox, nowMs: number): boolean {
  return sandbox.metadata.labels?.[LABEL_SANDBOX_CLAIMED] !== "true" &&
    !sandbox.metadata.annotations?.[ANNOTATION_LOCK] && !isScaleDownLocked(sandbox) &&
    !isSandboxGone(sandbox, nowMs) && isSandboxReady(sandbox);
}

/**
 * Whether a pause is asked for or in effect (the transitions included).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPaused, parseSandbox } from "@kruise-agents/shared/api";
 * const sandbox = parseSandbox({
 *   apiVersion: "agents.kruise.io/v1alpha1", kind: "Sandbox", metadata: { name: "s" },
 *   spec: { paused: true }, status: { phase: "Running" }, // asked for, not done yet
 * });
 * assert.ok(isPaused(sandbox));
 * ```
 */
export function isPaused(sandbox: Sandbox): boolean {
  const phase = sandbox.status?.phase;
  return sandbox.spec.paused === true || phase === "Paused" || phase === "Resuming";
}

/**
 * The name of the SandboxSet that controls the sandbox (its pool), if one does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { controllingPool, parseSandbox } from "@kruise-agents/shared/api";
 * const sandbox = parseSandbox({
 *   apiVersion: "agents.kruise.io/v1alpha1", kind: "Sandbox", spec: {},
 *   metadata: {
 *     name: "python-x7k2p",
 *     ownerReferences: [{
 *       apiVersion: "agents.kruise.io/v1alpha1", kind: "SandboxSet", name: "python", uid: "u1",
 *       controller: true,
 *     }],
 *   },
 * });
 * assert.equal(controllingPool(sandbox), "python");
 * ```
 */
export function controllingPool(sandbox: Sandbox): string | undefined {
  return sandbox.metadata.ownerReferences?.find((o) => o.controller && o.kind === "SandboxSet")
    ?.name;
}

/**
 * Whether the egress rules the Sandbox asks for (its `agents.kruise.io/egress` annotation) are in
 * force: its node reports having applied exactly them, or its node does not report egress at all.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isEgressApplied, parseSandbox } from "@kruise-agents/shared/api";
 * const sandbox = parseSandbox({
 *   apiVersion: "agents.kruise.io/v1alpha1", kind: "Sandbox", metadata: { name: "s" }, spec: {},
 * });
 * assert.ok(isEgressApplied(sandbox)); // its node reports no egress: nothing to wait for
 * ```
 */
export function isEgressApplied(sandbox: Sandbox): boolean {
  const applied = findCondition(sandbox.status?.conditions, CONDITION_EGRESS_APPLIED);
  if (applied === undefined) return true;
  const wanted = sandbox.metadata.annotations?.[ANNOTATION_POD_EGRESS] ?? "";
  return applied.status === "True" && applied.message === wanted;
}
