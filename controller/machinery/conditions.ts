/**
 * apimachinery's `meta.SetStatusCondition` semantics on `metav1.Condition` lists: the
 * `lastTransitionTime` moves only when `status` changes, and is kept to whole seconds, so a
 * status computed in memory compares equal to the same status read back from the API server
 * (which serialises RFC 3339 without fractions). Without that, every reconcile would see a
 * "changed" status and write it.
 *
 * @module
 */
import type { Condition, ConditionStatus } from "@kruise-agents/shared/api";

/** A condition to set; the transition time is filled in by {@linkcode setCondition}. */
export interface ConditionInput {
  /** Condition type. */
  type: string;
  /** Whether it holds. */
  status: ConditionStatus;
  /** CamelCase cause. */
  reason: string;
  /** Human-readable detail. @default {""} */
  message?: string;
  /** The generation it was computed from. */
  observedGeneration?: number;
}

/** RFC 3339 in whole seconds (`2030-01-01T00:00:00Z`), as the API server writes times. */
export function rfc3339Seconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Returns `conditions` with `input` set: replaced in place when its type exists (keeping the old
 * transition time unless the status changed), appended otherwise. Does not mutate `conditions`.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  input: ConditionInput,
  nowMs: number,
): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === input.type);
  const existing = index >= 0 ? list[index] : undefined;
  const next: Condition = {
    type: input.type,
    status: input.status,
    lastTransitionTime: existing !== undefined && existing.status === input.status
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

/** Returns `conditions` without the condition of `type`. Does not mutate `conditions`. */
export function removeCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/** The condition of `type`, if present. */
export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
