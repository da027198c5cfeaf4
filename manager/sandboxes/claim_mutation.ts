/**
 * The pure halves of a claim: the object a warm Sandbox becomes when claimed, and the Sandbox a
 * cold create builds from a SandboxSet. Writing the result is one optimistically-locked
 * `update` (or one `create`), so the claim is atomic: either this write wins and the sandbox has
 * one owner, or it meets a 409 and nothing changed.
 *
 * @module
 */
import {
  ANNOTATION_CLAIM_TIMESTAMP,
  ANNOTATION_E2B_LIFECYCLE,
  ANNOTATION_E2B_NETWORK,
  ANNOTATION_IDEMPOTENCY,
  ANNOTATION_INIT_RUNTIME_REQUEST,
  ANNOTATION_LOCK,
  ANNOTATION_OWNER,
  ANNOTATION_POD_EGRESS,
  ANNOTATION_PUBLIC_TRAFFIC,
  ANNOTATION_SANDBOX_PRIORITY,
  ANNOTATION_TEMPLATE_ALIASES,
  ANNOTATION_UPDATED_METADATA_IN_CLAIM,
  API_VERSION,
  LABEL_IDEMPOTENCY_KEY,
  LABEL_SANDBOX_CLAIMED,
  LABEL_SANDBOX_ID,
  LABEL_SANDBOX_POOL,
  LABEL_SANDBOX_TEMPLATE,
  LABEL_TEMPLATE_HASH,
  METADATA_IMAGE,
  type PodEgress,
  type Sandbox,
  SANDBOX_KIND,
  type SandboxSet,
} from "@kruise-agents/shared/api";
import { ApiError } from "../errors.ts";
import { cpuAskOf, withCpu } from "./cpu_resize.ts";
import type { IdempotencyClaim } from "./idempotency.ts";
import type { MetadataPlan } from "./metadata.ts";
import { type NetworkSettings, networkSettingsAnnotation } from "./network_settings.ts";

/**
 * The `/init` request a claim late-binds into the runtime, stored for replays after resume. The
 * access token is not in it: the runtime has had it since birth, and it is derived, never stored.
 */
export interface InitRuntimeRequest {
  /** Global env vars of the sandbox. */
  envVars: Record<string, string>;
}

/** Everything a claim writes. */
export interface ClaimSpec {
  /** New E2B sandbox ID. */
  sandboxId: string;
  /** Template ID (the SandboxSet's name), as responses report it. */
  templateId: string;
  /** The template's aliases (its own name last), as `templateAliases()` lists them. */
  aliases: readonly string[];
  /** API key id of the owner. */
  owner: string;
  /** Claim lock UUID. */
  lock: string;
  /** User env vars (the E2B_* ones are added here). */
  envVars: Record<string, string>;
  /** Egress settings; the node turns them into firewall rules for the sandbox's pod. */
  egress?: PodEgress | undefined;
  /** `false`: ports other than envd's need the traffic access token. */
  allowPublicTraffic: boolean;
  /** The network settings as the create stated them, for `getInfo`. */
  network?: NetworkSettings | undefined;
  /** The create's `Idempotency-Key`, remembered for retries. */
  idempotency?: IdempotencyClaim | undefined;
  /** Claim time, ms. */
  now: number;
  /** Shutdown time, ms (`now + timeout`); absent for a never-timeout sandbox (none at all). */
  shutdownAt?: number | undefined;
  /** Pause time, ms, of an auto-pause sandbox (then `shutdownAt` is this plus the retention). */
  pauseAt?: number | undefined;
  /** The `e2b.agents.kruise.io/lifecycle` annotation of an auto-pause sandbox. */
  lifecycle?: string | undefined;
  /** Labels and annotations from the metadata. */
  metadata: MetadataPlan;
}

/** The user's env vars plus those E2B sets in every sandbox (E2B's win on a clash, as in E2B). */
export function sandboxEnvVars(spec: ClaimSpec): Record<string, string> {
  return {
    ...spec.envVars,
    E2B_SANDBOX: "true",
    E2B_SANDBOX_ID: spec.sandboxId,
    E2B_TEMPLATE_ID: spec.templateId,
  };
}

/**
 * The claimed form of `sandbox`: labels `sandbox-claimed=true` and `sandbox-id` (and the
 * idempotency label of a keyed create); annotations lock, owner, claim timestamp, `/init`
 * request, the user's metadata, the template's aliases, and what the create asked of the network;
 * ownerReferences emptied (the SandboxSet lets go, so its pool replenishes); shutdown time set
 * (or removed, for a never-timeout sandbox).
 * `metadata.resourceVersion` is kept, which is what makes the update optimistic.
 */
