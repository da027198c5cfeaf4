/**
 * Leader election of the controller, end to end: controller processes (`controller/main.ts`, as
 * pods run it) on a real kube-apiserver + etcd + kube-controller-manager, one Lease, one pool.
 *
 * 1. Two replicas start: exactly one leads (the Lease's holder, `kruise_agents_leader 1`), the
 *    other stands by and is ready; the leader fills the pool.
 * 2. `kill -9` of the leader: the standby takes over once the Lease expires (acceptance bound:
 *    15 s, the lease duration), and replenishes a claim made while nobody led.
 * 3. A replacement replica starts (the killed pod restarting) and stands by.
 * 4. SIGTERM of the leader: it exits 0 after releasing the Lease, and the standby takes over at
 *    once; it replaces a member deleted meanwhile.
 * 5. SIGSTOP of the leader (a frozen process): the standby takes over at the expiry; on SIGCONT
 *    the frozen one finds the lease lost and exits 1, as client-go users do, without a write.
 *
 * With `LEADER_TEST_LOGS=DIR`, each process's log and the Lease history the test saw are kept in
 * DIR, to study a run.
 *
 * Throughout, the test watches every Sandbox and Pod of the namespace: the pool never has more
 * members than `replicas`, every Sandbox ever created is accounted for (the initial members and
 * one replacement per member claimed or deleted), names are unique, and no Sandbox ever has two
 * Pods. The hand-over times are printed; the only timed assertion is the 15 s bound.
 *
 * When the leader is killed or frozen: at an arbitrary moment between two of its renewals (every
 * 2 s), at least 250 ms after one was committed and 500 ms before the next can begin. A standby
 * may take over only a lease duration after the last renewal it saw (by its own clock: that is
 * what rules out two leaders), so the hand-over is 15 s minus the time from that renewal to the
 * crash, plus the time to notice. A crash that lands on a renewal's own round trip costs the full
 * 15 s plus that; no lease protocol can do better with a 15 s lease.
 */
import assert from "node:assert/strict";
import {
  ANNOTATION_LOCK,
  ANNOTATION_OWNER,
  CREATED_BY_SANDBOX,
  LABEL_CREATED_BY,
  LABEL_SANDBOX_CLAIMED,
  LABEL_SANDBOX_POOL,
  parseLease,
  parsePod,
  parseSandbox,
  type Pod,
  type Sandbox,
  SandboxConditionType,
} from "@kruise-agents/shared/api";
import {
  createKubernetesClient,
  Informer,
  isConflict,
  type KubeClient,
  LEASES,
  NAMESPACES,
  PODS,
  SANDBOX_SETS,
  SANDBOXES,
} from "@kruise-agents/shared/kube";
import { kubeEnvWithCrds } from "@kruise-agents/shared/testing";
import { delay, poll } from "@kruise-agents/shared/std";
import { generateTokenKey } from "@kruise-agents/shared/api";
import { FakeKubelet, sandboxSet } from "../_test_kit.ts";
import { ControllerProcess } from "./controller_process.ts";

const LEASE = "le-test";
const REPLICAS = 3;
const LEASE_DURATION_MS = 15_000;

/** Every version of the Lease the test saw, with when it saw it. */
class LeaseHistory {
  readonly events: {
    at: number;
    holder: string;
    acquireTime?: string | undefined;
    renewTime?: string | undefined;
  }[] = [];
  readonly #abort = new AbortController();
  readonly #kube: KubeClient;
  readonly #namespace: string;
  #loop: Promise<void> | undefined;

  constructor(kube: KubeClient, namespace: string) {
    this.#kube = kube;
    this.#namespace = namespace;
  }

