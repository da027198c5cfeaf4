/**
 * Benchmarks of issue 11 on the real node (`bash hack/kube.sh up-node`: kubelet, containerd, runc,
 * CNI, on a state folder of this script's own) with `deno task dev --kubeconfig` running the
 * controller and the manager on the host, printed as figures, never asserted:
 *
 * - warm `Sandbox.create` p50/p99 through the published JS SDK, each from a full pool;
 * - the API writes of those creates, counted from kube-apiserver's own `apiserver_request_total`
 *   (verbs POST, PUT, PATCH, APPLY, DELETE, DELETECOLLECTION), read just before each create and
 *   again as soon as the SDK has its answer, then once more after the pool has refilled. The first
 *   window is the claim path; it may include a write of the controller's replacement that lands
 *   before the answer. The second is what follows the answer (the replacement Sandbox, its pod,
 *   the scheduler's binding, status updates). The metric has no user label, so the writes are told
 *   apart by verb and resource instead; idle writes (leases, node status) are measured apart;
 * - 100 creates at concurrency 20 (warm while the pool lasts, then cold);
 * - the pool's refill rate after a burst that empties it;
 * - a cold pod to a ready runtime: a Pod of the sandbox image POSTed by this script, until its
 *   runtime answers `/health` at the pod IP.
 *
 * Only one real node runs per machine; `down` runs in `finally`. Network: loopback and the node's
 * pod network 10.244.0.0/24.
 *
 * Run: `deno task bench real_node` or `deno run --allow-all manager/real_node_bench.ts`; with
 * `--warm-only`, it stops after the cold pods, the warm creates and their API writes; with
 * `--freeze-chain`, it only times each link of the Freeze pause and resume (`e2e/freeze_chain.ts`).
 *
 * @module
 */
import { Sandbox } from "e2b";
import { parse } from "yaml";
import { type KubeObject, PODS } from "@kruise-agents/shared/kube";
import { ACCESS_TOKEN_ENV, ENVD_PORT } from "@kruise-agents/shared/envd/http";
import { delay, poll } from "@kruise-agents/shared/std";
import { type DevUnderTest, prepareDataDir, startDev } from "./e2e/dev_harness.ts";
import { available, kubeSh, type RealNode, upNode } from "./e2e/real_node.ts";
import { startNodeAgentProcess } from "./e2e/real_node_pause.ts";
import { p50p99, timePauseResume } from "./e2e/pause_timing.ts";
import { traceFreezeChain } from "./e2e/freeze_chain.ts";
import { healthy, percentile, processesNaming, rowPrinter } from "@kruise-agents/shared/testing";

const POOL = "base";
const POOL_SIZE = 8; // 100 claimed + 8 warm stays under the kubelet's 110 pods
const WARM_SAMPLES = 25;
const COLD_SAMPLES = 3;
const IMAGE = "kruise-agents/sandbox-base:0.1.0";
const WRITE_VERBS = new Set(["POST", "PUT", "PATCH", "APPLY", "DELETE", "DELETECOLLECTION"]);

/** Write counts of kube-apiserver by `VERB resource[/subresource]`. */
type Writes = Map<string, number>;

const row = rowPrinter(62, 16);