export function claimedSandbox(sandbox: Sandbox, spec: ClaimSpec): Sandbox {
  const init: InitRuntimeRequest = { envVars: sandboxEnvVars(spec) };
  const network = spec.network ? networkSettingsAnnotation(spec.network) : undefined;
  return {
    ...sandbox,
    metadata: {
      ...sandbox.metadata,
      labels: {
        ...sandbox.metadata.labels,
        ...spec.metadata.labels,
        [LABEL_SANDBOX_CLAIMED]: "true",
        [LABEL_SANDBOX_ID]: spec.sandboxId,
        ...(spec.idempotency ? { [LABEL_IDEMPOTENCY_KEY]: spec.idempotency.label } : {}),
      },
      annotations: {
        ...sandbox.metadata.annotations,
        ...spec.metadata.annotations,
        [ANNOTATION_LOCK]: spec.lock,
        [ANNOTATION_OWNER]: spec.owner,
        [ANNOTATION_CLAIM_TIMESTAMP]: new Date(spec.now).toISOString(),
        [ANNOTATION_INIT_RUNTIME_REQUEST]: JSON.stringify(init),
        [ANNOTATION_UPDATED_METADATA_IN_CLAIM]: spec.metadata.claimedKeys,
        [ANNOTATION_TEMPLATE_ALIASES]: spec.aliases.join(","),
        ...(spec.egress ? { [ANNOTATION_POD_EGRESS]: JSON.stringify(spec.egress) } : {}),
        ...(spec.allowPublicTraffic ? {} : { [ANNOTATION_PUBLIC_TRAFFIC]: "false" }),
        ...(network ? { [ANNOTATION_E2B_NETWORK]: network } : {}),
        ...(spec.lifecycle ? { [ANNOTATION_E2B_LIFECYCLE]: spec.lifecycle } : {}),
        ...(spec.idempotency
          ? { [ANNOTATION_IDEMPOTENCY]: JSON.stringify(spec.idempotency.record) }
          : {}),
      },
      ownerReferences: [],
    },
    spec: withDeadlines(
      withCpu(
        withImage(sandbox.spec, spec.metadata.annotations[METADATA_IMAGE]),
        cpuAskOf(spec.metadata.annotations),
      ),
      spec.shutdownAt,
      spec.pauseAt,
    ),
  };
}

/**
 * `spec` whose main container (the template's first) runs `image`: the in-place upgrade the
 * create's `e2b.agents.kruise.io/image` asks for, which the controller then applies to the
 * running Pod. A Sandbox with no inline template cannot be upgraded: 400.
 */
function withImage(spec: Sandbox["spec"], image: string | undefined): Sandbox["spec"] {
  if (image === undefined) return spec;
  const template = spec.template;
  const main = template?.spec.containers[0];
  if (template === undefined || main === undefined) {
    throw new ApiError(
      400,
      `Cannot create sandbox: metadata "${METADATA_IMAGE}" needs a template with an inline pod spec`,
    );
  }
  if (main.image === image) return spec;
  const containers = [{ ...main, image }, ...template.spec.containers.slice(1)];
  return { ...spec, template: { ...template, spec: { ...template.spec, containers } } };
}

/** `spec` with `shutdownTime` and `pauseTime` at the given times (ms), each removed if absent. */
function withDeadlines(
  spec: Sandbox["spec"],
  shutdownAt: number | undefined,
  pauseAt: number | undefined,
): Sandbox["spec"] {
  const { shutdownTime: _, pauseTime: __, ...rest } = spec;
  return {
    ...rest,
    ...(shutdownAt === undefined ? {} : { shutdownTime: new Date(shutdownAt).toISOString() }),
    ...(pauseAt === undefined ? {} : { pauseTime: new Date(pauseAt).toISOString() }),
  };
}

/**
 * A Sandbox built from `set`'s template for a create that found no stock, already in its
 * claimed form (claimed label, so the pool never counts or adopts it; no ownerReference). It
 * carries the pool and template labels and the revision it was built from, and the reference's
 * manager-created priority.
 */
export function coldSandbox(set: SandboxSet, spec: ClaimSpec): Sandbox {
  const name = set.metadata.name ?? "";
  const labels: Record<string, string> = {
    [LABEL_SANDBOX_POOL]: name,
    [LABEL_SANDBOX_TEMPLATE]: name,
    [LABEL_SANDBOX_CLAIMED]: "false",
  };
  if (set.status?.updateRevision) labels[LABEL_TEMPLATE_HASH] = set.status.updateRevision;
  const base: Sandbox = {
    apiVersion: API_VERSION,
    kind: SANDBOX_KIND,
    metadata: {
      generateName: `${name}-`,
      namespace: set.metadata.namespace ?? "default",
      labels,
      annotations: { [ANNOTATION_SANDBOX_PRIORITY]: "100" },
    },
    spec: {},
  };
  const s = set.spec;
  if (s.template) base.spec.template = structuredClone(s.template);
  if (s.templateRef) base.spec.templateRef = { ...s.templateRef };
  if (s.volumeClaimTemplates) {
    base.spec.volumeClaimTemplates = structuredClone(s.volumeClaimTemplates);
  }
  if (s.pauseStrategy) base.spec.pauseStrategy = { ...s.pauseStrategy };
  if (s.persistentContents) base.spec.persistentContents = [...s.persistentContents];
  if (s.runtimes) base.spec.runtimes = s.runtimes.map((r) => ({ ...r }));
  const claimed = claimedSandbox(base, spec);
  delete claimed.metadata.ownerReferences;
  return claimed;
}

/** Parses the stored `/init` request of a claimed Sandbox, if any. */
export function storedInitRequest(sandbox: Sandbox): InitRuntimeRequest | undefined {
  const raw = sandbox.metadata.annotations?.[ANNOTATION_INIT_RUNTIME_REQUEST];
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<InitRuntimeRequest>;
    if (typeof v.envVars !== "object" || !v.envVars) return undefined;
    return { envVars: v.envVars };
  } catch {
    return undefined;
  }
}