  start(): void {
    this.#loop = (async () => {
      const signal = this.#abort.signal;
      while (!signal.aborted) {
        try {
          for await (const e of this.#kube.watch(LEASES, { namespace: this.#namespace, signal })) {
            if (e.type === "BOOKMARK" || e.object.metadata.name !== LEASE) continue;
            const spec = e.type === "DELETED" ? {} : parseLease(e.object).spec;
            this.events.push({
              at: Date.now(),
              holder: spec.holderIdentity ?? "",
              acquireTime: spec.acquireTime,
              renewTime: spec.renewTime,
            });
          }
        } catch { /* reconnect */ }
        await delay(100).catch(() => {});
      }
    })();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }

  /** The first holder other than `exclude` (and nobody) seen at or after `since`. */
  async nextHolder(since: number, exclude: string[]) {
    return await poll(
      "a new holder of the lease",
      () =>
        this.events.find((e) => e.at >= since && e.holder !== "" && !exclude.includes(e.holder)),
      { timeoutMs: 60_000, intervalMs: 20 },
    );
  }

  /**
   * Waits for a moment between two renewals (every 2 s, after the previous one is done): at
   * least 250 ms after the last one was committed and 500 ms before the next can begin. Committed
   * means read back: a renewal's `renewTime` is when it was sent, and on a busy machine its write
   * can take longer than the 250 ms; this test's own watch may read events late too. So the Lease
   * is polled, and each version timed from the first read that returned it.
   */
  async betweenRenewals(): Promise<void> {
    const target = 250 + Math.random() * 1000; // an arbitrary moment of the window
    let version: string | undefined;
    let committedBy = 0;
    for (;;) {
      const current = await this.#kube.get(LEASES, this.#namespace, LEASE);
      if (current.metadata.resourceVersion !== version) {
        version = current.metadata.resourceVersion;
        committedBy = Date.now();
      }
      const since = Date.now() - committedBy;
      if (since >= target && since < 1500) return;
      await delay(50);
    }
  }
}

/** Everything that happened to the pool's Sandboxes and their Pods, as the test saw it. */
class PoolHistory {
  /** Every Sandbox ever seen: uid -> name. */
  readonly sandboxes = new Map<string, string>();
  /** Pods per owning Sandbox uid. */
  readonly pods = new Map<string, Set<string>>();
  /** The most unclaimed, undeleted pool members seen at once. */
  maxMembers = 0;
  readonly sandboxInformer: Informer<Sandbox>;
  readonly podInformer: Informer<Pod>;

  constructor(kube: KubeClient, namespace: string) {
    this.sandboxInformer = new Informer({
      kube,
      resource: SANDBOXES,
      parse: parseSandbox,
      namespace,
    });
    this.podInformer = new Informer({
      kube,
      resource: PODS,
      parse: parsePod,
      namespace,
      labelSelector: `${LABEL_CREATED_BY}=${CREATED_BY_SANDBOX}`,
    });
    const onSandbox = (s: Sandbox) => {
      const { uid, name } = s.metadata;
      assert.ok(uid && name);
      const known = this.sandboxes.get(uid);
      assert.ok(known === undefined || known === name, `uid ${uid} renamed`);
      this.sandboxes.set(uid, name);
      this.maxMembers = Math.max(this.maxMembers, this.members().length);
    };
    this.sandboxInformer.addEventHandler({ onAdd: onSandbox, onUpdate: (_, s) => onSandbox(s) });
    const onPod = (p: Pod) => {
      const owner = p.metadata.ownerReferences?.find((r) => r.controller)?.uid ?? "none";
      const set = this.pods.get(owner) ?? new Set();
      set.add(p.metadata.uid!);
      this.pods.set(owner, set);
    };
    this.podInformer.addEventHandler({ onAdd: onPod, onUpdate: (_, p) => onPod(p) });
  }

  async start(): Promise<void> {
    this.sandboxInformer.start();
    this.podInformer.start();
    await Promise.all([this.sandboxInformer.synced(), this.podInformer.synced()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.sandboxInformer.stop(), this.podInformer.stop()]);
  }

  /** The pool's current unclaimed members. */
  members(): Sandbox[] {
    return this.sandboxInformer.list().filter((s) =>
      s.metadata.labels?.[LABEL_SANDBOX_POOL] === "pool" &&
      s.metadata.labels?.[LABEL_SANDBOX_CLAIMED] === "false" &&
      s.metadata.deletionTimestamp === undefined &&
      (s.metadata.ownerReferences ?? []).some((r) => r.controller && r.kind === "SandboxSet")
    );
  }

  /** Waits until the pool has `REPLICAS` members, all Running and Ready. */
  async full(what: string): Promise<Sandbox[]> {
    return await poll(what, () => {
      const ready = this.members().filter((s) =>
        s.status?.phase === "Running" &&
        s.status.conditions?.some((c) =>
          c.type === SandboxConditionType.Ready && c.status === "True"
        )
      );
      return ready.length === REPLICAS ? ready : undefined;
    }, { timeoutMs: 90_000, intervalMs: 100 });
  }
}

