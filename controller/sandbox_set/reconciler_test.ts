import {
  ANNOTATION_CLAIM_TIMESTAMP,
  ANNOTATION_LOCK,
  ANNOTATION_OWNER,
  LABEL_SANDBOX_CLAIMED,
  LABEL_SANDBOX_POOL,
  LABEL_SANDBOX_TEMPLATE,
  LABEL_TEMPLATE_HASH,
  parseSandbox,
  parseSandboxSet,
  type Sandbox,
  SandboxConditionType,
} from "@kruise-agents/shared/api";
import {
  isConflict,
  type KubeClient,
  PODS,
  SANDBOX_SETS,
  SANDBOXES,
} from "@kruise-agents/shared/kube";
import { controllerWorld, eventually, LaggingClient, sandboxSet } from "../_test_kit.ts";
import assert from "node:assert/strict";
import { poolSelector } from "./set_status.ts";

const NS = "team-a";

async function sandboxesOf(kube: KubeClient, pool: string): Promise<Sandbox[]> {
  const list = await kube.list(SANDBOXES, {
    namespace: NS,
    labelSelector: `${LABEL_SANDBOX_POOL}=${pool}`,
  });
  return list.items.map(parseSandbox);
}

function isUnclaimedMember(s: Sandbox): boolean {
  return s.metadata.labels?.[LABEL_SANDBOX_CLAIMED] === "false" &&
    (s.metadata.ownerReferences ?? []).some((r) => r.kind === "SandboxSet" && r.controller);
}

function isAvailable(s: Sandbox): boolean {
  return isUnclaimedMember(s) &&
    s.status?.conditions?.some((c) =>
        c.type === SandboxConditionType.Ready && c.status === "True"
      ) ===
      true;
}

/** The manager's claim: one optimistic update that takes the Sandbox out of its pool. */
async function claim(kube: KubeClient, sandbox: Sandbox, owner: string): Promise<Sandbox> {
  const claimed = structuredClone(sandbox);
  claimed.metadata.ownerReferences = [];
  claimed.metadata.labels = { ...claimed.metadata.labels, [LABEL_SANDBOX_CLAIMED]: "true" };
  claimed.metadata.annotations = {
    ...claimed.metadata.annotations,
    [ANNOTATION_LOCK]: crypto.randomUUID(),
    [ANNOTATION_OWNER]: owner,
    [ANNOTATION_CLAIM_TIMESTAMP]: new Date().toISOString(),
  };
  return parseSandbox(await kube.update(SANDBOXES, { ...claimed }));
}

