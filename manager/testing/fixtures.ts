/**
 * Test kit of the manager: warm pools seeded into a store the way the controller leaves them
 * (SandboxSet, owned Sandboxes with Running/Ready status and an address), real runtimes on
 * their own loopback addresses at the standard envd port (as the local node runs them), and a
 * stand-in for the controller's pause handling. Tests only; it imports the runtime program.
 *
 * @module
 */
import {
  API_VERSION,
  generateTokenKey,
  importTokenKey,
  LABEL_SANDBOX_CLAIMED,
  LABEL_SANDBOX_POOL,
  LABEL_SANDBOX_TEMPLATE,
  SANDBOX_KIND,
  SANDBOX_SET_KIND,
  sandboxToken,
} from "@kruise-agents/shared/api";
import {
  EmbeddedStore,
  type KubeClient,
  type KubeObject,
  SANDBOX_SETS,
  SANDBOXES,
  type WatchEvent,
} from "@kruise-agents/shared/kube";
import { createRuntime, type Runtime } from "@kruise-agents/runtime";
import { silentLogger } from "@kruise-agents/shared/std";
import { ApiKeyStore, generateApiKey, type TeamLimits } from "../auth/api_keys.ts";
import { createManager, type ManagerDeps, type ManagerHandle } from "../mod.ts";

let tokenKey: Promise<CryptoKey> | undefined;

/** One token key for every manager a test process starts (the controller's key, in production). */
export function testTokenKey(): Promise<CryptoKey> {
  tokenKey ??= importTokenKey(generateTokenKey());
  return tokenKey;
}

/**
 * Gives the runtime serving `sandbox` the sandbox's envd token, as the local node gives it to the
 * container at birth (here after the fact, since the in-process runtimes start before their
 * Sandboxes exist).
 */
export async function arm(runtimes: Runtimes, sandbox: KubeObject): Promise<void> {
  const ip = (sandbox.status as { sandboxIp?: string } | undefined)?.sandboxIp ?? "";
  const runtime = runtimes.byIp.get(ip);
  if (runtime === undefined) return;
  // Through `apply`, as an `/init` naming the token would: the state guards its token.
  runtime.state.apply({
    accessToken: await sandboxToken(await testTokenKey(), "envd", sandbox.metadata),
  });
}

/** Ready status with `ip`. */
export function readyStatus(ip: string): Record<string, unknown> {
  return {
    phase: "Running",
    sandboxIp: ip,
    conditions: [{
      type: "Ready",
      status: "True",
      reason: "PodReady",
      message: "",
      lastTransitionTime: new Date().toISOString(),
    }],
  };
}

/**
 * Creates SandboxSet `namespace/name` (with `annotations`, e.g. its E2B aliases) and one warm
 * Sandbox per address.
 */
export async function seedPool(
  kube: KubeClient,
  options: {
    namespace: string;
    name: string;
    ips: readonly string[];
    annotations?: Record<string, string>;
  },
): Promise<KubeObject[]> {
  const set = await kube.create<KubeObject>(SANDBOX_SETS, {
    apiVersion: API_VERSION,
    kind: SANDBOX_SET_KIND,
    metadata: {
      name: options.name,
      namespace: options.namespace,
      ...(options.annotations ? { annotations: options.annotations } : {}),
    },
    spec: {
      replicas: options.ips.length,
      template: {
        spec: {
          containers: [{
            name: "sandbox",
            image: "runtime",
            resources: { limits: { cpu: "2", memory: "1Gi" } },
          }],
        },
      },
    },
  });
  const out: KubeObject[] = [];
  for (const ip of options.ips) out.push(await addWarm(kube, set, ip));
  return out;
}

/** Adds one warm Sandbox at `ip` to the pool of `set`. */
export async function addWarm(kube: KubeClient, set: KubeObject, ip: string): Promise<KubeObject> {
  const name = set.metadata.name!;
  const created = await kube.create<KubeObject>(SANDBOXES, {
    apiVersion: API_VERSION,
    kind: SANDBOX_KIND,
    metadata: {
      generateName: `${name}-`,
      namespace: set.metadata.namespace!,
      labels: {
        [LABEL_SANDBOX_POOL]: name,
        [LABEL_SANDBOX_TEMPLATE]: name,
        [LABEL_SANDBOX_CLAIMED]: "false",
      },
      ownerReferences: [{
        apiVersion: API_VERSION,
        kind: SANDBOX_SET_KIND,
        name,
        uid: set.metadata.uid!,
        controller: true,
        blockOwnerDeletion: true,
      }],
    },
    spec: structuredClone({ template: (set.spec as Record<string, unknown>).template }),
  });
  return await kube.updateStatus<KubeObject>(SANDBOXES, { ...created, status: readyStatus(ip) });
}

