/**
 * The pure core of leader election (client-go's `tryAcquireOrRenew`, without the I/O): given the
 * Lease as this replica last saw it and when it first saw it in that form, decide whether to
 * write it (take it, or renew it) or to wait for its holder.
 *
 * Invariants:
 * - A lease held by someone else is theirs until `leaseDurationSeconds` (theirs, as written in
 *   the lease) after this replica *first saw* its current version, by this replica's own clock.
 *   `renewTime` is never compared with the local clock: two machines' clocks may disagree by
 *   more than a lease lasts, and trusting them would let two replicas lead at once. Every renewal
 *   is a new version, so a live holder keeps pushing its expiry out.
 * - An empty `holderIdentity` is a released lease: it can be taken at once.
 * - Taking a lease from someone else (or after a release) counts a transition and sets
 *   `acquireTime`; renewing one's own lease keeps both.
 *
 * @module
 */
import type { LeaseSpec } from "../api/lease.ts";
import { rfc3339Micro } from "../std/time.ts";

/** The Lease as this replica last saw it. */
export interface LeaseView {
  /** Its spec; `undefined` when there is no Lease yet. */
  spec: LeaseSpec | undefined;
  /** When this replica first saw the Lease in its current version, in ms of its own clock. */
  observedAt: number;
}

/** What a candidate or leader does next. */
export type LeaseDecision =
  /** Write this spec (create the Lease when there is none, else update it optimistically). */
  | { kind: "write"; spec: LeaseSpec; transition: boolean }
  /** Someone else holds it, until `expiresAt` (ms of the local clock) unless they renew. */
  | { kind: "held"; holder: string; expiresAt: number };

/** Who is deciding, and when. */
export interface Candidate {
  /** This replica's identity. */
  identity: string;
  /** How long a lease this replica writes lasts without renewal. */
  leaseDurationSeconds: number;
  /** Now, in ms of the local clock. */
  now: number;
}

/** The holder a spec names; `""` for nobody (released, or never taken). */
export function holderOf(spec: LeaseSpec | undefined): string {
  return spec?.holderIdentity ?? "";
}

/** Decides the next step of `candidate` on the Lease it sees in `view`. */
export function decideLease(view: LeaseView, candidate: Candidate): LeaseDecision {
  const { identity, leaseDurationSeconds, now } = candidate;
  const holder = holderOf(view.spec);
  const time = rfc3339Micro(now);
  if (holder === identity && view.spec !== undefined) {
    return {
      kind: "write",
      transition: false,
      spec: { ...view.spec, leaseDurationSeconds, renewTime: time },
    };
  }
  if (holder !== "") {
    const theirs = view.spec?.leaseDurationSeconds ?? leaseDurationSeconds;
    const expiresAt = view.observedAt + theirs * 1000;
    if (expiresAt > now) return { kind: "held", holder, expiresAt };
  }
  const transitions = view.spec === undefined ? 0 : (view.spec.leaseTransitions ?? 0) + 1;
  return {
    kind: "write",
    transition: view.spec !== undefined,
    spec: {
      ...view.spec,
      holderIdentity: identity,
      leaseDurationSeconds,
      acquireTime: time,
      renewTime: time,
      leaseTransitions: transitions,
    },
  };
}

/**
 * The spec that hands a lease over at once (client-go's `ReleaseOnCancel`): no holder, a duration
 * of 1 s for candidates that only look at expiry, the transitions kept.
 */
export function releasedSpec(spec: LeaseSpec, now: number): LeaseSpec {
  const time = rfc3339Micro(now);
  return {
    ...spec,
    holderIdentity: "",
    leaseDurationSeconds: 1,
    acquireTime: time,
    renewTime: time,
  };
}
