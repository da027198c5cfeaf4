/**
 * Test kit of the API tests: {@linkcode setup} builds a manager over an embedded store with warm
 * pools of real runtimes and calls its API without a socket. Tests only.
 *
 * @module
 */
import assert from "node:assert/strict";
import { LABEL_SANDBOX_CLAIMED } from "@kruise-agents/shared/api";
import {
  EmbeddedStore,
  type KubeObject,
  PERSISTENT_VOLUMES,
  SANDBOXES,
} from "@kruise-agents/shared/kube";
import type { TeamLimits } from "../auth/api_keys.ts";
import type { MetricSample } from "../sandboxes/metrics_history.ts";
import type { Manager } from "../mod.ts";
import {
  arm,
  followPause,
  type Runtimes,
  seedPool,
  startRuntimes,
  testKeys,
  testManager,
} from "./fixtures.ts";

/** A manager over an embedded store with warm pools, called without a socket. */
export interface Env extends AsyncDisposable {
  kube: EmbeddedStore;
  manager: Manager;
  runtimes: Runtimes;
  keys: { a: string; b: string; admin: string };
  call(method: string, path: string, options?: CallOptions): Promise<Response>;
  /** Another manager replica over the same store and keys (dispose it before the env). */
  replica(): Promise<Caller>;
}

/** How {@linkcode Env.call} sends a request. */
export interface CallOptions {
  /** API key; `null` sends none. @default {team A's key} */
  key?: string | null;
  /** JSON body (not sent for GET and DELETE). */
  body?: unknown;
  /** Raw body. */
  raw?: string;
  /** Further headers. */
  headers?: HeadersInit;
}

/** Something that answers API calls: a manager replica. */
export interface Caller extends AsyncDisposable {
  /** Calls the API as {@linkcode Env.call} does. */
  call(method: string, path: string, options?: CallOptions): Promise<Response>;
}

/** `manager.api` as a function of method, path and {@linkcode CallOptions}. */
function caller(manager: Manager, defaultKey: string): Caller["call"] {
  return (method, path, options = {}) => {
    const headers = new Headers(options.headers);
    const key = options.key === undefined ? defaultKey : options.key;
    if (key !== null) headers.set("X-API-KEY", key);
    let body: string | undefined = options.raw;
    if (options.body !== undefined && method !== "GET" && method !== "DELETE") {
      body = JSON.stringify(options.body);
      headers.set("content-type", "application/json");
    }
    return manager.api(
      new Request(`http://api.test${path}`, { method, headers, body: body ?? null }),
    );
  };
}

/**
 * The API end to end in one process: `manager.api(request)` against the embedded store seeded
 * with warm pools (`annotations` on their SandboxSets) whose sandboxes are real runtimes on
 * loopback addresses, plus `coldRuntimes` for cold creates and a stand-in for the controller's
 * pause handling. `call` sends team A's key unless told otherwise.
 */
export async function setup(
  pools: {
    namespace: string;
    name: string;
    size: number;
    annotations?: Record<string, string>;
  }[],
  extra: {
    coldRuntimes?: number;
    limits?: Record<string, TeamLimits>;
    metricsIntervalMs?: number;
  } = {},
): Promise<Env> {
  const kube = await EmbeddedStore.open();
  const total = pools.reduce((n, p) => n + p.size, 0) + (extra.coldRuntimes ?? 0);
  const runtimes = await startRuntimes(total);
  let next = 0;
  for (const p of pools) {
    const pool = await seedPool(kube, { ...p, ips: runtimes.ips.slice(next, next += p.size) });
    for (const sandbox of pool) await arm(runtimes, sandbox);
  }
  const follower = followPause(kube, { coldIps: runtimes.ips.slice(next), runtimes });
  const { keys, a, b, admin } = await testKeys(extra.limits);
  const start = () => testManager(kube, keys, { metricsIntervalMs: extra.metricsIntervalMs });
  const manager = await start();
  return {
    kube,
    manager,
    runtimes,
    keys: { a, b, admin },
    call: caller(manager, a),
    async replica() {
      const other = await start();
      return {
        call: caller(other, a),
        [Symbol.asyncDispose]: () => other[Symbol.asyncDispose](),
      };
    },
    async [Symbol.asyncDispose]() {
      await manager[Symbol.asyncDispose]();
      await follower[Symbol.asyncDispose]();
      await runtimes[Symbol.asyncDispose]();
      await kube.close();
    },
  };
}

/** The fields of E2B's `SandboxMetric`: every one is in each metric the API answers. */
export const METRIC_FIELDS: readonly (keyof MetricSample)[] = [
  "timestamp",
  "timestampUnix",
  "cpuCount",
  "cpuUsedPct",
  "memUsed",
  "memTotal",
  "memCache",
  "diskUsed",
  "diskTotal",
];

/** Asserts E2B's `{code, message}` error body with `status`; returns the message. */
export async function errorBody(res: Response, status: number): Promise<string> {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}`);
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  const body = await res.json();
  assert.equal(body.code, status);
  assert.equal(typeof body.message, "string");
  return body.message;
}

/** The CSI source {@linkcode createCsiVolume} gives a PersistentVolume. */
export const TEST_CSI = { driver: "hostpath.csi.k8s.io", volumeHandle: "handle-1" };

/** Creates the PersistentVolume `name` with a CSI source ({@linkcode TEST_CSI}), read-write. */
export async function createCsiVolume(kube: EmbeddedStore, name: string): Promise<void> {
  await kube.create(PERSISTENT_VOLUMES, {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name },
    spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteMany"], csi: TEST_CSI },
  });
}

/** The claimed Sandbox objects in the store. */
export async function claimedObjects(kube: EmbeddedStore): Promise<KubeObject[]> {
  const list = await kube.list<KubeObject>(SANDBOXES, {
    labelSelector: `${LABEL_SANDBOX_CLAIMED}=true`,
  });
  return list.items;
}