/** Runtimes served in this process, each on its own loopback address at port 49983. */
export interface Runtimes extends AsyncDisposable {
  /** Their addresses. */
  ips: string[];
  /** The runtimes, by address. */
  byIp: Map<string, Runtime>;
}

/** Starts `n` runtimes (in-process `createRuntime()`) on random 127.x.y.z addresses. */
export async function startRuntimes(n: number): Promise<Runtimes> {
  const servers: Deno.HttpServer[] = [];
  const byIp = new Map<string, Runtime>();
  while (byIp.size < n) {
    const r = crypto.getRandomValues(new Uint8Array(3));
    const ip = `127.${100 + (r[0]! % 150)}.${r[1]}.${1 + (r[2]! % 250)}`;
    if (byIp.has(ip)) continue;
    const runtime = createRuntime();
    try {
      servers.push(Deno.serve({ hostname: ip, port: 49983, onListen() {} }, runtime.fetch));
    } catch (error) {
      await runtime[Symbol.asyncDispose]();
      if (error instanceof Deno.errors.AddrInUse) continue;
      throw error;
    }
    byIp.set(ip, runtime);
  }
  return {
    ips: [...byIp.keys()],
    byIp,
    async [Symbol.asyncDispose]() {
      await Promise.all(servers.map((s) => s.shutdown()));
      await Promise.all([...byIp.values()].map((r) => r[Symbol.asyncDispose]()));
    },
  };
}

/** The controller's refusal of a pause on a node without a freezer, as the stand-in writes it. */
const PAUSE_UNSUPPORTED = {
  type: "SandboxPaused",
  status: "False",
  reason: "PauseUnsupported",
  message: "node test cannot freeze pods: no node agent reports on this pod",
  lastTransitionTime: "2026-01-01T00:00:00Z",
};

/** The status's conditions but SandboxPaused. */
function others(status: { conditions?: { type: string }[] }): { type: string }[] {
  return (status.conditions ?? []).filter((c) => c.type !== "SandboxPaused");
}

const PAUSED = {
  type: "SandboxPaused",
  status: "True",
  reason: "FreezePauseSucceed",
  message: "",
  lastTransitionTime: "2026-01-01T00:00:00Z",
};

/** A claim with `e2b.agents.kruise.io/image` the stand-in has not answered yet. */
function upgradeAsked(object: KubeObject, status: { phase?: string } | undefined): boolean {
  const seen = (status as { observedGeneration?: number } | undefined)?.observedGeneration ?? 0;
  const a = object.metadata.annotations ?? {};
  const asked = ["image", "cpu-request", "cpu-limit"].some((k) =>
    a[`e2b.agents.kruise.io/${k}`] !== undefined
  );
  return status?.phase === "Running" && asked && seen < (object.metadata.generation ?? 0);
}

/**
 * The controller's verdict on an in-place upgrade or resize: Failed for an image named `nope:*`
 * and for a CPU limit above 64 (Infeasible, as a kubelet on a smaller node).
 */
function upgraded(object: KubeObject, status: Record<string, unknown>): Record<string, unknown> {
  const image = object.metadata.annotations?.["e2b.agents.kruise.io/image"] ?? "";
  const cpu = object.metadata.annotations?.["e2b.agents.kruise.io/cpu-limit"];
  const infeasible = cpu !== undefined && Number(cpu) > 64;
  const bad = image.startsWith("nope:") || infeasible;
  const conditions = ((status.conditions ?? []) as { type: string }[])
    .filter((c) => c.type !== "InplaceUpdate");
  conditions.push({
    type: "InplaceUpdate",
    status: bad ? "False" : "True",
    reason: bad ? "Failed" : "Succeeded",
    message: infeasible
      ? "Infeasible: Node didn't have enough capacity: cpu"
      : bad
      ? `ErrImagePull: no image ${image}`
      : "",
    lastTransitionTime: "2026-01-01T00:00:00Z",
  } as { type: string });
  return { ...status, conditions };
}

/** A sandbox created with the user metadata `refuse-pause` stands for one on such a node. */
function refusesPause(object: KubeObject): boolean {
  return JSON.stringify(object.metadata).includes("refuse-pause");
}

/**
 * A stand-in for the controller's pause handling: sets phase `Paused` once `spec.paused` is
 * true and `Running` again when it goes false. A sandbox created with the metadata
 * `refuse-pause` gets the controller's refusal instead. Optionally gives cold (status-less) claimed
 * Sandboxes a Ready status at the next address of `coldIps`.
 */