/** The manager's claim: one optimistic update that takes a member out of its pool. */
async function claimOne(kube: KubeClient, pool: PoolHistory): Promise<Sandbox> {
  for (;;) {
    const pick = pool.members()[0];
    assert.ok(pick, "a member to claim");
    const claimed = structuredClone(pick);
    claimed.metadata.ownerReferences = [];
    claimed.metadata.labels = { ...claimed.metadata.labels, [LABEL_SANDBOX_CLAIMED]: "true" };
    claimed.metadata.annotations = {
      ...claimed.metadata.annotations,
      [ANNOTATION_LOCK]: crypto.randomUUID(),
      [ANNOTATION_OWNER]: "leader-election-test",
    };
    try {
      return parseSandbox(await kube.update(SANDBOXES, { ...claimed }));
    } catch (error) {
      if (!isConflict(error)) throw error;
      await delay(50);
    }
  }
}

/** The one process of `processes` whose metrics say it leads, once exactly one does. */
async function theLeader(processes: ControllerProcess[]): Promise<ControllerProcess> {
  return await poll("exactly one leader", async () => {
    const leading = await Promise.all(processes.map((p) => p.leading()));
    if (leading.some((l) => l === undefined)) return undefined;
    const leaders = processes.filter((_, i) => leading[i]);
    return leaders.length === 1 ? leaders[0] : undefined;
  }, { timeoutMs: 60_000, intervalMs: 100 });
}

async function ready(process: ControllerProcess): Promise<void> {
  await poll(
    `${process.name} to be ready`,
    async () => (await process.health("/readyz"))?.status === 200 || undefined,
    {
      timeoutMs: 60_000,
      intervalMs: 100,
    },
  );
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}

/** The namespace, its pool, the replicas started so far, and what the test watches. */
class World {
  readonly processes: ControllerProcess[] = [];
  /** The identities that held the lease, in order. */
  readonly holders: string[] = [];
  readonly lease: LeaseHistory;
  readonly pool: PoolHistory;
  readonly kubelet: FakeKubelet;

  private constructor(
    readonly kube: KubeClient,
    readonly ns: string,
    readonly dir: string,
    readonly args: string[],
  ) {
    this.lease = new LeaseHistory(kube, ns);
    this.pool = new PoolHistory(kube, ns);
    this.kubelet = new FakeKubelet(kube);
  }

