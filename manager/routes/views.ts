/**
 * E2B response bodies built from Sandbox and SandboxSet objects, with every field the Python
 * SDK's generated `from_dict` requires (§A.1): `Sandbox` (create/connect), `SandboxDetail`
 * (get), `ListedSandbox` (list), `SandboxMetric`, `Template` and `TemplateWithBuilds`. Field
 * names are E2B's wire names. A sandbox's `alias` is its template's first alias, recorded at
 * claim, as E2B answers a create by alias (`templateID` stays the SandboxSet's name). The routes
 * are its only users; the facts it reads off a Sandbox (IDs, start and end times, E2B state)
 * live in `sandboxes/state.ts`, where the domain code reads them too.
 *
 * @module
 */
import { lifecycleOf, type SandboxLifecycle } from "../sandboxes/auto_pause.ts";
import {
  ANNOTATION_RETURN_SANDBOX_IP,
  ANNOTATION_TEMPLATE_ALIASES,
  METADATA_SANDBOX_IP,
  parseQuantity,
  type PodTemplateSpec,
  type Sandbox,
  type SandboxSet,
} from "@kruise-agents/shared/api";
import type { EnvdMetrics } from "@kruise-agents/shared/envd/http";
import type { TokenPair } from "../sandboxes/tokens.ts";
import { readMetadata, readVolumeMounts, type VolumeMount } from "../sandboxes/metadata.ts";
import type { MetricSample } from "../sandboxes/metrics_history.ts";
import { type NetworkConfig, readNetworkSettings } from "../sandboxes/network_settings.ts";
import { e2bState, endAtMs, sandboxIdOf, startedAtMs, templateIdOf } from "../sandboxes/state.ts";
import { parseAliases, templateAliases } from "../sandboxes/template_choice.ts";

/** E2B's constant, deprecated `clientID`. */
export const CLIENT_ID = "6532622b";

/** What every view needs besides the object. */
export interface ViewContext {
  /** Data-plane domain returned to SDKs. */
  domain: string;
  /** envd version the runtimes implement. */
  envdVersion: string;
}

/** E2B `Sandbox` (create / connect / resume). */
export interface SandboxBody {
  /** Template ID. */
  templateID: string;
  /** Sandbox ID. */
  sandboxID: string;
  /** Constant. */
  clientID: string;
  /** envd version. */
  envdVersion: string;
  /** envd access token. */
  envdAccessToken?: string;
  /** Always null: no public-traffic token. */
  trafficAccessToken: string | null;
  /** Data-plane domain. */
  domain: string;
  /** Template alias. */
  alias?: string;
}

/** E2B `ListedSandbox`. */
export interface ListedSandboxBody {
  /** Template ID. */
  templateID: string;
  /** Template alias. */
  alias?: string;
  /** Sandbox ID. */
  sandboxID: string;
  /** Constant. */
  clientID: string;
  /** RFC 3339. */
  startedAt: string;
  /** RFC 3339. */
  endAt: string;
  /** CPUs. */
  cpuCount: number;
  /** Memory, MiB. */
  memoryMB: number;
  /** Disk, MiB. */
  diskSizeMB: number;
  /** User metadata. */
  metadata: Record<string, string>;
  /** `running` or `paused`. */
  state: "running" | "paused";
  /** envd version. */
  envdVersion: string;
  /** Volume mounts set at create. */
  volumeMounts: VolumeMount[];
}

/** E2B `SandboxDetail`. */
export interface SandboxDetailBody extends ListedSandboxBody {
  /** envd access token. */
  envdAccessToken?: string;
  /** Data-plane domain. */
  domain: string;
  /** What happens at `endAt`, as the create set it (`autoPause`, `autoResume`). */
  lifecycle: SandboxLifecycle;
  /** `allow_internet_access` as set at create; null when it was not set. */
  allowInternetAccess: boolean | null;
  /** `network` as set at create; `{}` when it was not set. */
  network: NetworkConfig;
}

/**
 * The names a sandbox's template answers to, recorded at claim (aliases first, its own name
 * last); just the template ID for sandboxes claimed before aliases were recorded.
 */
