/**
 * apimachinery's `meta.SetStatusCondition` semantics on condition lists, for every object whose
 * status this project writes: Sandboxes and SandboxSets (`metav1.Condition`) and the Pods the
 * local node runs (`PodCondition`, a superset of the fields written here). `lastTransitionTime`
 * moves only when `status` changes, and is kept to whole seconds, so a status computed in memory
 * compares equal to the same status read back from the API server (which serialises RFC 3339
 * without fractions). Without that, every reconcile would see a "changed" status and write it.
 *
 * @module
 */
import { rfc3339Seconds } from "../std/time.ts";
import type { Condition, ConditionStatus } from "./meta.ts";

/**
 * A condition to set; the transition time is filled in by {@linkcode setCondition}.
 *
 * @example
 * ```ts
 * import { type ConditionInput, setCondition } from "@kruise-agents/shared/api";
 * const ready: ConditionInput = { type: "Ready", status: "False", reason: "PodCreateFailed" };
 * const conditions = setCondition(undefined, ready, Date.now());
 * ```
 */
export interface ConditionInput {
  /** Condition type. */
  type: string;
  /** Whether it holds. */
  status: ConditionStatus;
  /** CamelCase cause. */
  reason: string;
  /** Human-readable detail. @default {""} */
  message?: string | undefined;
  /** The generation it was computed from. */
  observedGeneration?: number | undefined;
}

/**
 * What {@linkcode setCondition} reads of the conditions already in a list.
 *
 * @example
 * ```ts
 * import type { ConditionLike } from "@kruise-agents/shared/api";
 * function failing(conditions: readonly ConditionLike[]): string[] {
 *   return conditions.filter((c) => c.status === "False").map((c) => c.type);
 * }
 * ```
 */
export interface ConditionLike {
  /** Condition type. */
  type: string;
  /** `True`, `False` or `Unknown`. */
  status: string;
  /** When `status` last changed. */
  lastTransitionTime?: string | undefined;
}

/**
 * Returns `conditions` with `input` set: replaced in place when its type exists (keeping the old
 * transition time unless the status changed), appended otherwise. Does not mutate `conditions`.
 *
 * @example
 * ```ts
 * import { setCondition } from "@kruise-agents/shared/api";
 * const list = setCondition([], { type: "Ready", status: "True", reason: "PodReady" }, Date.now());
 * ```
 */
export function setCondition<C extends ConditionLike>(
  conditions: readonly C[] | undefined,
  input: ConditionInput,
  nowMs: number,
): (C | Condition)[] {
  const list: (C | Condition)[] = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === input.type);
  const existing = index >= 0 ? list[index] : undefined;
  const next: Condition = {
    type: input.type,
    status: input.status,
    lastTransitionTime: existing?.status === input.status && existing.lastTransitionTime
      ? existing.lastTransitionTime
      : rfc3339Seconds(nowMs),
    reason: input.reason,
    message: input.message ?? "",
  };
  if (input.observedGeneration !== undefined) next.observedGeneration = input.observedGeneration;
  if (index >= 0) list[index] = next;
  else list.push(next);
  return list;
}

/**
 * Returns `conditions` without the condition of `type`. Does not mutate `conditions`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { removeCondition } from "@kruise-agents/shared/api";
 * const conditions = [{ type: "Ready", status: "True" }, { type: "Recycling", status: "True" }];
 * assert.deepEqual(removeCondition(conditions, "Recycling"), [{ type: "Ready", status: "True" }]);
 * ```
 */
export function removeCondition<C extends ConditionLike>(
  conditions: readonly C[] | undefined,
  type: string,
): C[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/**
 * The condition of `type`, if present.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findCondition } from "@kruise-agents/shared/api";
 * const since = "2026-01-01T00:00:00Z";
 * const conditions = [{ type: "Ready", status: "False", lastTransitionTime: since }];
 * assert.equal(findCondition(conditions, "Ready")?.lastTransitionTime, since);
 * assert.equal(findCondition(conditions, "Recycling"), undefined);
 * ```
 */
export function findCondition<C extends ConditionLike>(
  conditions: readonly C[] | undefined,
  type: string,
): C | undefined {
  return conditions?.find((c) => c.type === type);
}

/**
 * Whether the condition of `type` is present with status `True`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { conditionIsTrue } from "@kruise-agents/shared/api";
 * assert.ok(conditionIsTrue([{ type: "Ready", status: "True" }], "Ready"));
 * assert.ok(!conditionIsTrue(undefined, "Ready"));
 * ```
 */
export function conditionIsTrue(
  conditions: readonly ConditionLike[] | undefined,
  type: string,
): boolean {
  return findCondition(conditions, type)?.status === "True";
}
