/**
 * `electController()` on the embedded store: two replicas, one reconciles; stopping it hands
 * over to the other at once, which reconciles from fresh caches. The same on a real API server
 * with real processes, a kill -9 and the hand-over times, is `e2e/leader_election_test.ts`.
 */
import assert from "node:assert/strict";
import { LABEL_SANDBOX_POOL, parseLease, parseSandbox } from "@kruise-agents/shared/api";
import { EmbeddedStore, LEASES, SANDBOX_SETS, SANDBOXES } from "@kruise-agents/shared/kube";
import { eventually, FakeKubelet, sandboxSet, testTokenKey } from "./_test_kit.ts";
import { electController, startController } from "./mod.ts";

const NS = "team-a";

Deno.test("electController(): one of two replicas reconciles; on stop it releases and the other takes over", async () => {
  await using store = await EmbeddedStore.open();
  const kubelet = new FakeKubelet(store);
  await kubelet.start();
  const tokenKey = await testTokenKey();
  const replica = (identity: string) => {
    const stop = new AbortController();
    const elected = electController({
      kube: store,
      tokenKey,
      workers: 2,
      signal: stop.signal,
      leaderElection: { namespace: "system", name: "controller", identity },
    });
    return { identity, stop, elected };
  };
  const a = replica("a_1");
  await eventually("a to lead", () => a.elected.isLeader());
  const b = replica("b_2");
  try {
    await store.create(SANDBOX_SETS, { ...sandboxSet("ci", 2) });
    const members = async () =>
      (await store.list(SANDBOXES, { namespace: NS, labelSelector: `${LABEL_SANDBOX_POOL}=ci` }))
        .items.map(parseSandbox);
    await eventually("the leader fills the pool", async () => (await members()).length === 2);
    assert.equal(b.elected.isLeader(), false);
    assert.deepEqual(b.elected.health(), [], "a standby runs no informers");
    assert.equal(b.elected.notReady(), undefined, "a standby that has read the lease is ready");
    assert.ok(a.elected.health().every((h) => h.synced));

    a.stop.abort();
    assert.equal(await a.elected.done, "stopped");
    await eventually("b to take over", () => b.elected.isLeader());
    const lease = parseLease(await store.get(LEASES, "system", "controller"));
    assert.equal(lease.spec.holderIdentity, "b_2");
    assert.equal(lease.spec.leaseTransitions, 1);
    // The new leader reconciles, from caches it filled after taking over.
    await store.patch(SANDBOX_SETS, NS, "ci", { spec: { replicas: 3 } });
    await eventually("the new leader scales up", async () => (await members()).length === 3);
    assert.ok(b.elected.health().every((h) => h.synced));
    assert.deepEqual(a.elected.health(), [], "the old leader's informers stopped");
  } finally {
    for (const r of [a, b]) r.stop.abort();
    await Promise.all([a, b].map((r) => r.elected.done));
    await kubelet.stop();
  }
});

Deno.test("startController(): while mayReconcile() says no, nothing is written; once it says yes, the pool fills", async () => {
  await using store = await EmbeddedStore.open();
  let may = false;
  const controller = await startController({
    kube: store,
    tokenKey: await testTokenKey(),
    mayReconcile: () => may,
  });
  try {
    await store.create(SANDBOX_SETS, { ...sandboxSet("ci", 2) });
    const count = async () => (await store.list(SANDBOXES, { namespace: NS })).items.length;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await count(), 0, "a replica that may not reconcile writes nothing");
    may = true;
    // Keys waiting on the gate come back after a second.
    await eventually("the pool to fill once allowed", async () => await count() === 2);
  } finally {
    await controller.stop();
  }
});