export function sandboxTemplateNames(sandbox: Sandbox): string[] {
  const id = templateIdOf(sandbox);
  const aliases = parseAliases(sandbox.metadata.annotations?.[ANNOTATION_TEMPLATE_ALIASES]);
  return aliases.includes(id) ? aliases : [...aliases, id];
}

/** E2B's `alias` of a sandbox: its template's first alias, as E2B's create answers it. */
export function aliasOf(sandbox: Sandbox): string {
  return sandboxTemplateNames(sandbox)[0] ?? templateIdOf(sandbox);
}

/**
 * The metadata reads report: the user's, plus `e2b.agents.kruise.io/sandbox-ip` (the sandbox's
 * address) when the create asked for it with `return-sandbox-ip`, as the reference does.
 */
export function reportedMetadata(sandbox: Sandbox): Record<string, string> {
  const metadata = readMetadata(sandbox);
  if (sandbox.metadata.annotations?.[ANNOTATION_RETURN_SANDBOX_IP] !== "true") return metadata;
  const ip = sandbox.status?.sandboxIp || sandbox.status?.podInfo?.podIP;
  return ip ? { ...metadata, [METADATA_SANDBOX_IP]: ip } : metadata;
}

/** `Sandbox` body for create and connect. */
export function sandboxBody(sandbox: Sandbox, ctx: ViewContext, tokens: TokenPair): SandboxBody {
  return {
    templateID: templateIdOf(sandbox),
    sandboxID: sandboxIdOf(sandbox),
    clientID: CLIENT_ID,
    envdVersion: ctx.envdVersion,
    envdAccessToken: tokens.envd,
    trafficAccessToken: tokens.traffic,
    domain: ctx.domain,
    alias: aliasOf(sandbox),
  };
}

/** `ListedSandbox` body (no access token, as in E2B). */
export function listedBody(sandbox: Sandbox, ctx: ViewContext, now: number): ListedSandboxBody {
  const resources = templateResources(sandbox.spec.template);
  return {
    templateID: templateIdOf(sandbox),
    alias: aliasOf(sandbox),
    sandboxID: sandboxIdOf(sandbox),
    clientID: CLIENT_ID,
    startedAt: new Date(startedAtMs(sandbox)).toISOString(),
    endAt: new Date(endAtMs(sandbox)).toISOString(),
    ...resources,
    metadata: reportedMetadata(sandbox),
    state: e2bState(sandbox, now) === "paused" ? "paused" : "running",
    envdVersion: ctx.envdVersion,
    volumeMounts: readVolumeMounts(sandbox),
  };
}

/**
 * `SandboxDetail` body: the listed fields plus the token, the domain, and the lifecycle,
 * `allowInternetAccess` and `network` as set at create (E2B's `toSandboxDetailLifecycle` and
 * `toSandboxDetailNetworkConfig`).
 */
export function detailBody(
  sandbox: Sandbox,
  ctx: ViewContext,
  now: number,
  tokens: TokenPair,
): SandboxDetailBody {
  const network = readNetworkSettings(sandbox);
  return {
    ...listedBody(sandbox, ctx, now),
    domain: ctx.domain,
    lifecycle: lifecycleOf(sandbox),
    allowInternetAccess: network.allowInternetAccess,
    network: network.network,
    envdAccessToken: tokens.envd,
  };
}

/** E2B `SandboxMetric` from envd's `/metrics`. */
export function metricBody(m: EnvdMetrics, now: number): MetricSample {
  const ts = m.ts ?? Math.floor(now / 1000);
  return {
    timestamp: new Date(ts * 1000).toISOString(),
    timestampUnix: ts,
    cpuCount: m.cpu_count ?? 0,
    cpuUsedPct: m.cpu_used_pct ?? 0,
    memUsed: m.mem_used ?? 0,
    memTotal: m.mem_total ?? 0,
    memCache: m.mem_cache ?? 0,
    diskUsed: m.disk_used ?? 0,
    diskTotal: m.disk_total ?? 0,
  };
}

/** A quantity of a template's resources, or NaN when absent or malformed. */
function quantity(value: unknown): number {
  if (typeof value !== "string" && typeof value !== "number") return NaN;
  try {
    return parseQuantity(value);
  } catch {
    return NaN;
  }
}

