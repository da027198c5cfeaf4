/**
 * Graceful deletion of Pods, for the embedded store, as the API server does it (the pod
 * strategy's `CheckGracefulDelete` and the generic registry's `BeforeDelete`): a Pod that a
 * kubelet may be running is not removed by a delete but marked Terminating, with
 * `deletionTimestamp` = now + grace period and `deletionGracePeriodSeconds`; the kubelet (here,
 * the local node) stops its containers and then deletes it again with a grace period of 0,
 * which removes it.
 *
 * The rules, each checked against a real kube-apiserver by the contract tests:
 * - The grace period is the request's, else the Pod's `spec.terminationGracePeriodSeconds`, else
 *   30 (the API server's default of that field); a negative one counts as 1.
 * - It is 0 (remove at once) for a Pod bound to no node (`spec.nodeName` empty: no kubelet runs
 *   it) and for a Pod that has finished (`Succeeded`, `Failed`).
 * - A Pod already Terminating keeps its mark unless the request names a shorter grace period,
 *   which moves `deletionTimestamp` earlier by the difference. A request of 0 removes it (once
 *   its finalizers are gone).
 *
 * Other kinds have no graceful deletion: a delete removes them, or marks them with grace 0 while
 * finalizers hold them.
 *
 * @module
 */
import type { KubeObject, Resource } from "./client.ts";
import { isRecord } from "../std/json.ts";
import { rfc3339Seconds } from "../std/time.ts";

/** The API server's default of `spec.terminationGracePeriodSeconds`. */
const DEFAULT_POD_GRACE_SECONDS = 30;

/** What a delete request does to an object, as far as its grace period decides. */
export type GracefulDeletion =
  /** No grace period: remove it (or mark it with grace 0 while finalizers hold it). */
  | { kind: "immediate" }
  /** Already Terminating with a grace period no longer than the request's: nothing changes. */
  | { kind: "pending" }
  /**
   * Mark it Terminating with these values (a first graceful delete, or a shorter grace period);
   * with `deletionGracePeriodSeconds` 0 it is removed once no finalizer holds it.
   */
  | { kind: "mark"; deletionTimestamp: string; deletionGracePeriodSeconds: number };

function isPod(resource: Resource): boolean {
  return resource.apiVersion === "v1" && resource.kind === "Pod";
}

/** The grace period of a first delete of `pod` (the pod strategy's `CheckGracefulDelete`). */
function podGraceSeconds(pod: KubeObject, requested: number | undefined): number {
  const spec = isRecord(pod.spec) ? pod.spec : {};
  const status = isRecord(pod.status) ? pod.status : {};
  const fromSpec = typeof spec.terminationGracePeriodSeconds === "number"
    ? spec.terminationGracePeriodSeconds
    : DEFAULT_POD_GRACE_SECONDS;
  let seconds = requested ?? fromSpec;
  if (typeof spec.nodeName !== "string" || spec.nodeName === "") seconds = 0;
  if (status.phase === "Succeeded" || status.phase === "Failed") seconds = 0;
  return seconds < 0 ? 1 : seconds;
}

/**
 * What a delete of `object` (a stored object of `resource`) with `requested` grace seconds does
 * at `nowMs`.
 */
export function gracefulDeletion(
  resource: Resource,
  object: KubeObject,
  requested: number | undefined,
  nowMs: number,
): GracefulDeletion {
  if (!isPod(resource)) return { kind: "immediate" };
  const request = requested !== undefined && requested < 0 ? 1 : requested;
  const meta = object.metadata;
  if (meta.deletionTimestamp !== undefined) {
    const current = meta.deletionGracePeriodSeconds ?? 0;
    if (current === 0) return { kind: "immediate" };
    if (request === undefined || request >= current) return { kind: "pending" };
    const moved = Date.parse(meta.deletionTimestamp) - (current - request) * 1000;
    return {
      kind: "mark",
      deletionTimestamp: rfc3339Seconds(moved),
      deletionGracePeriodSeconds: request,
    };
  }
  const seconds = podGraceSeconds(object, request);
  if (seconds === 0) return { kind: "immediate" };
  return {
    kind: "mark",
    deletionTimestamp: rfc3339Seconds(nowMs + seconds * 1000),
    deletionGracePeriodSeconds: seconds,
  };
}
