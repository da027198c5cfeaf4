/**
 * The derived state of a Sandbox as its pool sees it (reference §2.1 "Derived state"): a
 * function of phase, conditions, deadlines and annotations, never stored. Only Sandboxes still
 * controlled by the SandboxSet are members; a claim removes the ownerReference, so claimed
 * Sandboxes are not members at all.
 *
 * @module
 */
import {
  isClaimable,
  isPastShutdown,
  isScaleDownLocked,
  isTerminalPhase,
  LABEL_SANDBOX_CLAIMED,
  LABEL_TEMPLATE_HASH,
  type Sandbox,
} from "@kruise-agents/shared/api";

/**
 * - `creating`: unused, not yet claimable (counts toward `spec.replicas`);
 * - `available`: claimable (see `isClaimable` in `shared/api`, the manager's rule too);
 * - `dead`: to be deleted (finished, failed, past its shutdown time, or locked for a scale-down
 *   whose delete never happened — openkruise/agents#410);
 * - `terminating`: already being deleted; neither counted nor deleted again;
 * - `claimed`: labelled claimed but still owned (a transient the claim write should not
 *   produce); left alone and not counted.
 */
export type MemberState = "creating" | "available" | "dead" | "terminating" | "claimed";

/** The derived state of pool member `sandbox` at `nowMs`. */
export function memberState(sandbox: Sandbox, nowMs: number): MemberState {
  const phase = sandbox.status?.phase;
  if (sandbox.metadata.deletionTimestamp !== undefined) return "terminating";
  if (sandbox.metadata.labels?.[LABEL_SANDBOX_CLAIMED] === "true") return "claimed";
  if (isScaleDownLocked(sandbox) || isPastShutdown(sandbox, nowMs)) return "dead";
  if (isTerminalPhase(phase) || phase === "Terminating") return "dead";
  return isClaimable(sandbox, nowMs) ? "available" : "creating";
}

/** What the scale planner needs to know about one member. */
export interface PoolMember {
  /** Sandbox name. */
  name: string;
  /** Sandbox UID (deletions are expected by UID). */
  uid: string;
  /** resourceVersion, for the optimistic scale-down lock. */
  resourceVersion: string;
  /** Derived state. */
  state: MemberState;
  /** The `template-hash` label: the revision it was created from. */
  revision: string | undefined;
  /** Creation time in ms (0 when unknown). */
  createdAtMs: number;
}

/** Summarises `sandbox` as a {@linkcode PoolMember}. */
export function toPoolMember(sandbox: Sandbox, nowMs: number): PoolMember {
  const created = Date.parse(sandbox.metadata.creationTimestamp ?? "");
  return {
    name: sandbox.metadata.name ?? "",
    uid: sandbox.metadata.uid ?? "",
    resourceVersion: sandbox.metadata.resourceVersion ?? "",
    state: memberState(sandbox, nowMs),
    revision: sandbox.metadata.labels?.[LABEL_TEMPLATE_HASH],
    createdAtMs: Number.isNaN(created) ? 0 : created,
  };
}