export function followPause(
  kube: KubeClient,
  options: { coldIps?: string[]; runtimes?: Runtimes } = {},
): AsyncDisposable {
  const stop = new AbortController();
  const cold = [...options.coldIps ?? []];
  const loop = (async () => {
    const list = await kube.list<KubeObject>(SANDBOXES);
    const events = kube.watch<KubeObject>(SANDBOXES, {
      resourceVersion: list.resourceVersion,
      signal: stop.signal,
    });
    try {
      for await (const { type, object } of events as AsyncIterable<WatchEvent<KubeObject>>) {
        if (type === "DELETED") continue;
        const spec = object.spec as { paused?: boolean };
        const status = object.status as
          | { phase?: string; sandboxIp?: string; conditions?: { type: string }[] }
          | undefined;
        let next: Record<string, unknown> | undefined;
        if (!status?.phase && cold.length > 0) next = readyStatus(cold.shift()!);
        else if (upgradeAsked(object, status)) next = upgraded(object, status!);
        else if (spec.paused && status?.phase === "Running" && refusesPause(object)) {
          next = { ...status, conditions: [PAUSE_UNSUPPORTED] };
        } else if (spec.paused && status?.phase === "Running") {
          next = { ...status, phase: "Paused", conditions: [...others(status), PAUSED] };
        } else if (!spec.paused && status?.phase === "Paused") {
          next = { ...status, phase: "Running", conditions: others(status) };
        }
        if (next) {
          // As the controller does: the status reflects the spec it was computed from.
          next.observedGeneration = object.metadata.generation;
          const written = await kube.updateStatus(SANDBOXES, { ...object, status: next })
            .catch(() => undefined);
          if (written && options.runtimes) await arm(options.runtimes, written);
        }
      }
    } catch (error) {
      if (!stop.signal.aborted) throw error;
    }
  })();
  return {
    async [Symbol.asyncDispose]() {
      stop.abort();
      await loop;
    },
  };
}

/** Two teams' keys (`team-a`, `team-b`) and an admin key, with their store (and `limits`). */
export async function testKeys(limits: Record<string, TeamLimits> = {}): Promise<
  { keys: ApiKeyStore; a: string; b: string; admin: string }
> {
  const a = await generateApiKey({ team: "team-a" });
  const b = await generateApiKey({ team: "team-b" });
  const admin = await generateApiKey({ team: "admin" });
  return {
    keys: new ApiKeyStore([a.record, b.record, admin.record], limits),
    a: a.key,
    b: b.key,
    admin: admin.key,
  };
}

/**
 * A manager over `kube` for `keys`, as the tests run one: domain `sandbox.test`, no logs, the
 * {@linkcode testTokenKey}; `deps` adds to or overrides these.
 */
export async function testManager(
  kube: KubeClient,
  keys: ApiKeyStore,
  deps: Partial<ManagerDeps> = {},
): Promise<ManagerHandle> {
  return await createManager({
    kube,
    keys,
    domain: "sandbox.test",
    logger: silentLogger,
    tokenKey: await testTokenKey(),
    ...deps,
  });
}

/** A manager over an embedded store that holds one warm pool; see {@linkcode managerWithPool}. */
export interface ManagerWithPool extends AsyncDisposable {
  /** The store. */
  kube: EmbeddedStore;
  /** The pool's runtimes. */
  runtimes: Runtimes;
  /** The manager, its caches synced. */
  manager: ManagerHandle;
  /** The keys of {@linkcode testKeys}. */
  keys: { a: string; b: string; admin: string };
}

/**
 * The set-up of the tests that drive a whole manager: an embedded store with a warm pool
 * `team-a/base` of `size` real runtimes, and a manager over it for the {@linkcode testKeys}.
 * Disposing stops the manager, then the runtimes, then closes the store.
 */
export async function managerWithPool(size: number): Promise<ManagerWithPool> {
  const kube = await EmbeddedStore.open();
  const runtimes = await startRuntimes(size);
  const pool = await seedPool(kube, { namespace: "team-a", name: "base", ips: runtimes.ips });
  for (const sandbox of pool) await arm(runtimes, sandbox);
  const { keys, a, b, admin } = await testKeys();
  const manager = await testManager(kube, keys);
  return {
    kube,
    runtimes,
    manager,
    keys: { a, b, admin },
    async [Symbol.asyncDispose]() {
      await manager[Symbol.asyncDispose]();
      await runtimes[Symbol.asyncDispose]();
      await kube.close();
    },
  };
}
