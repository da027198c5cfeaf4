import assert from "node:assert/strict";
import type { LeaseSpec } from "../api/lease.ts";
import { decideLease, type LeaseDecision, releasedSpec } from "./_lease_decision.ts";
import { rfc3339Micro } from "../std/time.ts";

const NOW = Date.UTC(2030, 0, 1, 0, 1, 0);
const EARLIER = rfc3339Micro(NOW - 60_000);
const me = { identity: "me_1", leaseDurationSeconds: 15, now: NOW };

function held(holder: string, extra: LeaseSpec = {}): LeaseSpec {
  return {
    holderIdentity: holder,
    leaseDurationSeconds: 15,
    acquireTime: EARLIER,
    renewTime: EARLIER,
    leaseTransitions: 3,
    ...extra,
  };
}

Deno.test("decideLease() takes, renews or waits, by the table", () => {
  const taken = (transitions: number, base: LeaseSpec = {}): LeaseDecision => ({
    kind: "write",
    transition: transitions > 0,
    spec: {
      ...base,
      holderIdentity: "me_1",
      leaseDurationSeconds: 15,
      acquireTime: rfc3339Micro(NOW),
      renewTime: rfc3339Micro(NOW),
      leaseTransitions: transitions,
    },
  });
  const cases: [string, LeaseSpec | undefined, number, LeaseDecision][] = [
    ["no lease: create it", undefined, NOW, taken(0)],
    [
      "held by someone seen 14.999 s ago: wait for its expiry",
      held("other_2"),
      NOW - 14_999,
      { kind: "held", holder: "other_2", expiresAt: NOW + 1 },
    ],
    [
      "held by someone seen 15 s ago: expired, take it",
      held("other_2"),
      NOW - 15_000,
      taken(4, held("other_2")),
    ],
    [
      "their own duration counts, not ours",
      held("other_2", { leaseDurationSeconds: 60 }),
      NOW - 15_000,
      { kind: "held", holder: "other_2", expiresAt: NOW + 45_000 },
    ],
    [
      "released (no holder): take it at once",
      held("", { leaseDurationSeconds: 1 }),
      NOW,
      taken(4, held("", { leaseDurationSeconds: 1 })),
    ],
    ["never held: take it", {}, NOW, taken(1)],
    [
      "mine: renew, keeping acquireTime and transitions",
      held("me_1"),
      NOW - 60_000,
      { kind: "write", transition: false, spec: { ...held("me_1"), renewTime: rfc3339Micro(NOW) } },
    ],
  ];
  for (const [what, spec, observedAt, want] of cases) {
    assert.deepEqual(decideLease({ spec, observedAt }, me), want, what);
  }
});

Deno.test("decideLease() never reads renewTime against the local clock", () => {
  // A holder whose clock runs an hour behind: its renewTime looks stale, but it renewed just now.
  const skewed = held("other_2", { renewTime: rfc3339Micro(NOW - 3_600_000) });
  assert.equal(decideLease({ spec: skewed, observedAt: NOW }, me).kind, "held");
});

Deno.test("releasedSpec() names no holder, lasts 1 s and keeps the transitions", () => {
  assert.deepEqual(releasedSpec(held("me_1"), NOW), {
    holderIdentity: "",
    leaseDurationSeconds: 1,
    acquireTime: rfc3339Micro(NOW),
    renewTime: rfc3339Micro(NOW),
    leaseTransitions: 3,
  });
});
