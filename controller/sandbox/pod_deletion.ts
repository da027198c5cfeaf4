/**
 * How a sandbox's Pod goes once its Sandbox is gone (pure): deleted by this controller with an
 * explicit grace period of at most {@linkcode SANDBOX_POD_GRACE_SECONDS}, instead of being left
 * to the garbage collector, which deletes with the Pod's own `terminationGracePeriodSeconds` (30 s
 * when the template names none). On a node that is the difference between a killed sandbox
 * holding its memory and its IP for 30 s or for 5 (the reference deletes sandbox pods with 5 s
 * too). A Pod that asks for less gets less: the period is never lengthened.
 *
 * The API server lets a later delete only shorten a Terminating Pod's grace period, so whichever
 * of the two deletes (ours, the garbage collector's) comes first, the Pod ends with the shorter.
 *
 * @module
 */
import { isPodTerminating, type Pod, SANDBOX_KIND } from "@kruise-agents/shared/api";
import { controllerOf } from "../machinery/owner.ts";

/** The longest grace period this controller gives a sandbox's Pod, in seconds. */
export const SANDBOX_POD_GRACE_SECONDS = 5;

/** The API server's default of `spec.terminationGracePeriodSeconds`. */
const DEFAULT_TERMINATION_GRACE_SECONDS = 30;

/** The grace period to delete `pod` with: its own, capped at {@linkcode SANDBOX_POD_GRACE_SECONDS}. */
export function podGraceSeconds(pod: Pod): number {
  const own = pod.spec?.terminationGracePeriodSeconds;
  const asked = typeof own === "number" && own >= 0 ? own : DEFAULT_TERMINATION_GRACE_SECONDS;
  return Math.min(SANDBOX_POD_GRACE_SECONDS, asked);
}

/**
 * The Sandbox (`name` and `uid`) whose deletion should take `pod` with it, if a delete of `pod`
 * would still change something: it is controlled by a Sandbox, and it is not yet Terminating with
 * a grace period as short as {@linkcode podGraceSeconds}. Whether that Sandbox is really gone is
 * for the caller to know.
 */
export function podToRelease(pod: Pod): { name: string; uid: string } | undefined {
  const owner = controllerOf(pod.metadata);
  if (owner === undefined || owner.kind !== SANDBOX_KIND) return undefined;
  if (isPodTerminating(pod)) {
    const current = pod.metadata.deletionGracePeriodSeconds ?? 0;
    if (current <= podGraceSeconds(pod)) return undefined;
  }
  return { name: owner.name, uid: owner.uid };
}
