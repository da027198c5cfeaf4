/**
 * The pure scale decision of a SandboxSet pass: observed members + expectations → what to
 * create and what to delete. No I/O, so every rule is a table test (`scale_test.ts`).
 *
 * Rules (reference §3.1):
 * - unused = creating + available members, plus creates not yet observed; members whose
 *   deletion is pending are already gone for counting purposes;
 * - scale up by `replicas − unused`, capped by `scaleStrategy.maxUnavailable` minus what is
 *   already creating;
 * - dead members are deleted whatever else happens;
 * - scale down and roll out only when no create or delete is in flight (the cache may not show
 *   them yet, and acting on a stale count is how pools over- or under-shoot);
 * - scale-down victims: old revision first, then creating before available, then oldest first;
 * - rollout (only when the pool is at size): replace old-revision members in batches of
 *   `updateStrategy.maxUnavailable` (default 20%, at least 1), counting new-revision replacements
 *   still creating against the batch; scale-up then recreates them at the new revision.
 *
 * @module
 */
import type { PoolMember } from "./member_state.ts";

/** Input of {@linkcode planScale}. */
export interface ScaleInput {
  /** `spec.replicas`: unused sandboxes to keep. */
  replicas: number;
  /** The revision new members get. */
  updateRevision: string;
  /** Members as the cache shows them. */
  members: readonly PoolMember[];
  /** Creates issued but not yet observed. */
  pendingCreates: number;
  /** UIDs whose deletion was issued but not yet observed. */
  pendingDeletes: ReadonlySet<string>;
  /** `spec.scaleStrategy.maxUnavailable`: cap on creating members during scale-up. */
  scaleMaxUnavailable?: number | string | undefined;
  /** `spec.updateStrategy.maxUnavailable`: rollout batch. @default {"20%"} */
  updateMaxUnavailable?: number | string | undefined;
}

/** Output of {@linkcode planScale}. */
export interface ScalePlan {
  /** How many Sandboxes to create. */
  create: number;
  /** Dead members to delete outright. */
  cleanup: PoolMember[];
  /** Surplus unused members to lock, then delete. */
  scaleDown: PoolMember[];
  /** Old-revision unused members to lock, then delete (they are recreated by scale-up). */
  rollout: PoolMember[];
}

/**
 * Resolves an int-or-percent against `total` (Kubernetes `GetScaledValueFromIntOrPercent`,
 * rounding up); throws `RangeError` on a malformed value.
 */
export function scaledValue(value: number | string, total: number): number {
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`Cannot use maxUnavailable ${value}: not a non-negative integer`);
    }
    return value;
  }
  const match = /^(\d+)%$/.exec(value);
  if (match === null) {
    throw new RangeError(`Cannot use maxUnavailable "${value}": not an integer or a percentage`);
  }
  return Math.ceil((Number(match[1]) * total) / 100);
}

function victimOrder(updateRevision: string): (a: PoolMember, b: PoolMember) => number {
  return (a, b) => {
    const aOld = a.revision !== updateRevision ? 0 : 1;
    const bOld = b.revision !== updateRevision ? 0 : 1;
    if (aOld !== bOld) return aOld - bOld;
    const aCreating = a.state === "creating" ? 0 : 1;
    const bCreating = b.state === "creating" ? 0 : 1;
    if (aCreating !== bCreating) return aCreating - bCreating;
    if (a.createdAtMs !== b.createdAtMs) return a.createdAtMs - b.createdAtMs;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  };
}

/** Decides one pass; throws `RangeError` on a malformed strategy value. */
export function planScale(input: ScaleInput): ScalePlan {
  const live = input.members.filter((m) => !input.pendingDeletes.has(m.uid));
  const cleanup = live.filter((m) => m.state === "dead");
  const unused = live.filter((m) => m.state === "creating" || m.state === "available");
  const creating = unused.filter((m) => m.state === "creating").length;
  const delta = input.replicas - unused.length - input.pendingCreates;
  const plan: ScalePlan = { create: 0, cleanup, scaleDown: [], rollout: [] };

  if (delta > 0) {
    let create = delta;
    if (input.scaleMaxUnavailable !== undefined) {
      const cap = scaledValue(input.scaleMaxUnavailable, input.replicas);
      create = Math.min(create, Math.max(0, cap - creating - input.pendingCreates));
    }
    plan.create = create;
    return plan;
  }
  if (input.pendingCreates > 0 || input.pendingDeletes.size > 0) return plan;

  const order = victimOrder(input.updateRevision);
  if (delta < 0) {
    plan.scaleDown = [...unused].sort(order).slice(0, -delta);
    return plan;
  }
  const old = unused.filter((m) => m.revision !== input.updateRevision).sort(order);
  if (old.length === 0) return plan;
  const batch = Math.max(1, scaledValue(input.updateMaxUnavailable ?? "20%", input.replicas));
  const allowed = batch -
    unused.filter((m) => m.state === "creating" && m.revision === input.updateRevision).length;
  plan.rollout = old.slice(0, Math.max(0, allowed));
  return plan;
}
