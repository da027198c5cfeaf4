import assert from "node:assert/strict";
import type { MemberState, PoolMember } from "./member_state.ts";
import { planScale, scaledValue, type ScaleInput } from "./scale.ts";

const REV = "new";

/** `m("a", "available")`, `m("b", "creating", "old", 5)`. */
function m(name: string, state: MemberState, revision = REV, createdAtMs = 0): PoolMember {
  return { name, uid: `uid-${name}`, resourceVersion: "1", state, revision, createdAtMs };
}

interface Case {
  name: string;
  input: Partial<ScaleInput> & Pick<ScaleInput, "replicas" | "members">;
  create: number;
  cleanup?: string[];
  scaleDown?: string[];
  rollout?: string[];
}

const cases: Case[] = [
  { name: "1. empty pool fills to replicas", input: { replicas: 3, members: [] }, create: 3 },
  {
    name: "2. creating members count as unused",
    input: { replicas: 3, members: [m("a", "creating"), m("b", "available")] },
    create: 1,
  },
  {
    name: "3. unobserved creates count as unused (no double-create)",
    input: { replicas: 3, members: [m("a", "available")], pendingCreates: 2 },
    create: 0,
  },
  {
    name: "4. claims (members gone from the pool) are replenished",
    input: { replicas: 5, members: [m("a", "available"), m("b", "available")] },
    create: 3,
  },
  {
    name: "5. dead members are cleaned up and replaced",
    input: { replicas: 2, members: [m("a", "dead"), m("b", "available")] },
    create: 1,
    cleanup: ["a"],
  },
  {
    name: "6. terminating and claimed members neither count nor get deleted",
    input: { replicas: 2, members: [m("a", "terminating"), m("b", "claimed")] },
    create: 2,
  },
  {
    name: "7. a member whose deletion is pending no longer counts",
    input: {
      replicas: 2,
      members: [m("a", "available"), m("b", "available")],
      pendingDeletes: new Set(["uid-a"]),
    },
    create: 1,
  },
  {
    name: "8. scale-up is capped by scaleStrategy.maxUnavailable minus creating",
    input: { replicas: 10, members: [m("a", "creating")], scaleMaxUnavailable: 4 },
    create: 3,
  },
  {
    name: "9. percentage cap rounds up",
    input: { replicas: 10, members: [], scaleMaxUnavailable: "25%" },
    create: 3,
  },
  {
    name: "10. surplus: old revision first, then creating, then oldest",
    input: {
      replicas: 1,
      members: [
        m("fresh-new", "available", REV, 30),
        m("old-new", "available", REV, 10),
        m("creating-new", "creating", REV, 40),
        m("avail-old", "available", "old", 50),
      ],
    },
    create: 0,
    scaleDown: ["avail-old", "creating-new", "old-new"],
  },
  {
    name: "11. no scale-down while creates are in flight",
    input: {
      replicas: 1,
      members: [m("a", "available"), m("b", "available")],
      pendingCreates: 1,
    },
    create: 0,
  },
  {
    name: "12. no scale-down while deletes are in flight",
    input: {
      replicas: 1,
      members: [m("a", "available"), m("b", "available"), m("c", "available")],
      pendingDeletes: new Set(["uid-a"]),
    },
    create: 0,
  },
  {
    name: "13. rollout replaces old revisions in batches of 20% (at least 1)",
    input: {
      replicas: 10,
      members: Array.from({ length: 10 }, (_, i) => m(`o${i}`, "available", "old", i)),
    },
    create: 0,
    rollout: ["o0", "o1"],
  },
  {
    name: "14. rollout counts replacements still creating against the batch",
    input: {
      replicas: 3,
      members: [m("o1", "available", "old"), m("o2", "available", "old"), m("n", "creating")],
    },
    create: 0,
    rollout: [],
  },
  {
    name: "15. rollout waits while the pool is below size",
    input: { replicas: 3, members: [m("o1", "available", "old"), m("o2", "available", "old")] },
    create: 1,
  },
  {
    name: "16. rollout with an explicit batch",
    input: {
      replicas: 3,
      members: [m("o1", "available", "old", 1), m("o2", "creating", "old", 2), m("n", "available")],
      updateMaxUnavailable: 2,
    },
    create: 0,
    rollout: ["o2", "o1"],
  },
  {
    name: "17. replicas 0 removes every unused member",
    input: { replicas: 0, members: [m("a", "available"), m("b", "creating")] },
    create: 0,
    scaleDown: ["b", "a"],
  },
];

for (const c of cases) {
  Deno.test(`planScale() ${c.name}`, () => {
    const plan = planScale({
      updateRevision: REV,
      pendingCreates: 0,
      pendingDeletes: new Set(),
      ...c.input,
    });
    assert.deepEqual(plan.create, c.create, "create");
    assert.deepEqual(plan.cleanup.map((x) => x.name), c.cleanup ?? [], "cleanup");
    assert.deepEqual(plan.scaleDown.map((x) => x.name), c.scaleDown ?? [], "scaleDown");
    assert.deepEqual(plan.rollout.map((x) => x.name), c.rollout ?? [], "rollout");
  });
}

Deno.test("scaledValue() resolves ints and percentages and rejects garbage", () => {
  assert.deepEqual(scaledValue(3, 10), 3);
  assert.deepEqual(scaledValue("20%", 10), 2);
  assert.deepEqual(scaledValue("20%", 3), 1);
  assert.deepEqual(scaledValue("0%", 3), 0);
  assert.throws(() => scaledValue("abc", 3), RangeError);
  assert.throws(() => scaledValue(-1, 3), RangeError);
});