/** Defaults when the pod template sets no resources. */
const DEFAULT_RESOURCES = { cpuCount: 1, memoryMB: 512, diskSizeMB: 0 };

/** CPU, memory and disk of a pod template's main container: limits, else requests. */
export function templateResources(
  template: PodTemplateSpec | undefined,
): { cpuCount: number; memoryMB: number; diskSizeMB: number } {
  const c = template?.spec.containers[0] as
    | { resources?: { limits?: Record<string, unknown>; requests?: Record<string, unknown> } }
    | undefined;
  const pick = (name: string): number => {
    const v = quantity(c?.resources?.limits?.[name] ?? c?.resources?.requests?.[name]);
    return Number.isFinite(v) ? v : NaN;
  };
  const cpu = pick("cpu"), mem = pick("memory"), disk = pick("ephemeral-storage");
  return {
    cpuCount: Number.isNaN(cpu) ? DEFAULT_RESOURCES.cpuCount : Math.max(1, Math.ceil(cpu)),
    memoryMB: Number.isNaN(mem) ? DEFAULT_RESOURCES.memoryMB : Math.round(mem / 2 ** 20),
    diskSizeMB: Number.isNaN(disk) ? DEFAULT_RESOURCES.diskSizeMB : Math.round(disk / 2 ** 20),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NIL_UUID = "00000000-0000-0000-0000-000000000000";

/**
 * The build ID of a SandboxSet: its uid (a UUID, as E2B's build IDs are, which the Python SDK
 * parses as one). A SandboxSet has exactly one build: its current template.
 */
export function buildIdOf(set: SandboxSet): string {
  const uid = set.metadata.uid ?? "";
  return UUID.test(uid) ? uid.toLowerCase() : NIL_UUID;
}

/** SandboxSets in namespace order (the first one describes the template). */
function byNamespace(sets: readonly SandboxSet[]): SandboxSet[] {
  return [...sets].sort((a, b) =>
    (a.metadata.namespace ?? "") < (b.metadata.namespace ?? "") ? -1 : 1
  );
}

/**
 * E2B `Template` (list item) for a template = SandboxSets of one name. Resources come from the
 * first SandboxSet in namespace order; `aliases` (and `names`) are every name the template
 * answers to: its aliases, then its own name. `buildStatus` is `ready`: a SandboxSet being
 * deleted is not listed.
 */
export function templateBody(
  sets: readonly SandboxSet[],
  ctx: ViewContext,
): Record<string, unknown> {
  const sorted = byNamespace(sets);
  const first = sorted[0];
  const name = first?.metadata.name ?? "";
  const created = first?.metadata.creationTimestamp ?? new Date(0).toISOString();
  const aliases = [...new Set(sorted.flatMap((s) => templateAliases(s)))];
  return {
    templateID: name,
    buildID: first ? buildIdOf(first) : NIL_UUID,
    ...templateResources(first?.spec.template),
    public: false,
    aliases,
    names: aliases,
    createdAt: created,
    updatedAt: created,
    createdBy: null,
    lastSpawnedAt: null,
    spawnCount: 0,
    buildCount: 1,
    envdVersion: ctx.envdVersion,
    buildStatus: "ready",
  };
}

/**
 * E2B `TemplateWithBuilds` (`GET /templates/{templateID}`): the template and its one build, the
 * SandboxSet's current template.
 */
export function templateWithBuildsBody(
  sets: readonly SandboxSet[],
  ctx: ViewContext,
): Record<string, unknown> {
  const template = templateBody(sets, ctx);
  const first = byNamespace(sets)[0];
  return {
    ...template,
    builds: first
      ? [{
        buildID: buildIdOf(first),
        status: "ready",
        createdAt: template.createdAt,
        updatedAt: template.updatedAt,
        finishedAt: template.createdAt,
        cpuCount: template.cpuCount,
        memoryMB: template.memoryMB,
        diskSizeMB: template.diskSizeMB,
        envdVersion: ctx.envdVersion,
      }]
      : [],
  };
}
