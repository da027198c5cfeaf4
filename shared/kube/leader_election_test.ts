/**
 * The elector's state machine on a manual clock: an embedded store holds the Lease, and a client
 * in front of it can make one replica's requests fail or hang (the API server unreachable from
 * it, or the replica frozen), so every transition (take, renew, lose, release, take over) happens
 * at a known instant. The real API server and real processes are in
 * `controller/e2e/leader_election_test.ts`.
 */
import assert from "node:assert/strict";
import { type Lease, parseLease } from "../api/lease.ts";
import { type KubeClient, LEASES } from "./client.ts";
import { EmbeddedStore } from "./embedded_store.ts";
import { type ElectionOutcome, LeaderElector } from "./leader_election.ts";
import { ManualClock } from "../std/clock.ts";
import { ForwardingClient } from "../testing/forwarding_client.ts";

const NS = "system";
const NAME = "controller";

/** A replica's view of the API: requests pass, fail (connection refused), or never answer. */
class FaultyClient extends ForwardingClient {
  mode: "ok" | "fail" | "hang" = "ok";
  /** Requests made (watches aside). */
  calls = 0;

  protected override send<T>(request: () => Promise<T>): Promise<T> {
    this.calls++;
    if (this.mode === "fail") return Promise.reject(new TypeError("connection refused"));
    if (this.mode === "hang") return new Promise<T>(() => {});
    return request();
  }
}

/** Lets the event loop run what the last clock move set off (store calls, watch events). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** One replica: its client, its elector, its run, and when (manual time) its work ran. */
class Replica {
  readonly client: FaultyClient;
  readonly elector: LeaderElector;
  readonly stop = new AbortController();
  startedAt: number | undefined;
  abortedAt: number | undefined;
  /** The Lease's holder when the work saw its signal abort (before any release). */
  holderAtAbort: string | undefined;
  outcome: Promise<ElectionOutcome> | undefined;
  readonly #clock: ManualClock;
  readonly #store: EmbeddedStore;

  constructor(identity: string, store: EmbeddedStore, clock: ManualClock, watch = true) {
    this.#clock = clock;
    this.#store = store;
    this.client = new FaultyClient(store);
    this.elector = new LeaderElector({
      kube: this.client,
      namespace: NS,
      name: NAME,
      identity,
      clock,
      watch,
      random: () => 0,
    });
  }

  run(work?: (leading: AbortSignal) => Promise<void>): this {
    this.outcome = this.elector.run(work ?? ((leading) => this.#work(leading)), {
      signal: this.stop.signal,
    });
    return this;
  }