/** Parses the write counters of a `/metrics` text. */
function parseWrites(text: string): Writes {
  const writes: Writes = new Map();
  for (const line of text.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const labels = Object.fromEntries(
      [...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    if (!WRITE_VERBS.has(labels.verb ?? "")) continue;
    const resource = labels.subresource
      ? `${labels.resource}/${labels.subresource}`
      : labels.resource;
    const key = `${labels.verb} ${resource}`;
    writes.set(key, (writes.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return writes;
}

/** `after - before`, per key, without the zeros. */
function minus(after: Writes, before: Writes): Writes {
  const out: Writes = new Map();
  for (const [key, n] of after) {
    const d = n - (before.get(key) ?? 0);
    if (d !== 0) out.set(key, d);
  }
  return out;
}

function addInto(sum: Writes, more: Writes): void {
  for (const [key, n] of more) sum.set(key, (sum.get(key) ?? 0) + n);
}

function total(writes: Writes): number {
  return [...writes.values()].reduce((a, b) => a + b, 0);
}

/** A reader of kube-apiserver's `/metrics` with the admin token of `kubeconfig`: no subprocess,
 * so a read made right after the SDK's answer lands within a few ms of it. */
async function metricsReader(kubeconfig: string): Promise<() => Promise<Writes>> {
  const config = parse(await Deno.readTextFile(kubeconfig)) as {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
    users: { user: { token: string } }[];
  };
  const { server, "certificate-authority-data": ca } = config.clusters[0]!.cluster;
  const client = Deno.createHttpClient({ caCerts: [atob(ca)] });
  const headers = { authorization: `Bearer ${config.users[0]!.user.token}` };
  return async () => {
    const res = await fetch(`${server}/metrics`, { headers, client });
    if (!res.ok) throw new Error(`Cannot read ${server}/metrics: ${res.status}`);
    return parseWrites(await res.text());
  };
}

async function poolFull(node: RealNode, n = POOL_SIZE): Promise<void> {
  await poll(`${n} available ${POOL} sandboxes`, async () => {
    return (await available(node.kube, POOL)).length >= n || undefined;
  }, { timeoutMs: 300_000, intervalMs: 100 });
}

function createOptions(dev: DevUnderTest) {
  return { ...dev.sdkOptions, timeoutMs: 900_000, requestTimeoutMs: 300_000 };
}

/** What the warm creates measured. */
interface WarmResult {
  ms: number[];
  beforeAnswer: Writes;
  afterAnswer: Writes;
  created: Sandbox[];
}

/** Warm creates, each from a full and quiet pool, with the API writes around each. */
async function warmCreates(node: RealNode, dev: DevUnderTest, read: () => Promise<Writes>) {
  const result: WarmResult = {
    ms: [],
    beforeAnswer: new Map(),
    afterAnswer: new Map(),
    created: [],
  };
  for (let i = 0; i <= WARM_SAMPLES; i++) {
    await poolFull(node);
    await delay(1000); // the last refill's status writes land before the baseline
    const m0 = await read();
    const t0 = performance.now();
    const sbx = await Sandbox.create(POOL, createOptions(dev));
    const ms = performance.now() - t0;
    const m1 = await read();
    result.created.push(sbx);
    await poolFull(node);
    await delay(1000);
    const m2 = await read();
    if (i === 0) continue; // warm-up: the first claim, the first proxy connection
    result.ms.push(ms);
    addInto(result.beforeAnswer, minus(m1, m0));
    addInto(result.afterAnswer, minus(m2, m1));
  }
  return result;
}

/** Writes of an idle system over `ms`, per second. */
async function idleWrites(read: () => Promise<Writes>, ms: number): Promise<Writes> {
  const m0 = await read();
  await delay(ms);
  const per = minus(await read(), m0);
  for (const [key, n] of per) per.set(key, n / (ms / 1000));
  return per;
}

function printWrites(title: string, writes: Writes, per: number, target = ""): void {
  row(title, (total(writes) / per).toFixed(2), target);
  const sorted = [...writes].sort((a, b) => b[1] - a[1]);
  for (const [key, n] of sorted) row(`    ${key}`, (n / per).toFixed(2));
}

/** A burst of creates that empties the pool; the rate at which it refills afterwards. */
async function refillAfterBurst(node: RealNode, dev: DevUnderTest): Promise<Sandbox[]> {
  await poolFull(node);
  await delay(1000);
  const created = await Promise.all(
    Array.from({ length: POOL_SIZE }, () => Sandbox.create(POOL, createOptions(dev))),
  );
  const t0 = performance.now();
  let first: number | undefined;
  await poll("the pool to refill after the burst", async () => {
    const n = (await available(node.kube, POOL)).length;
    if (n > 0) first ??= performance.now() - t0;
    return n >= POOL_SIZE || undefined;
  }, { timeoutMs: 300_000, intervalMs: 100 });
  const s = (performance.now() - t0) / 1000;
  row(
    `pool refill after a burst of ${POOL_SIZE} creates`,
    `${(POOL_SIZE / s).toFixed(2)} /s`,
    `${POOL_SIZE} in ${s.toFixed(1)} s, first after ${((first ?? 0) / 1000).toFixed(1)} s`,
  );
  return created;
}

/** 100 creates at concurrency 20 from a full pool. */
async function throughput(node: RealNode, dev: DevUnderTest): Promise<Sandbox[]> {
  await poolFull(node);
  await delay(1000);
  const burst: Sandbox[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 20 }, async () => {
    while (next < 100) {
      next++;
      burst.push(await Sandbox.create(POOL, createOptions(dev)));
    }
  }));
  const s = (performance.now() - t0) / 1000;
  row(
    "100 creates at concurrency 20",
    `${(100 / s).toFixed(1)} /s`,
    `${s.toFixed(1)} s total (${POOL_SIZE} warm, then cold)`,
  );
  return burst;
}

function coldPod(name: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { "bench.kruise-agents/cold": "true" } },
    spec: {
      containers: [{
        name: "sandbox",
        image: IMAGE,
        imagePullPolicy: "IfNotPresent",
        env: [{ name: ACCESS_TOKEN_ENV, value: "cold-bench-token" }],
        ports: [{ containerPort: ENVD_PORT }],
      }],
      terminationGracePeriodSeconds: 1,
      automountServiceAccountToken: false,
    },
  };
}

/** One cold pod: POSTed, then polled every 20 ms for its IP and then its runtime's `/health`. */
async function coldStart(node: RealNode, i: number): Promise<[number, number]> {
  const name = `cold-bench-${i}`;
  const t0 = performance.now();
  await node.kube.create(PODS, coldPod(name));
  const ip = await poll(`an IP for pod ${name}`, async () => {
    const pod = await node.kube.get(PODS, "default", name);
    return (pod.status as { podIP?: string } | undefined)?.podIP;
  }, { timeoutMs: 120_000, intervalMs: 20 });
  const toIp = performance.now() - t0;
  await poll(
    `the runtime of pod ${name}`,
    async () => await healthy(ip, { timeoutMs: 500 }) || undefined,
    {
      timeoutMs: 120_000,
      intervalMs: 20,
    },
  );
  const toHealth = performance.now() - t0;
  await node.kube.delete(PODS, "default", name, { gracePeriodSeconds: 0 }).catch(() => {});
  return [toIp, toHealth];
}

async function coldStarts(node: RealNode): Promise<void> {
  const ip: number[] = [];
  const health: number[] = [];
  for (let i = 0; i < COLD_SAMPLES; i++) {
    const [a, b] = await coldStart(node, i);
    ip.push(a);
    health.push(b);
  }
  const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(", ");
  row(
    `cold pod POST to runtime /health (${COLD_SAMPLES}) p50`,
    `${percentile(health, 50).toFixed(0)} ms`,
    `each: ${list(health)} ms; pod IP after ${list(ip)} ms`,
  );
}

/** Kills `sandboxes` and waits until at most `pods` pods are left in the namespace. */
async function killAll(node: RealNode, sandboxes: Sandbox[], pods: number): Promise<void> {
  for (let i = 0; i < sandboxes.length; i += 20) {
    await Promise.all(sandboxes.slice(i, i + 20).map((s) => s.kill().catch(() => false)));
  }
  await poll(`at most ${pods} pods`, async () => {
    const { items } = await node.kube.list(PODS, { namespace: "default" });
    return items.length <= pods || undefined;
  }, { timeoutMs: 300_000, intervalMs: 250 });
}

async function writeTemplates(dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/base.yaml`,
    `apiVersion: agents.kruise.io/v1alpha1
kind: SandboxSet
metadata: { name: ${POOL}, namespace: default }
spec:
  replicas: ${POOL_SIZE}
  template:
    spec:
      containers:
        - name: sandbox
          image: ${IMAGE}
          imagePullPolicy: IfNotPresent
          ports: [{ containerPort: ${ENVD_PORT} }]
      terminationGracePeriodSeconds: 1
`,
  );
}

/**
 * Issue 13: the Freeze pause and resume through the SDK, the node agent freezing the pod; then
 * the Stop pause, the kubelet deleting the pod and starting a new one at connect.
 */
async function freezeTimings(dev: DevUnderTest): Promise<void> {
  const sbx = await Sandbox.create("base", { ...dev.sdkOptions, timeoutMs: 600_000 });
  try {
    const { pauses, resumes } = await timePauseResume(sbx, dev.sdkOptions, 20);
    row("Freeze pause() p50 / p99 (node agent)", p50p99(pauses), "target p50 <= 50 ms");
    row("Freeze resume (connect) p50 / p99", p50p99(resumes), "target p50 <= 50 ms");
    const stopped = await timePauseResume(sbx, { ...dev.sdkOptions, timeoutMs: 600_000 }, 5, false);
    row("Stop pause() p50 / p99 (kubelet deletes the pod)", p50p99(stopped.pauses));
    row("Stop resume (connect: a new pod) p50 / p99", p50p99(stopped.resumes));
  } finally {
    await sbx.kill();
  }
}

/** Where the Freeze pause's and resume's time goes: each link of the chain, p50. */
async function freezeChain(node: RealNode, dev: DevUnderTest): Promise<void> {
  const sbx = await Sandbox.create("base", { ...dev.sdkOptions, timeoutMs: 600_000 });
  try {
    const { pause, resume } = await traceFreezeChain(node.kube, sbx, dev.sdkOptions, 15);
    for (const [title, links] of [["pause", pause], ["resume", resume]] as const) {
      console.log(`Freeze ${title}, each link seen by a watch, ms after the SDK call (p50 of 15):`);
      for (const [link, ms] of links) row(`  ${link}`, `${ms.toFixed(1)} ms`);
    }
  } finally {
    await sbx.kill();
  }
}

async function benches(node: RealNode, dev: DevUnderTest): Promise<void> {
  const read = await metricsReader(node.kubeconfig);
  console.log(
    "real node benchmarks: kube.sh up-node, deno task dev --kubeconfig (machine: %d cores)",
    navigator.hardwareConcurrency,
  );
  await poolFull(node);
  if (Deno.args.includes("--freeze-chain")) return await freezeChain(node, dev);
  await coldStarts(node);
  const warm = await warmCreates(node, dev, read);
  row(
    `warm Sandbox.create p50 (${WARM_SAMPLES}, each from a full pool)`,
    `${percentile(warm.ms, 50).toFixed(1)} ms`,
    "target <= 30 ms",
  );
  // Each with its place in the run (1 = the first create after the warm-up one).
  const slowest = warm.ms.map((ms, i) => [ms, i + 1] as const).sort(([a], [b]) => b - a)
    .slice(0, 3).map(([ms, n]) => `${ms.toFixed(0)} (#${n})`);
  row(
    "warm Sandbox.create p99 (= max here)",
    `${percentile(warm.ms, 99).toFixed(1)} ms`,
    `target <= 80 ms; slowest ${slowest.join(", ")} ms`,
  );
  printWrites(
    "API writes per create, until the SDK has its answer",
    warm.beforeAnswer,
    WARM_SAMPLES,
    "target <= 2",
  );
  // The metric has no user label. The manager's claim is its one `update` (PUT sandboxes); the
  // controller PATCHes Sandboxes and never PUTs them, so the other writes of the window are the
  // controller's replacement (and a lease renewal) racing the SDK's answer.
  row(
    "  of which the manager's claim (PUT sandboxes)",
    ((warm.beforeAnswer.get("PUT sandboxes") ?? 0) / WARM_SAMPLES).toFixed(2),
    "target <= 2 (the rest: the controller's replacement, racing)",
  );
  printWrites(
    "API writes per create, after the answer until refilled + 1 s",
    warm.afterAnswer,
    WARM_SAMPLES,
  );
  printWrites("API writes per second, idle (10 s, background)", await idleWrites(read, 10_000), 1);
  if (Deno.args.includes("--warm-only")) return;
  await freezeTimings(dev);
  const burst = await refillAfterBurst(node, dev);
  await killAll(node, [...warm.created, ...burst], POOL_SIZE);
  const hundred = await throughput(node, dev);
  await killAll(node, hundred, POOL_SIZE);
}

if (import.meta.main) {
  const parent = await Deno.makeTempDir({ prefix: "ka-real-node-bench-" });
  const state = `${parent}/kube`;
  let dev: DevUnderTest | undefined;
  try {
    const node = await upNode(state);
    await using _agent = startNodeAgentProcess(node.kubeconfig);
    await prepareDataDir(`${parent}/dev`);
    await writeTemplates(`${parent}/templates`);
    dev = await startDev(`${parent}/dev`, {
      kubeconfig: node.kubeconfig,
      templates: `${parent}/templates`,
    });
    await benches(node, dev);
  } finally {
    await dev?.stop();
    await kubeSh(state, "down").catch((error) => console.error(error));
    await Deno.remove(parent, { recursive: true }).catch(() => {});
    const left = await processesNaming(state);
    if (left.length > 0) console.log(`(processes left naming ${state}: ${left.join(", ")})`);
  }
}
