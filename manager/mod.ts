/**
 * sandbox-manager: the E2B control plane (REST API, v1 and v2 paths) and the data-plane proxy
 * of this project, over the Kubernetes client seam, so the same code serves a real cluster and
 * the embedded store of `deno task dev`.
 *
 * {@linkcode createManager} wires everything and returns fetch handlers; the caller decides
 * where to serve them.
 *
 * @example
 * ```ts ignore
 * import { EmbeddedStore } from "@kruise-agents/shared/kube";
 * import { ApiKeyStore, createManager, generateApiKey } from "@kruise-agents/manager";
 * const kube = await EmbeddedStore.open();
 * const { key, record } = await generateApiKey({ team: "default" });
 * await using manager = await createManager({
 *   kube,
 *   keys: new ApiKeyStore([record]),
 *   domain: "localhost",
 * });
 * Deno.serve({ port: 3000 }, manager.api);
 * Deno.serve({ port: 3001 }, manager.proxy);
 * console.log(`export E2B_API_KEY=${key}`);
 * ```
 *
 * @module
 */
import type { InformerHealth, KubeClient } from "@kruise-agents/shared/kube";
import { ENVD_VERSION } from "@kruise-agents/shared/envd/http";
import { type Clock, consoleLogger, type Logger, systemClock } from "@kruise-agents/shared/std";
import type { ApiKeyStore } from "./auth/api_keys.ts";
import { createApp } from "./app.ts";
import { isDataPlaneRequest } from "./proxy/route.ts";
import { SandboxProxy } from "./proxy/sandbox_proxy.ts";
import { Claimer } from "./sandboxes/claim.ts";
import { Lifecycle } from "./sandboxes/lifecycle.ts";
import { MetricsHistory } from "./sandboxes/metrics_history.ts";
import { RuntimeClient } from "./sandboxes/runtime_client.ts";
import { SandboxTokens } from "./sandboxes/tokens.ts";
import { SandboxClient } from "./sandboxes/sandbox_client.ts";
import { VolumeResolver } from "./sandboxes/volumes.ts";
import { SandboxIndex } from "./sandboxes/sandbox_index.ts";
import { metricBody } from "./routes/views.ts";

export {
  ADMIN_TEAM,
  type ApiKeyRecord,
  ApiKeyStore,
  type Caller,
  generateApiKey,
  type GeneratedApiKey,
  hashApiKey,
  isApiKeyFormat,
  parseKeysFile,
} from "./auth/api_keys.ts";
export { type ManagerConfig, parseConfig, USAGE } from "./config.ts";
export { ApiError, type ErrorBody } from "./errors.ts";
// The seam's types `createManager` takes, re-exported so the public surface is self-contained.
export type * from "@kruise-agents/shared/kube/seam-types";

/** Dependencies of {@linkcode createManager}. */
export interface ManagerDeps {
  /** The Kubernetes seam (a real API server or the embedded store). */
  kube: KubeClient;
  /** API keys. */
  keys: ApiKeyStore;
  /** The key sandbox tokens are derived with: the controller's (`importTokenKey`). */
  tokenKey: CryptoKey;
  /** Data-plane domain returned to SDKs. */
  domain: string;
  /** Current time and timers (a test hook). @default {systemClock} */
  clock?: Clock | undefined;
  /** Fetch for runtime calls and the proxy (a test hook). @default {globalThis.fetch} */
  fetch?: typeof fetch | undefined;
  /** Largest timeout, seconds. @default {3600} */
  maxTimeoutSeconds?: number | undefined;
  /** envd version reported to SDKs. @default {ENVD_VERSION} */
  envdVersion?: string | undefined;
  /** How long pause waits for the sandbox to freeze, ms. @default {30000} */
  pauseWaitMs?: number | undefined;
  /** How long a paused sandbox is kept, seconds. @default {86400} */
  pausedTtlSeconds?: number | undefined;
  /** How long connect waits for a resumed sandbox, ms. @default {60000} */
  resumeWaitMs?: number | undefined;
  /** How long a cold create waits for readiness, ms. @default {120000} */
  coldStartTimeoutMs?: number | undefined;
  /** Where warnings and unexpected errors are logged. @default {consoleLogger} */
  logger?: Logger | undefined;
  /** Server-side timeout of each watch, in seconds (see the shared `Informer`). @default {300} */
  watchTimeoutSeconds?: number | undefined;
  /** Time between metrics samples of a watched sandbox, ms (`MetricsHistory`). @default {5000} */
  metricsIntervalMs?: number | undefined;
}