  /** A namespace with a pool of `REPLICAS`, watched; no controller yet. */
  static async open(): Promise<World> {
    const env = await kubeEnvWithCrds();
    const kube = createKubernetesClient({ kubeconfigPath: env.kubeconfig });
    const ns = `le-${crypto.randomUUID().slice(0, 8)}`;
    await kube.create(NAMESPACES, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    const dir = await Deno.makeTempDir({ prefix: "ka-leader-" });
    await Deno.writeTextFile(`${dir}/token-key`, generateTokenKey(), { mode: 0o600 });
    const args = ["--kubeconfig", env.kubeconfig, "--token-key-file", `${dir}/token-key`];
    args.push("--namespace", ns, "--leader-election-namespace", ns, "--leader-election-id", LEASE);
    const world = new World(kube, ns, dir, args);
    world.lease.start();
    await world.pool.start();
    await world.kubelet.start();
    const manifest = sandboxSet("pool", REPLICAS);
    manifest.metadata.namespace = ns;
    await kube.create(SANDBOX_SETS, { ...manifest });
    return world;
  }

  /** Starts a replica; resolves once it is ready (a standby: once it has read the lease). */
  async start(name: string): Promise<ControllerProcess> {
    const process = new ControllerProcess(name, this.args);
    this.processes.push(process);
    await ready(process);
    return process;
  }

  /** The next holder of the lease after `since`, which must be `expected`; its hand-over time. */
  async handOver(since: number, expected: ControllerProcess) {
    const next = await this.lease.nextHolder(since, this.holders);
    assert.equal(next.holder, expected.identity(), `${expected.name} took over`);
    this.holders.push(next.holder);
    return { seen: next.at - since, acquired: Date.parse(next.acquireTime!) - since };
  }

  /** Deletes one pool member (as a kill through the manager would). */
  async deleteMember(): Promise<void> {
    await this.kube.delete(SANDBOXES, this.ns, this.pool.members()[0]!.metadata.name!);
  }

  async close(): Promise<void> {
    const logs = Deno.env.get("LEADER_TEST_LOGS");
    for (const p of this.processes) {
      if (logs) await Deno.writeTextFile(`${logs}/${p.name}.log`, p.output);
      p.signal("SIGCONT");
      p.signal("SIGKILL");
      await p.exited;
    }
    if (logs) await Deno.writeTextFile(`${logs}/lease.json`, JSON.stringify(this.lease.events));
    await this.kubelet.stop();
    await this.pool.stop();
    await this.lease.stop();
    await this.kube.delete(NAMESPACES, "", this.ns).catch(() => {});
    await Deno.remove(this.dir, { recursive: true });
  }
}

/** Step 1: two replicas, one leads and fills the pool, the other stands by. */
async function twoReplicas(w: World): Promise<[ControllerProcess, ControllerProcess]> {
  const [a, b] = [await w.start("a"), await w.start("b")];
  const leader = await theLeader([a, b]);
  const standby = leader === a ? b : a;
  assert.equal(await standby.leading(), false);
  await w.pool.full("the first leader to fill the pool");
  w.holders.push(leader.identity()!);
  assert.equal(w.lease.events.findLast((e) => e.holder !== "")?.holder, leader.identity());
  return [leader, standby];
}

/** Step 2: kill -9 the leader; a claim comes in while nobody leads. */
async function killTheLeader(w: World, leader: ControllerProcess, standby: ControllerProcess) {
  await w.lease.betweenRenewals();
  const killedAt = Date.now();
  leader.signal("SIGKILL");
  await claimOne(w.kube, w.pool);
  const took = await w.handOver(killedAt, standby);
  console.log(
    `hand-over after kill -9 of the leader: ${seconds(took.seen)} seen by the test, ` +
      `${seconds(took.acquired)} to the new holder's acquireTime (lease duration 15 s)`,
  );
  assert.ok(took.seen <= LEASE_DURATION_MS, `hand-over took ${seconds(took.seen)}`);
  assert.equal(await theLeader([standby]), standby);
  await w.pool.full("the new leader to replace the claimed member");
}

/** Step 4: SIGTERM the leader: it releases the lease and exits 0; the standby takes over. */
async function terminateTheLeader(w: World, leader: ControllerProcess, standby: ControllerProcess) {
  const termAt = Date.now();
  const exitCode = leader.stop();
  await w.deleteMember();
  const took = await w.handOver(termAt, standby);
  console.log(`hand-over after SIGTERM of the leader (lease released): ${seconds(took.seen)}`);
  assert.equal(await exitCode, 0, leader.output);
  assert.ok(
    w.lease.events.some((e) => e.at >= termAt && e.at <= termAt + took.seen && e.holder === ""),
    "the lease was released before it changed hands",
  );
  await w.pool.full("the third leader to replace the deleted member");
}

/** Step 5: freeze the leader; the standby takes over at the expiry; the frozen one exits 1. */
async function freezeTheLeader(w: World, leader: ControllerProcess, standby: ControllerProcess) {
  await w.lease.betweenRenewals();
  const frozenAt = Date.now();
  leader.signal("SIGSTOP");
  await w.deleteMember();
  const took = await w.handOver(frozenAt, standby);
  console.log(`hand-over from a frozen (SIGSTOP) leader: ${seconds(took.seen)}`);
  await w.pool.full("the fourth leader to replace the member deleted while c was frozen");
  leader.signal("SIGCONT");
  assert.equal(await leader.exited, 1, leader.output);
  assert.match(leader.output, /"msg":"lost the leadership"/);
  assert.equal(await theLeader([standby]), standby);
}

/** Nothing was created twice: the first members, then one per claim or delete. */
async function nothingCreatedTwice(w: World, replaced: number): Promise<void> {
  await delay(1000); // let any stray create of a confused replica show up
  const names = [...w.pool.sandboxes.values()];
  assert.equal(new Set(names).size, names.length, "names are unique");
  assert.equal(w.pool.sandboxes.size, REPLICAS + replaced, `every Sandbox: ${names.join(", ")}`);
  assert.equal(w.pool.maxMembers, REPLICAS, "the pool never had a member too many");
  for (const [owner, pods] of w.pool.pods) {
    assert.equal(pods.size, 1, `Sandbox ${owner} had ${pods.size} pods`);
  }
  for (const p of w.processes) assert.doesNotMatch(p.output, /error: Uncaught/, p.name);
}

Deno.test({
  name:
    "controller replicas on a real kube-apiserver: one leads; kill -9 hands over within the lease duration, SIGTERM at once, a frozen leader exits 1; no Sandbox is created twice",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const w = await World.open();
    try {
      const [first, second] = await twoReplicas(w);
      await killTheLeader(w, first, second);
      // Step 3: the killed replica's pod restarts: a new process stands by.
      const third = await w.start("c");
      assert.equal(await theLeader([second, third]), second);
      await terminateTheLeader(w, second, third);
      const fourth = await w.start("d");
      await freezeTheLeader(w, third, fourth);
      await nothingCreatedTwice(w, 3);
      assert.equal(await fourth.stop(), 0, fourth.output);
    } finally {
      await w.close();
    }
  },
});