/** Claims any available Sandbox of `pool`, retrying on 409 and while the pool is empty. */
async function claimOne(kube: KubeClient, pool: string, owner: string): Promise<Sandbox> {
  for (let attempt = 0; attempt < 2000; attempt++) {
    const candidates = (await sandboxesOf(kube, pool)).filter(isAvailable);
    const pick = candidates[Math.floor(Math.random() * candidates.length)];
    if (pick !== undefined) {
      try {
        return await claim(kube, pick, owner);
      } catch (error) {
        if (!isConflict(error)) throw error;
        continue;
      }
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`Cannot claim from pool ${pool}: it never had stock`);
}

Deno.test("SandboxSet reconciler fills the pool to replicas with labelled, owned, running Sandboxes", async () => {
  await using w = await controllerWorld();
  const set = parseSandboxSet(await w.store.create(SANDBOX_SETS, { ...sandboxSet("ci", 3) }));
  const members = await eventually("3 available members", async () => {
    const all = await sandboxesOf(w.store, "ci");
    return all.length === 3 && all.every(isAvailable) && all;
  });
  for (const s of members) {
    assert.ok(s.metadata.name?.startsWith("ci-"), `generateName: ${s.metadata.name}`);
    assert.deepEqual(s.metadata.labels?.[LABEL_SANDBOX_TEMPLATE], "ci");
    assert.deepEqual(s.metadata.labels?.app, "ci", "template labels are copied");
    assert.deepEqual(s.metadata.ownerReferences?.[0]?.uid, set.metadata.uid);
    assert.deepEqual(s.spec.template?.spec.containers[0]?.image, "runtime:1");
    assert.deepEqual(s.status?.phase, "Running");
    const pod = await w.store.get(PODS, NS, s.metadata.name!);
    assert.deepEqual(pod.metadata.ownerReferences?.[0]?.uid, s.metadata.uid);
  }
  const status = await eventually("status", async () => {
    const s = parseSandboxSet(await w.store.get(SANDBOX_SETS, NS, "ci")).status;
    return s?.availableReplicas === 3 && s;
  });
  assert.deepEqual(status.replicas, 3);
  assert.deepEqual(status.updatedReplicas, 3);
  assert.deepEqual(status.updatedAvailableReplicas, 3);
  assert.deepEqual(status.selector, poolSelector("ci"));
  assert.deepEqual(status.observedGeneration, set.metadata.generation);
  assert.deepEqual(status.updateRevision, members[0]?.metadata.labels?.[LABEL_TEMPLATE_HASH]);
});

Deno.test("SandboxSet reconciler replenishes after a claim and never touches the claimed Sandbox", async () => {
  await using w = await controllerWorld();
  await w.store.create(SANDBOX_SETS, { ...sandboxSet("ci", 2) });
  await eventually(
    "2 available",
    async () => (await sandboxesOf(w.store, "ci")).filter(isAvailable).length === 2,
  );
  const claimed = await claimOne(w.store, "ci", "user-1");
  await eventually("refilled to 2 unclaimed plus the claimed one", async () => {
    const all = await sandboxesOf(w.store, "ci");
    return all.length === 3 && all.filter(isAvailable).length === 2;
  });
  const after = parseSandbox(await w.store.get(SANDBOXES, NS, claimed.metadata.name!));
  assert.deepEqual(after.metadata.annotations?.[ANNOTATION_OWNER], "user-1");
  assert.deepEqual(after.metadata.ownerReferences ?? [], []);
});

Deno.test("SandboxSet reconciler scales down unclaimed surplus only", async () => {
  await using w = await controllerWorld();
  await w.store.create(SANDBOX_SETS, { ...sandboxSet("ci", 4) });
  await eventually(
    "4 available",
    async () => (await sandboxesOf(w.store, "ci")).filter(isAvailable).length === 4,
  );
  const claimed = await claimOne(w.store, "ci", "user-1");
  await eventually(
    "refill",
    async () => (await sandboxesOf(w.store, "ci")).filter(isAvailable).length === 4,
  );
  await w.store.patch(SANDBOX_SETS, NS, "ci", { spec: { replicas: 1 } });
  const left = await eventually("1 unclaimed left", async () => {
    const all = await sandboxesOf(w.store, "ci");
    return all.filter(isUnclaimedMember).length === 1 && all.length === 2 && all;
  });
  assert.ok(
    left.some((s) => s.metadata.name === claimed.metadata.name),
    "the claimed one survives",
  );
  const status = await eventually("status follows", async () => {
    const s = parseSandboxSet(await w.store.get(SANDBOX_SETS, NS, "ci")).status;
    return s?.replicas === 1 && s;
  });
  assert.deepEqual(status.availableReplicas, 1);
});

Deno.test("SandboxSet reconciler deletes dead members and replaces them", async () => {
  await using w = await controllerWorld();
  await w.store.create(SANDBOX_SETS, { ...sandboxSet("ci", 2) });
  const [victim] = await eventually("2 available", async () => {
    const a = (await sandboxesOf(w.store, "ci")).filter(isAvailable);
    return a.length === 2 && a;
  });
  // The Pod vanishes: the Sandbox controller marks it Failed; the pool deletes and replaces it.
  await w.store.delete(PODS, NS, victim!.metadata.name!);
  await eventually("victim gone and pool refilled", async () => {
    const all = await sandboxesOf(w.store, "ci");
    return !all.some((s) => s.metadata.uid === victim!.metadata.uid) &&
      all.filter(isAvailable).length === 2;
  });
});

Deno.test("SandboxSet reconciler rolls unclaimed members to a new template, leaving claimed ones", async () => {
  await using w = await controllerWorld();
  await w.store.create(SANDBOX_SETS, { ...sandboxSet("ci", 3) });
  await eventually(
    "3 available",
    async () => (await sandboxesOf(w.store, "ci")).filter(isAvailable).length === 3,
  );
  const claimed = await claimOne(w.store, "ci", "user-1");
  await w.store.patch(SANDBOX_SETS, NS, "ci", {
    spec: { template: { spec: { containers: [{ name: "sandbox", image: "runtime:2" }] } } },
  });
  await eventually("every unclaimed member on runtime:2", async () => {
    const unclaimed = (await sandboxesOf(w.store, "ci")).filter(isAvailable);
    return unclaimed.length === 3 &&
      unclaimed.every((s) => s.spec.template?.spec.containers[0]?.image === "runtime:2");
  });
  const stillThere = parseSandbox(await w.store.get(SANDBOXES, NS, claimed.metadata.name!));
  assert.deepEqual(stillThere.spec.template?.spec.containers[0]?.image, "runtime:1");
  const status = await eventually("status", async () => {
    const s = parseSandboxSet(await w.store.get(SANDBOX_SETS, NS, "ci")).status;
    return s?.updatedAvailableReplicas === 3 && s;
  });
  assert.deepEqual(status.updatedReplicas, 3);
});

Deno.test("SandboxSet reconciler: a burst of 50 claims leaves exactly replicas unclaimed, each Sandbox created once", async () => {
  await using w = await controllerWorld();
  const replicas = 10;
  await w.store.create(SANDBOX_SETS, { ...sandboxSet("burst", replicas) });
  await eventually(
    "pool full",
    async () => (await sandboxesOf(w.store, "burst")).filter(isAvailable).length === replicas,
  );
  const from = w.store.resourceVersion;
  const abort = new AbortController();
  const events: { type: string; name: string }[] = [];
  const recording = (async () => {
    try {
      for await (
        const e of w.store.watch(SANDBOXES, {
          namespace: NS,
          resourceVersion: from,
          signal: abort.signal,
        })
      ) {
        events.push({ type: e.type, name: e.object.metadata.name! });
      }
    } catch { /* aborted */ }
  })();
  const claims = await Promise.all(
    Array.from({ length: 50 }, (_, i) => claimOne(w.store, "burst", `user-${i}`)),
  );
  assert.deepEqual(
    new Set(claims.map((c) => c.metadata.uid)).size,
    50,
    "no Sandbox handed out twice",
  );
  await eventually("refilled", async () => {
    const all = await sandboxesOf(w.store, "burst");
    return all.filter(isAvailable).length === replicas && all.length === replicas + 50;
  });
  const status = await eventually("status settled", async () => {
    const s = parseSandboxSet(await w.store.get(SANDBOX_SETS, NS, "burst")).status;
    return s?.replicas === replicas && s?.availableReplicas === replicas && s;
  });
  assert.deepEqual(status.replicas, replicas);
  abort.abort();
  await recording;
  const added = events.filter((e) => e.type === "ADDED").map((e) => e.name);
  assert.deepEqual(added.length, 50, "one create per claim, none more");
  assert.deepEqual(new Set(added).size, 50);
  assert.deepEqual(
    events.filter((e) => e.type === "DELETED"),
    [],
    "nothing over-created and scaled away",
  );
});

Deno.test("SandboxSet reconciler never double-creates while its cache lags behind its own creates", async () => {
  await using w = await controllerWorld({ client: (store) => new LaggingClient(store) });
  const { store, client: lagging } = w;
  await store.create(SANDBOX_SETS, { ...sandboxSet("lag", 3) });
  await eventually(
    "the first pass wrote its status",
    async () => parseSandboxSet(await store.get(SANDBOX_SETS, NS, "lag")).status?.replicas === 3,
  );
  // Several more passes on the same stale cache (one per spec change), each observed through
  // observedGeneration: only the one extra replica may be created.
  for (const [i, replicas] of [3, 4, 4].entries()) {
    const updated = parseSandboxSet(
      await store.patch(SANDBOX_SETS, NS, "lag", {
        spec: { replicas, updateStrategy: { maxUnavailable: `${i + 1}0%` } },
      }),
    );
    await eventually(
      "the pass observed the change",
      async () =>
        parseSandboxSet(await store.get(SANDBOX_SETS, NS, "lag")).status?.observedGeneration ===
          updated.metadata.generation,
    );
  }
  assert.deepEqual((await sandboxesOf(store, "lag")).length, 4);
  assert.deepEqual(lagging.sandboxCreates, 4);
  lagging.catchUp();
  await eventually(
    "4 available after catch-up",
    async () => (await sandboxesOf(store, "lag")).filter(isAvailable).length === 4,
  );
  assert.deepEqual(lagging.sandboxCreates, 4, "catching up creates nothing more");
});