  async #work(leading: AbortSignal): Promise<void> {
    this.startedAt = this.#clock.now();
    await new Promise<void>((resolve) => leading.addEventListener("abort", () => resolve()));
    this.abortedAt = this.#clock.now();
    this.holderAtAbort = (await lease(this.#store)).spec.holderIdentity;
  }
}

async function lease(store: KubeClient): Promise<Lease> {
  return parseLease(await store.get(LEASES, NS, NAME));
}

/** Moves the clock `ms` forward in 100 ms steps, letting everything react after each step. */
async function elapse(clock: ManualClock, ms: number): Promise<void> {
  for (let done = 0; done < ms; done += 100) {
    clock.advance(Math.min(100, ms - done));
    await settle();
  }
}

async function world(): Promise<{ store: EmbeddedStore; clock: ManualClock; t0: number }> {
  const clock = new ManualClock();
  return { store: await EmbeddedStore.open({ clock }), clock, t0: clock.now() };
}

/**
 * A {@linkcode world} where replica a_1 took the Lease and replica b_2 then started as its
 * standby (watching the Lease unless `standbyWatches` is false), both settled.
 */
async function leaderAndStandby(standbyWatches = true) {
  const w = await world();
  const a = new Replica("a_1", w.store, w.clock).run();
  await settle();
  const b = new Replica("b_2", w.store, w.clock, standbyWatches).run();
  await settle();
  return { ...w, a, b };
}

Deno.test("LeaderElector: a lone candidate creates the Lease, leads, renews every 2 s and releases on stop after its work ended", async () => {
  const { store, clock } = await world();
  await using _ = store;
  const a = new Replica("a_1", store, clock).run();
  await settle();
  assert.equal(a.elector.isLeader, true);
  const first = await lease(store);
  assert.equal(first.spec.holderIdentity, "a_1");
  assert.equal(first.spec.leaseDurationSeconds, 15);
  assert.equal(first.spec.leaseTransitions, 0);
  await elapse(clock, 2000);
  const renewed = await lease(store);
  assert.notEqual(renewed.spec.renewTime, first.spec.renewTime, "renewed after one retry period");
  assert.equal(renewed.spec.acquireTime, first.spec.acquireTime);
  a.stop.abort();
  assert.equal(await a.outcome, "stopped");
  assert.equal(a.holderAtAbort, "a_1", "the work stopped before the lease was released");
  const released = await lease(store);
  assert.equal(released.spec.holderIdentity, "");
  assert.equal(released.spec.leaseDurationSeconds, 1);
  assert.equal(a.elector.isLeader, false);
});

for (const mode of ["hang", "fail"] as const) {
  Deno.test(`LeaderElector: when the leader's requests ${mode}, it stops leading at the renew deadline (10 s) and the standby takes over at the lease's expiry (15 s), never both at once`, async () => {
    const { store, clock, t0, a, b } = await leaderAndStandby();
    await using _ = store;
    assert.equal(a.elector.isLeader, true);
    assert.equal(b.elector.isLeader, false);
    assert.equal(b.elector.holder, "a_1");
    // a renewed at 0 s (its take) and is cut off right after; b saw that version at 0 s.
    a.client.mode = mode;
    await elapse(clock, 9900);
    assert.equal(a.elector.isLeader, true, "still within the renew deadline");
    await elapse(clock, 200);
    assert.equal(a.elector.isLeader, false);
    assert.equal(await a.outcome, "lost");
    assert.equal(a.abortedAt! - t0, 10_000, "the leader stopped at the renew deadline");
    await elapse(clock, 4800);
    assert.equal(b.elector.isLeader, false, "the lease has not expired yet");
    await elapse(clock, 200);
    assert.equal(b.elector.isLeader, true);
    assert.equal(b.startedAt! - t0, 15_000, "the standby took over at the expiry");
    assert.ok(b.startedAt! > a.abortedAt!, "never two leaders");
    const taken = await lease(store);
    assert.equal(taken.spec.holderIdentity, "b_2");
    assert.equal(taken.spec.leaseTransitions, 1);
    b.stop.abort();
    assert.equal(await b.outcome, "stopped");
  });
}

Deno.test("LeaderElector: a leader frozen past its renew deadline is not the leader the moment it wakes, before its renewal loop has run", async () => {
  const { store, clock } = await world();
  await using _ = store;
  const a = new Replica("a_1", store, clock).run();
  await settle();
  assert.equal(a.elector.isLeader, true);
  clock.advance(10_500); // frozen for 10.5 s: timers fall due, but nothing has run yet
  assert.equal(a.elector.isLeader, false);
  await settle();
  assert.equal(await a.outcome, "lost");
});

Deno.test("LeaderElector: a renewal keeps a standby waiting 15 s from when it saw that renewal", async () => {
  const { store, clock, t0, a, b } = await leaderAndStandby();
  await using _ = store;
  await elapse(clock, 6000); // a renews at 2, 4 and 6 s; b sees each through its watch
  a.client.mode = "hang";
  await elapse(clock, 14_900);
  assert.equal(b.elector.isLeader, false);
  await elapse(clock, 200);
  assert.equal(b.elector.isLeader, true);
  assert.equal(b.startedAt! - t0, 21_000, "15 s after the last renewal it saw (6 s)");
  assert.equal(await a.outcome, "lost");
  b.stop.abort();
  await b.outcome;
});

Deno.test("LeaderElector: without a watch, a standby still takes over, at its next poll after the expiry", async () => {
  const { store, clock, t0, a, b } = await leaderAndStandby(false);
  await using _ = store;
  await elapse(clock, 3000); // a renews at 2 s; b polls at 2 s and sees it
  a.client.mode = "fail";
  await elapse(clock, 16_000);
  assert.equal(b.elector.isLeader, true);
  assert.equal(b.startedAt! - t0, 17_000, "15 s after it polled the 2 s renewal");
  assert.equal(await a.outcome, "lost");
  b.stop.abort();
  await b.outcome;
});

Deno.test("LeaderElector: the leader stops at once when it finds the lease taken by someone else", async () => {
  const { store, clock, t0 } = await world();
  await using _ = store;
  const a = new Replica("a_1", store, clock).run();
  await settle();
  const current = await lease(store);
  await store.update(LEASES, { ...current, spec: { ...current.spec, holderIdentity: "x_9" } });
  // Its renewal at 2 s conflicts; it reads the lease at 4 s and sees x_9.
  await elapse(clock, 4000);
  assert.equal(await a.outcome, "lost");
  assert.equal(a.abortedAt! - t0, 4000, "well before the renew deadline");
  assert.equal((await lease(store)).spec.holderIdentity, "x_9", "a lost lease is not released");
});

Deno.test("LeaderElector: a release wakes the standby through its watch, without waiting for a poll", async () => {
  const { store, a, b } = await leaderAndStandby();
  await using _ = store;
  a.stop.abort();
  assert.equal(await a.outcome, "stopped");
  await settle();
  assert.equal(b.elector.isLeader, true, "taken over with no time passing");
  assert.equal(b.startedAt, a.abortedAt);
  const taken = await lease(store);
  assert.equal(taken.spec.holderIdentity, "b_2");
  assert.equal(taken.spec.leaseDurationSeconds, 15);
  b.stop.abort();
  await b.outcome;
});

Deno.test("LeaderElector: of candidates racing for a free lease exactly one leads", async () => {
  const { store, clock } = await world();
  await using _ = store;
  const replicas = ["a_1", "b_2", "c_3", "d_4"].map((id) => new Replica(id, store, clock).run());
  await settle();
  await elapse(clock, 5000);
  const leaders = replicas.filter((r) => r.elector.isLeader);
  assert.equal(leaders.length, 1);
  assert.equal((await lease(store)).spec.holderIdentity, leaders[0]!.elector.identity);
  for (const r of replicas) r.stop.abort();
  assert.deepEqual(
    (await Promise.all(replicas.map((r) => r.outcome))).sort(),
    ["stopped", "stopped", "stopped", "stopped"],
  );
});

Deno.test("LeaderElector: work that ends on its own releases the lease; work that throws rejects run() after the release", async () => {
  const { store, clock } = await world();
  await using _ = store;
  const ended = new Replica("a_1", store, clock).run(() => Promise.resolve());
  assert.equal(await ended.outcome, "ended");
  assert.equal((await lease(store)).spec.holderIdentity, "");
  const failed = new Replica("b_2", store, clock).run(() => Promise.reject(new Error("boom")));
  await assert.rejects(failed.outcome!, /boom/);
  assert.equal((await lease(store)).spec.holderIdentity, "");
});

Deno.test("LeaderElector: a candidate that cannot reach the API server has not read the lease, and tries again each retry period, not in a spin", async () => {
  const { store, clock } = await world();
  await using _ = store;
  const a = new Replica("a_1", store, clock);
  a.client.mode = "fail";
  a.run();
  await elapse(clock, 1900);
  assert.equal(a.elector.hasReadLease, false);
  // One read, then nothing until the retry period is over (a failed try is no reason to spin).
  assert.equal(a.client.calls, 1);
  a.client.mode = "ok";
  await elapse(clock, 200);
  assert.equal(a.elector.hasReadLease, true);
  assert.equal(a.elector.isLeader, true);
  a.stop.abort();
  await a.outcome;
});

Deno.test("LeaderElector refuses timings client-go refuses", () => {
  const kube = {} as KubeClient;
  const base = { kube, namespace: NS, name: NAME, identity: "a" };
  for (
    const timings of [
      { leaseDurationSeconds: 10, renewDeadlineSeconds: 10 },
      { renewDeadlineSeconds: 2, retryPeriodSeconds: 2 },
      { retryPeriodSeconds: 0 },
    ]
  ) {
    assert.throws(() => new LeaderElector({ ...base, ...timings }), RangeError);
  }
  assert.throws(() => new LeaderElector({ ...base, identity: "" }), RangeError);
});
