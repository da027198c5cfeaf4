/**
 * The `coordination.k8s.io/v1` Lease, as leader election reads and writes it: one object whose
 * `spec.holderIdentity` names the replica that leads, renewed every few seconds. Only the fields
 * leader election uses are typed; everything else (`preferredHolder`, `strategy` of coordinated
 * leader election) is kept verbatim, so a Lease read here and written back loses nothing.
 *
 * Times are `MicroTime` strings (`rfc3339Micro` of `shared/std`): the API server refuses any other
 * form of `acquireTime` and `renewTime`.
 *
 * @module
 */
import { fail, integer, object, optionals, string } from "./_parse.ts";
import { type ObjectMeta, parseObjectMeta } from "./meta.ts";

/**
 * `coordination.k8s.io/v1`, the API version of {@linkcode Lease}.
 *
 * @example
 * ```ts
 * import { LEASE_API_VERSION, type Lease } from "@kruise-agents/shared/api";
 * const lease: Lease = {
 *   apiVersion: LEASE_API_VERSION,
 *   kind: "Lease",
 *   metadata: { namespace: "kruise-agents", name: "controller" },
 *   spec: {},
 * };
 * ```
 */
export const LEASE_API_VERSION = "coordination.k8s.io/v1";

/**
 * What a Lease says about its holder.
 *
 * @example
 * ```ts
 * import type { LeaseSpec } from "@kruise-agents/shared/api";
 * const spec: LeaseSpec = {
 *   holderIdentity: "controller-7d9f-abcde",
 *   leaseDurationSeconds: 15,
 *   renewTime: "2026-01-01T00:00:00.000000Z",
 * };
 * ```
 */
export interface LeaseSpec {
  /** The replica that holds it; empty or absent: nobody (released, or never taken). */
  holderIdentity?: string;
  /** How long after its last renewal (as its observers see it) the lease may be taken over. */
  leaseDurationSeconds?: number;
  /** When the current holder took it (`MicroTime`). */
  acquireTime?: string;
  /** When the current holder last renewed it (`MicroTime`). */
  renewTime?: string;
  /** How many times it changed hands. */
  leaseTransitions?: number;
  /** Any other `coordination.k8s.io/v1` LeaseSpec field, verbatim. */
  [field: string]: unknown;
}

/**
 * A `coordination.k8s.io/v1` Lease.
 *
 * @example
 * ```ts
 * import { type Lease, parseLease } from "@kruise-agents/shared/api";
 * const lease: Lease = parseLease({
 *   apiVersion: "coordination.k8s.io/v1",
 *   kind: "Lease",
 *   metadata: { namespace: "kruise-agents", name: "controller" },
 * });
 * console.log(lease.spec.holderIdentity ?? "nobody leads");
 * ```
 */
export interface Lease {
  /** Always `coordination.k8s.io/v1`. */
  apiVersion: typeof LEASE_API_VERSION;
  /** Always `Lease`. */
  kind: "Lease";
  /** Object metadata (`resourceVersion` makes every write of a lease optimistic). */
  metadata: ObjectMeta;
  /** The holder and its timing. */
  spec: LeaseSpec;
  /** The seam's objects are open-ended. */
  [field: string]: unknown;
}

const TYPED_MEMBERS = [
  "holderIdentity",
  "leaseDurationSeconds",
  "acquireTime",
  "renewTime",
  "leaseTransitions",
] as const;

/**
 * Parses a Lease; throws `TypeError` naming the first field that does not match. A Lease without
 * `spec` (the API server stores `{}` for one) parses with an empty spec.
 *
 * @example
 * ```ts
 * import { parseLease } from "@kruise-agents/shared/api";
 * const lease = parseLease({
 *   apiVersion: "coordination.k8s.io/v1",
 *   kind: "Lease",
 *   metadata: { name: "kruise-agents-controller", namespace: "kruise-agents" },
 *   spec: { holderIdentity: "controller-0_x1y2", leaseDurationSeconds: 15 },
 * });
 * ```
 */
export function parseLease(value: unknown): Lease {
  const o = object(value, "Lease");
  if (o.apiVersion !== LEASE_API_VERSION || o.kind !== "Lease") {
    fail("Lease.apiVersion/kind", `${LEASE_API_VERSION}/Lease`, `${o.apiVersion}/${o.kind}`);
  }
  const raw = o.spec === undefined || o.spec === null ? {} : object(o.spec, "Lease.spec");
  const typed = optionals(raw, "Lease.spec", {
    holderIdentity: string,
    leaseDurationSeconds: integer,
    acquireTime: string,
    renewTime: string,
    leaseTransitions: integer,
  });
  // The typed members replace their raw values; a null one (absent, as the server means it) goes.
  const spec: LeaseSpec = { ...raw };
  for (const key of TYPED_MEMBERS) delete spec[key];
  Object.assign(spec, typed);
  return {
    ...o,
    apiVersion: LEASE_API_VERSION,
    kind: "Lease",
    metadata: parseObjectMeta(o.metadata),
    spec,
  };
}