/** A running manager: its two fetch handlers. Dispose to stop its watches and streams. */
export interface Manager extends AsyncDisposable {
  /** The REST API; data-plane requests that reach it are proxied. */
  api: (request: Request) => Promise<Response>;
  /** The data-plane proxy. */
  proxy: (request: Request) => Promise<Response>;
}

/** A manager whose caches may still be filling; {@linkcode createManager} waits for them. */
export interface ManagerHandle extends Manager {
  /** Resolves once both caches hold their first list; serve the API only after. */
  readonly started: Promise<void>;
  /** How each cache's informer is doing (for `/metrics` and readiness). */
  health(): InformerHealth[];
}

/**
 * Builds the manager and starts filling its caches without waiting: a program serves its
 * readiness from {@linkcode ManagerHandle.health} while the informers ride out a busy API server,
 * and its API once {@linkcode ManagerHandle.started} resolves.
 */
export function launchManager(deps: ManagerDeps): ManagerHandle {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? consoleLogger;
  const index = new SandboxIndex(deps.kube, {
    logger,
    clock,
    watchTimeoutSeconds: deps.watchTimeoutSeconds,
  });
  const started = index.start();
  const tokens = new SandboxTokens(deps.tokenKey);
  const runtime = new RuntimeClient({ tokens, fetch: deps.fetch });
  const volumes = new VolumeResolver(deps.kube);
  const services = { sandboxes: new SandboxClient(deps.kube), index, runtime, volumes };
  const claimer = new Claimer(services, {
    clock,
    logger,
    coldStartTimeoutMs: deps.coldStartTimeoutMs,
    pausedTtlSeconds: deps.pausedTtlSeconds,
  });
  const lifecycle = new Lifecycle(services, {
    clock,
    pauseWaitMs: deps.pauseWaitMs,
    resumeWaitMs: deps.resumeWaitMs,
    pausedTtlSeconds: deps.pausedTtlSeconds,
  });
  const proxy = new SandboxProxy(index, {
    clock,
    fetch: deps.fetch,
    tokens,
    autoResume: (sandbox) => lifecycle.autoResume(sandbox),
  });
  const metrics = new MetricsHistory({
    sample: async (sandbox, signal) =>
      metricBody(await runtime.metrics(sandbox, signal), clock.now()),
    lookup: (id) => index.cached(id),
    clock,
    logger,
    intervalMs: deps.metricsIntervalMs,
  });
  const app = createApp({
    keys: deps.keys,
    index,
    claimer,
    lifecycle,
    metrics,
    tokens,
    view: { domain: deps.domain, envdVersion: deps.envdVersion ?? ENVD_VERSION },
    limits: { maxTimeoutSeconds: deps.maxTimeoutSeconds ?? 3600 },
    clock,
    logger,
  });
  return {
    started,
    health: () => index.health(),
    api: async (request) =>
      isDataPlaneRequest(request) ? await proxy.fetch(request) : await app.fetch(request),
    proxy: (request) => proxy.fetch(request),
    async [Symbol.asyncDispose]() {
      metrics[Symbol.dispose]();
      proxy[Symbol.dispose]();
      await index[Symbol.asyncDispose]();
    },
  };
}

/** Builds the manager and fills its caches (resolves once they are synced). */
export async function createManager(deps: ManagerDeps): Promise<ManagerHandle> {
  const manager = launchManager(deps);
  await manager.started;
  return manager;
}
