/**
 * Every label, annotation, finalizer and E2B metadata key of OpenKruise Agents, spelt exactly as
 * the reference spells them, in one place. Objects written by either system must mean the same
 * thing to both, so no other file may spell a key as a string literal.
 *
 * Naming: `LABEL_*` for labels, `ANNOTATION_*` for annotations, `FINALIZER_*` for finalizers and
 * `METADATA_*` for keys of the E2B create request's `metadata` map. A key used both as a label and
 * as an annotation has one constant of each name, with the same value.
 *
 * @module
 */

// ---- prefixes --------------------------------------------------------------------------------

/**
 * Prefix of the internal keys; reserved: user metadata and labels may not use it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LABEL_SANDBOX_POOL, PREFIX_AGENTS } from "@kruise-agents/shared/api";
 * assert.ok(LABEL_SANDBOX_POOL.startsWith(PREFIX_AGENTS));
 * ```
 */
export const PREFIX_AGENTS = "agents.kruise.io/";
/**
 * Prefix of the E2B extension keys; reserved: user metadata and labels may not use it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ANNOTATION_E2B_METADATA, PREFIX_E2B } from "@kruise-agents/shared/api";
 * assert.ok(ANNOTATION_E2B_METADATA.startsWith(PREFIX_E2B));
 * ```
 */
export const PREFIX_E2B = "e2b.agents.kruise.io/";
/**
 * Prefix of the Sandbox hash annotations.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ANNOTATION_HASH_IMMUTABLE_PART, PREFIX_SANDBOX } from "@kruise-agents/shared/api";
 * assert.ok(ANNOTATION_HASH_IMMUTABLE_PART.startsWith(PREFIX_SANDBOX));
 * ```
 */
export const PREFIX_SANDBOX = "sandbox.agents.kruise.io/";
/**
 * Prefix of the traffic-security keys.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ANNOTATION_AGENT_NAME, PREFIX_SECURITY } from "@kruise-agents/shared/api";
 * assert.ok(ANNOTATION_AGENT_NAME.startsWith(PREFIX_SECURITY));
 * ```
 */
export const PREFIX_SECURITY = "security.agents.kruise.io/";
/**
 * The prefixes no user-supplied label or metadata key may start with.
 *
 * @example
 * ```ts
 * import { RESERVED_PREFIXES } from "@kruise-agents/shared/api";
 * const userKeys = ["team", "e2b.agents.kruise.io/image"].filter(
 *   (key) => !RESERVED_PREFIXES.some((prefix) => key.startsWith(prefix)),
 * );
 * ```
 */
export const RESERVED_PREFIXES: readonly string[] = [PREFIX_AGENTS, PREFIX_E2B];
/**
 * E2B metadata keys with this prefix become labels (the rest of the key is the label key) on the
 * Sandbox and its pod template instead of annotations.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { METADATA_LABEL_PREFIX } from "@kruise-agents/shared/api";
 * const key = "label:team";
 * assert.equal(key.slice(METADATA_LABEL_PREFIX.length), "team"); // becomes label `team`
 * ```
 */
export const METADATA_LABEL_PREFIX = "label:";

/**
 * Whether `key` uses a reserved prefix. The manager rejects such keys in user metadata and
 * strips them from the metadata it returns, so internal state is neither forged nor leaked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isReservedKey } from "@kruise-agents/shared/api";
 * assert.ok(isReservedKey("agents.kruise.io/lock"));
 * assert.ok(!isReservedKey("team"));
 * ```
 */
export function isReservedKey(key: string): boolean {
  return RESERVED_PREFIXES.some((prefix) => key.startsWith(prefix));
}

// ---- labels (reference §2.9) -----------------------------------------------------------------

/**
 * Name of the SandboxSet a pool Sandbox was created by; the pool's selector uses it.
 *
 * @example
 * ```ts
 * import { LABEL_SANDBOX_POOL } from "@kruise-agents/shared/api";
 * const selector = `${LABEL_SANDBOX_POOL}=python`; // the pool's Sandboxes
 * ```
 */
export const LABEL_SANDBOX_POOL = "agents.kruise.io/sandbox-pool";
/**
 * Template name (SandboxSet or templateRef name) of a Sandbox; the E2B `templateID`.
 *
 * @example
 * ```ts
 * import { LABEL_SANDBOX_TEMPLATE } from "@kruise-agents/shared/api";
 * const selector = `${LABEL_SANDBOX_TEMPLATE}=python`; // sandboxes of E2B template python
 * ```
 */
export const LABEL_SANDBOX_TEMPLATE = "agents.kruise.io/sandbox-template";
/**
 * `"true"` once a Sandbox has been claimed from its pool, `"false"` while it waits.
 *
 * @example
 * ```ts
 * import { LABEL_SANDBOX_CLAIMED, LABEL_SANDBOX_POOL } from "@kruise-agents/shared/api";
 * const unused = `${LABEL_SANDBOX_POOL}=python,${LABEL_SANDBOX_CLAIMED}=false`;
 * ```
 */
export const LABEL_SANDBOX_CLAIMED = "agents.kruise.io/sandbox-claimed";
/**
 * Name of the SandboxClaim that claimed a Sandbox.
 *
 * @example
 * ```ts
 * import { LABEL_CLAIM_NAME } from "@kruise-agents/shared/api";
 * const selector = `${LABEL_CLAIM_NAME}=my-claim`;
 * ```
 */
export const LABEL_CLAIM_NAME = "agents.kruise.io/claim-name";
/**
 * Revision (the SandboxSet's `status.updateRevision`) a pool Sandbox was created from.
 *
 * @example
 * ```ts
 * import { LABEL_SANDBOX_POOL, LABEL_TEMPLATE_HASH } from "@kruise-agents/shared/api";
 * const outdated = `${LABEL_SANDBOX_POOL}=python,${LABEL_TEMPLATE_HASH}!=7c9d5f`;
 * ```
 */
export const LABEL_TEMPLATE_HASH = "agents.kruise.io/template-hash";
/**
 * Marks a Sandbox whose claim failed and which is kept for debugging; hidden from E2B reads.
 *
 * @example
 * ```ts
 * import { LABEL_RESERVED_FAILED_SANDBOX } from "@kruise-agents/shared/api";
 * // an equality-based selector "key absent": the Sandboxes E2B reads may list
 * const visibleToE2B = `!${LABEL_RESERVED_FAILED_SANDBOX}`;
 * ```
 */
export const LABEL_RESERVED_FAILED_SANDBOX = "agents.kruise.io/reserved-failed-sandbox";
/**
 * Name of the Sandbox, on its Pod, for network and security policies.
 *
 * @example
 * ```ts
 * import { LABEL_SANDBOX_NAME, type ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = { labels: { [LABEL_SANDBOX_NAME]: "python-x7k2p" } };
 * ```
 */
export const LABEL_SANDBOX_NAME = "agents.kruise.io/sandbox-name";
/**
 * `"false"` asks the cluster's GlobalTrafficPolicy to cut internet access; default `"true"`.
 *
 * @example
 * ```ts
 * import { LABEL_ALLOW_INTERNET_ACCESS, type ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = { labels: { [LABEL_ALLOW_INTERNET_ACCESS]: "false" } };
 * ```
 */
export const LABEL_ALLOW_INTERNET_ACCESS = "agents.kruise.io/allow-internet-access";
/**
 * Short sandbox ID, when short IDs are enabled.
 *
 * @example
 * ```ts
 * import { LABEL_SANDBOX_ID } from "@kruise-agents/shared/api";
 * const selector = `${LABEL_SANDBOX_ID}=i7k2p`; // the sandbox of a short ID
 * ```
 */
export const LABEL_SANDBOX_ID = "agents.kruise.io/sandbox-id";
/**
 * Name of the SandboxUpdateOps upgrading a Sandbox.
 *
 * @example
 * ```ts
 * import { LABEL_UPDATE_OPS } from "@kruise-agents/shared/api";
 * const selector = `${LABEL_UPDATE_OPS}=upgrade-2026-11`;
 * ```
 */
export const LABEL_UPDATE_OPS = "agents.kruise.io/update-ops";
/**
 * Marks a Sandbox whose SandboxUpdateOps upgrade failed.
 *
 * @example
 * ```ts
 * import { LABEL_UPGRADE_FAILED, type Sandbox } from "@kruise-agents/shared/api";
 * function upgradeFailed(sandbox: Sandbox): boolean {
 *   return sandbox.metadata.labels?.[LABEL_UPGRADE_FAILED] !== undefined;
 * }
 * ```
 */
export const LABEL_UPGRADE_FAILED = "agents.kruise.io/upgrade-failed";
/**
 * Revision of the pod template, on a Sandbox's Pod.
 *
 * @example
 * ```ts
 * import { LABEL_POD_TEMPLATE_HASH, type ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = { labels: { [LABEL_POD_TEMPLATE_HASH]: "7c9d5f" } };
 * ```
 */
export const LABEL_POD_TEMPLATE_HASH = "pod-template-hash";
/**
 * `sandbox` on Pods created for a Sandbox (label and annotation); informers filter on it.
 *
 * @example
 * ```ts
 * import { CREATED_BY_SANDBOX, LABEL_CREATED_BY } from "@kruise-agents/shared/api";
 * const sandboxPods = `${LABEL_CREATED_BY}=${CREATED_BY_SANDBOX}`;
 * ```
 */
export const LABEL_CREATED_BY = "agents.kruise.io/created-by";
/**
 * The value of {@linkcode LABEL_CREATED_BY} on Sandbox Pods.
 *
 * @example
 * ```ts
 * import { CREATED_BY_SANDBOX, LABEL_CREATED_BY } from "@kruise-agents/shared/api";
 * import type { ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = { labels: { [LABEL_CREATED_BY]: CREATED_BY_SANDBOX } };
 * ```
 */
export const CREATED_BY_SANDBOX = "sandbox";
/**
 * UUID of the API key that owns a claimed Sandbox, copied onto its Pod as a label.
 *
 * @example
 * ```ts
 * import { LABEL_OWNER } from "@kruise-agents/shared/api";
 * const selector = `${LABEL_OWNER}=${crypto.randomUUID()}`; // pods of one API key
 * ```
 */
export const LABEL_OWNER = "agents.kruise.io/owner";
/**
 * Hex digest (40 characters) of the team and `Idempotency-Key` of the create that claimed a
 * Sandbox, so that any replica finds the sandbox a retry asks for with one label selector (the key
 * itself may not fit a label value; it is in {@linkcode ANNOTATION_IDEMPOTENCY}).
 *
 * @example
 * ```ts
 * import { LABEL_IDEMPOTENCY_KEY } from "@kruise-agents/shared/api";
 * const selector = `${LABEL_IDEMPOTENCY_KEY}=${"0".repeat(40)}`; // a hex digest
 * ```
 */
export const LABEL_IDEMPOTENCY_KEY = "e2b.agents.kruise.io/idempotency-key";

// ---- annotations (reference §2.10) -----------------------------------------------------------

/**
 * Claim lock: a UUID written in the same optimistic update that claims or scales down.
 *
 * @example
 * ```ts
 * import { ANNOTATION_LOCK, type ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = { annotations: { [ANNOTATION_LOCK]: crypto.randomUUID() } };
 * ```
 */
export const ANNOTATION_LOCK = "agents.kruise.io/lock";
/**
 * Owner of a claimed Sandbox: an API key UUID, or {@linkcode OWNER_MANAGER_SCALE_DOWN}.
 *
 * @example
 * ```ts
 * import { ANNOTATION_OWNER, type ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = { annotations: { [ANNOTATION_OWNER]: crypto.randomUUID() } };
 * // the API key UUID that claimed it
 * ```
 */
export const ANNOTATION_OWNER = "agents.kruise.io/owner";
/**
 * Owner value the SandboxSet controller writes when it locks a Sandbox to scale down.
 *
 * @example
 * ```ts
 * import { ANNOTATION_OWNER, OWNER_MANAGER_SCALE_DOWN } from "@kruise-agents/shared/api";
 * import type { ObjectMeta } from "@kruise-agents/shared/api";
 * const locked: ObjectMeta = { annotations: { [ANNOTATION_OWNER]: OWNER_MANAGER_SCALE_DOWN } };
 * ```
 */
export const OWNER_MANAGER_SCALE_DOWN = "__manager_scale_down";
/**
 * RFC 3339 time the Sandbox was claimed (E2B `startedAt`).
 *
 * @example
 * ```ts
 * import { ANNOTATION_CLAIM_TIMESTAMP, type ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = {
 *   annotations: { [ANNOTATION_CLAIM_TIMESTAMP]: new Date().toISOString() },
 * };
 * ```
 */
export const ANNOTATION_CLAIM_TIMESTAMP = "agents.kruise.io/claim-timestamp";
/**
 * Checkpoint a Sandbox is restored (cloned) from.
 *
 * @example
 * ```ts
 * import { ANNOTATION_RESTORE_FROM, type ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = { annotations: { [ANNOTATION_RESTORE_FROM]: "checkpoint-1" } };
 * ```
 */
export const ANNOTATION_RESTORE_FROM = "agents.kruise.io/restore-from";
/**
 * JSON `{envVars, accessToken}` sent to the runtime's `/init`; replayed after resume.
 *
 * @example
 * ```ts
 * import { ANNOTATION_INIT_RUNTIME_REQUEST, type ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = {
 *   annotations: { [ANNOTATION_INIT_RUNTIME_REQUEST]: JSON.stringify({ envVars: { A: "1" } }) },
 * };
 * ```
 */
export const ANNOTATION_INIT_RUNTIME_REQUEST = "agents.kruise.io/init-runtime-request";
/**
 * Short sandbox ID (annotation form, on Checkpoints and TrafficPolicies).
 *
 * @example
 * ```ts
 * import { ANNOTATION_SANDBOX_ID, type ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = { annotations: { [ANNOTATION_SANDBOX_ID]: "i7k2p" } };
 * ```
 */
export const ANNOTATION_SANDBOX_ID = "agents.kruise.io/sandbox-id";
/**
 * Memberlist address of a manager or gateway peer.
 *
 * @example
 * ```ts
 * import { ANNOTATION_MEMBERLIST_URL, type ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = { annotations: { [ANNOTATION_MEMBERLIST_URL]: "10.0.0.9:7946" } };
 * ```
 */
export const ANNOTATION_MEMBERLIST_URL = "agents.kruise.io/memberlist-url";
/**
 * `"true"`: killing the Sandbox recycles it into its pool instead of deleting it.
 *
 * @example
 * ```ts
 * import { ANNOTATION_CLEANUP_ENABLED, type ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = { annotations: { [ANNOTATION_CLEANUP_ENABLED]: "true" } };
 * // kill recycles into the pool
 * ```
 */
export const ANNOTATION_CLEANUP_ENABLED = "agents.kruise.io/cleanup-enabled";
/**
 * `"true"`: the Sandbox was killed and is to be recycled.
 *
 * @example
 * ```ts
 * import { ANNOTATION_CLEANUP, type ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = { annotations: { [ANNOTATION_CLEANUP]: "true" } };
 * ```
 */
export const ANNOTATION_CLEANUP = "agents.kruise.io/cleanup";
/**
 * How long a Sandbox whose recycling failed is kept before deletion.
 *
 * @example
 * ```ts
 * import { ANNOTATION_CLEANUP_RETAIN_ON_FAILURE } from "@kruise-agents/shared/api";
 * const annotations = { [ANNOTATION_CLEANUP_RETAIN_ON_FAILURE]: "1h" };
 * ```
 */
export const ANNOTATION_CLEANUP_RETAIN_ON_FAILURE = "agents.kruise.io/cleanup-retain-on-failure";
/**
 * JSON `{labels: [], annotations: []}`: keys the claim added, removed again on recycle.
 *
 * @example
 * ```ts
 * import { ANNOTATION_UPDATED_METADATA_IN_CLAIM } from "@kruise-agents/shared/api";
 * const added = JSON.stringify({ labels: ["team"], annotations: [] });
 * const annotations = { [ANNOTATION_UPDATED_METADATA_IN_CLAIM]: added };
 * ```
 */
export const ANNOTATION_UPDATED_METADATA_IN_CLAIM = "agents.kruise.io/updated-metadata-in-claim";
/**
 * URL of the in-sandbox runtime, overriding `http://{podIP}:49983`.
 *
 * @example
 * ```ts
 * import { ANNOTATION_RUNTIME_URL, type Sandbox } from "@kruise-agents/shared/api";
 * function runtimeUrl(sandbox: Sandbox): string {
 *   const ip = sandbox.status?.sandboxIp;
 *   return sandbox.metadata.annotations?.[ANNOTATION_RUNTIME_URL] ?? `http://${ip}:49983`;
 * }
 * ```
 */
export const ANNOTATION_RUNTIME_URL = "agents.kruise.io/runtime-url";
/**
 * Access token of the in-sandbox runtime (plaintext in the reference). Not written here: tokens
 * are derived (see `sandbox_token.ts`), never stored in an object.
 *
 * @example
 * ```ts
 * import { ANNOTATION_RUNTIME_ACCESS_TOKEN, type Sandbox } from "@kruise-agents/shared/api";
 * // read only, to recognise the reference's objects; tokens here are derived
 * function hasStoredToken(sandbox: Sandbox): boolean {
 *   return sandbox.metadata.annotations?.[ANNOTATION_RUNTIME_ACCESS_TOKEN] !== undefined;
 * }
 * ```
 */
export const ANNOTATION_RUNTIME_ACCESS_TOKEN = "agents.kruise.io/runtime-access-token";
/**
 * `"false"` on a Sandbox whose create asked for no public traffic (E2B's
 * `network.allowPublicTraffic`): the proxy then requires the traffic access token on every port
 * but envd's.
 *
 * @example
 * ```ts
 * import { ANNOTATION_PUBLIC_TRAFFIC, type Sandbox } from "@kruise-agents/shared/api";
 * function needsTrafficToken(sandbox: Sandbox): boolean {
 *   return sandbox.metadata.annotations?.[ANNOTATION_PUBLIC_TRAFFIC] === "false";
 * }
 * ```
 */
export const ANNOTATION_PUBLIC_TRAFFIC = "agents.kruise.io/public-traffic";
/**
 * TLS port of the in-sandbox runtime.
 *
 * @example
 * ```ts
 * import { ANNOTATION_RUNTIME_TLS_PORT, type ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = { annotations: { [ANNOTATION_RUNTIME_TLS_PORT]: "49984" } };
 * ```
 */
export const ANNOTATION_RUNTIME_TLS_PORT = "agents.kruise.io/runtime-tls-port";
/**
 * How long a paused Sandbox lives: `forever` or a Go duration.
 *
 * @example
 * ```ts
 * import { ANNOTATION_RESERVE_PAUSED_SANDBOX_DURATION } from "@kruise-agents/shared/api";
 * const annotations = { [ANNOTATION_RESERVE_PAUSED_SANDBOX_DURATION]: "72h" };
 * ```
 */
export const ANNOTATION_RESERVE_PAUSED_SANDBOX_DURATION =
  "agents.kruise.io/reserve-paused-sandbox-duration";
/**
 * Marks a materialised SandboxTemplate beyond the history limit.
 *
 * @example
 * ```ts
 * import { ANNOTATION_CLEANUP_CANDIDATE, type ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = { annotations: { [ANNOTATION_CLEANUP_CANDIDATE]: "true" } };
 * ```
 */
export const ANNOTATION_CLEANUP_CANDIDATE = "agents.kruise.io/cleanup-candidate";
/**
 * Integer priority for pod creation; manager-created Sandboxes use `100`.
 *
 * @example
 * ```ts
 * import { ANNOTATION_SANDBOX_PRIORITY, type ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = { annotations: { [ANNOTATION_SANDBOX_PRIORITY]: "100" } };
 * // manager-created
 * ```
 */
export const ANNOTATION_SANDBOX_PRIORITY = "agents.kruise.io/sandbox-priority";
/**
 * `"true"` asks the controller to resume a paused Sandbox before an upgrade.
 *
 * @example
 * ```ts
 * import { ANNOTATION_UPGRADE_RESUME_TRIGGER, type ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = { annotations: { [ANNOTATION_UPGRADE_RESUME_TRIGGER]: "true" } };
 * ```
 */
export const ANNOTATION_UPGRADE_RESUME_TRIGGER = "agents.kruise.io/upgrade-resume-trigger";
/**
 * State of an in-place image or resource update, on the Pod.
 *
 * @example
 * ```ts
 * import { ANNOTATION_INPLACE_UPDATE_STATE, type Pod } from "@kruise-agents/shared/api";
 * function inPlaceState(pod: Pod): unknown {
 *   const text = pod.metadata.annotations?.[ANNOTATION_INPLACE_UPDATE_STATE];
 *   return text === undefined ? undefined : JSON.parse(text);
 * }
 * ```
 */
export const ANNOTATION_INPLACE_UPDATE_STATE = "agents.kruise.io/inplace-update-state";
/**
 * Mode of a Commit (container to image).
 *
 * @example
 * ```ts
 * import { ANNOTATION_COMMIT_MODE, type ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = { annotations: { [ANNOTATION_COMMIT_MODE]: "Pause" } };
 * ```
 */
export const ANNOTATION_COMMIT_MODE = "agents.kruise.io/commit-mode";
/**
 * `sandbox` on Pods created for a Sandbox (annotation form of {@linkcode LABEL_CREATED_BY}).
 *
 * @example
 * ```ts
 * import { ANNOTATION_CREATED_BY, CREATED_BY_SANDBOX } from "@kruise-agents/shared/api";
 * import type { ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = { annotations: { [ANNOTATION_CREATED_BY]: CREATED_BY_SANDBOX } };
 * ```
 */
export const ANNOTATION_CREATED_BY = "agents.kruise.io/created-by";
/**
 * Template hash without image, resources and metadata: what an in-place update may not change.
 *
 * @example
 * ```ts
 * import { ANNOTATION_HASH_IMMUTABLE_PART, type Sandbox } from "@kruise-agents/shared/api";
 * function sameImmutablePart(a: Sandbox, b: Sandbox): boolean {
 *   const hash = (s: Sandbox) => s.metadata.annotations?.[ANNOTATION_HASH_IMMUTABLE_PART];
 *   return hash(a) === hash(b);
 * }
 * ```
 */
export const ANNOTATION_HASH_IMMUTABLE_PART = "sandbox.agents.kruise.io/hash-immutable-part";
/**
 * Deprecated name of {@linkcode ANNOTATION_HASH_IMMUTABLE_PART}; still read.
 *
 * @example
 * ```ts
 * import { ANNOTATION_HASH_IMMUTABLE_PART } from "@kruise-agents/shared/api";
 * import { ANNOTATION_HASH_WITHOUT_IMAGE_RESOURCES } from "@kruise-agents/shared/api";
 * function immutableHash(annotations: Record<string, string>): string | undefined {
 *   return annotations[ANNOTATION_HASH_IMMUTABLE_PART] ??
 *     annotations[ANNOTATION_HASH_WITHOUT_IMAGE_RESOURCES];
 * }
 * ```
 */
export const ANNOTATION_HASH_WITHOUT_IMAGE_RESOURCES =
  "sandbox.agents.kruise.io/hash-without-image-resources";
/**
 * Legacy envd access token.
 *
 * @example
 * ```ts
 * import { ANNOTATION_ENVD_ACCESS_TOKEN, type Sandbox } from "@kruise-agents/shared/api";
 * function legacyToken(sandbox: Sandbox): string | undefined {
 *   return sandbox.metadata.annotations?.[ANNOTATION_ENVD_ACCESS_TOKEN];
 * }
 * ```
 */
export const ANNOTATION_ENVD_ACCESS_TOKEN = "e2b.agents.kruise.io/envd-access-token";
/**
 * Legacy envd URL.
 *
 * @example
 * ```ts
 * import { ANNOTATION_ENVD_URL, type Sandbox } from "@kruise-agents/shared/api";
 * function legacyEnvdUrl(sandbox: Sandbox): string | undefined {
 *   return sandbox.metadata.annotations?.[ANNOTATION_ENVD_URL];
 * }
 * ```
 */
export const ANNOTATION_ENVD_URL = "e2b.agents.kruise.io/envd-url";
/**
 * JSON list of CSIMountConfig, persisted so mounts are redone after resume or recreate.
 *
 * @example
 * ```ts
 * import { ANNOTATION_CSI_VOLUME_CONFIG } from "@kruise-agents/shared/api";
 * const mounts = [{ pvName: "data", mountPath: "/data" }];
 * const annotations = { [ANNOTATION_CSI_VOLUME_CONFIG]: JSON.stringify(mounts) };
 * ```
 */
export const ANNOTATION_CSI_VOLUME_CONFIG = "e2b.agents.kruise.io/csi-volume-config";
/**
 * `"true"`: E2B responses include the sandbox IP.
 *
 * @example
 * ```ts
 * import { ANNOTATION_RETURN_SANDBOX_IP, type ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = { annotations: { [ANNOTATION_RETURN_SANDBOX_IP]: "true" } };
 * ```
 */
export const ANNOTATION_RETURN_SANDBOX_IP = "e2b.agents.kruise.io/return-sandbox-ip";
/**
 * `"true"` on a SandboxSet: the runtime is initialised at claim (reference example).
 *
 * @example
 * ```ts
 * import { ANNOTATION_SHOULD_INIT_ENVD, type ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = { annotations: { [ANNOTATION_SHOULD_INIT_ENVD]: "true" } };
 * // on a SandboxSet
 * ```
 */
export const ANNOTATION_SHOULD_INIT_ENVD = "e2b.agents.kruise.io/should-init-envd";
/**
 * Comma-separated E2B aliases of a template (this project's key, beyond the reference). On a
 * SandboxSet: further names its template answers to, so the SDKs' default names resolve to it
 * (the code-interpreter SDKs create `code-interpreter-v1`): `code-interpreter-v1,ci`. Each alias
 * is E2B's template-name shape (`[a-z0-9_-]+`, lowercased); malformed entries are ignored. The
 * first alias is the one E2B bodies report as `alias`. On a claimed Sandbox: the aliases its
 * template had when it was claimed, so bodies and list filters do not depend on the SandboxSet
 * still existing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ANNOTATION_TEMPLATE_ALIASES } from "@kruise-agents/shared/api";
 * const annotations = { [ANNOTATION_TEMPLATE_ALIASES]: "code-interpreter-v1,ci" };
 * assert.equal(annotations[ANNOTATION_TEMPLATE_ALIASES].split(",")[0], "code-interpreter-v1");
 * ```
 */
export const ANNOTATION_TEMPLATE_ALIASES = "e2b.agents.kruise.io/aliases";
/**
 * The user metadata of a claimed Sandbox, verbatim, as one JSON object of strings. E2B metadata is
 * free-form (keys with spaces or dots, long values), which label and annotation keys cannot hold;
 * one annotation holds any of it, so nothing a create sent is lost or renamed.
 *
 * @example
 * ```ts
 * import { ANNOTATION_E2B_METADATA, type Sandbox } from "@kruise-agents/shared/api";
 * function userMetadata(sandbox: Sandbox): Record<string, string> {
 *   return JSON.parse(sandbox.metadata.annotations?.[ANNOTATION_E2B_METADATA] ?? "{}");
 * }
 * ```
 */
export const ANNOTATION_E2B_METADATA = "e2b.agents.kruise.io/metadata";
/**
 * JSON of the network settings a create asked for, as E2B's `SandboxDetail` reports them:
 * `{allowInternetAccess?, network?: {allowOut?, denyOut?, allowPublicTraffic?}}`, each field
 * present only when the create set it (E2B reports an unset `allowInternetAccess` as null). The
 * rules in force are {@linkcode ANNOTATION_PUBLIC_TRAFFIC} and the pod's egress annotation.
 *
 * @example
 * ```ts
 * import { ANNOTATION_E2B_NETWORK } from "@kruise-agents/shared/api";
 * const network = { allowInternetAccess: false, network: { allowOut: ["10.0.0.0/8"] } };
 * const annotations = { [ANNOTATION_E2B_NETWORK]: JSON.stringify(network) };
 * ```
 */
export const ANNOTATION_E2B_NETWORK = "e2b.agents.kruise.io/network";
/**
 * JSON `{team, key, request}` on a Sandbox created with an `Idempotency-Key` header: the team and
 * key it answers retries for, and a digest of the create request (a retry with the same key and
 * another request is refused). Found through {@linkcode LABEL_IDEMPOTENCY_KEY}.
 *
 * @example
 * ```ts
 * import { ANNOTATION_IDEMPOTENCY } from "@kruise-agents/shared/api";
 * const record = { team: "t1", key: "retry-1", request: "9f86d081" };
 * const annotations = { [ANNOTATION_IDEMPOTENCY]: JSON.stringify(record) };
 * ```
 */
export const ANNOTATION_IDEMPOTENCY = "e2b.agents.kruise.io/idempotency";
/**
 * Opts a Sandbox into ID-token issuance under this agent name.
 *
 * @example
 * ```ts
 * import { ANNOTATION_AGENT_NAME, type ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = { annotations: { [ANNOTATION_AGENT_NAME]: "coder" } };
 * ```
 */
export const ANNOTATION_AGENT_NAME = "security.agents.kruise.io/agent-name";
/**
 * Exactly `"true"` opts a Sandbox into JWT traffic tokens.
 *
 * @example
 * ```ts
 * import { ANNOTATION_ENABLE_JWT_AUTH, type ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = { annotations: { [ANNOTATION_ENABLE_JWT_AUTH]: "true" } };
 * ```
 */
export const ANNOTATION_ENABLE_JWT_AUTH = "security.agents.kruise.io/enable-jwt-auth";
/**
 * Status of the security token of a Sandbox.
 *
 * @example
 * ```ts
 * import { ANNOTATION_TOKEN_STATUS, type Sandbox } from "@kruise-agents/shared/api";
 * function tokenStatus(sandbox: Sandbox): string | undefined {
 *   return sandbox.metadata.annotations?.[ANNOTATION_TOKEN_STATUS];
 * }
 * ```
 */
export const ANNOTATION_TOKEN_STATUS = "security.agents.kruise.io/token-status";

// ---- finalizers (reference §2.11) ------------------------------------------------------------

/**
 * Held while a Sandbox is paused, so its deletion goes through the controller.
 *
 * @example
 * ```ts
 * import { FINALIZER_SANDBOX, type Sandbox } from "@kruise-agents/shared/api";
 * function withoutFinalizer(sandbox: Sandbox): string[] {
 *   return (sandbox.metadata.finalizers ?? []).filter((f) => f !== FINALIZER_SANDBOX);
 * }
 * ```
 */
export const FINALIZER_SANDBOX = "agents.kruise.io/sandbox";
/**
 * Held by a Checkpoint until its external state is released.
 *
 * @example
 * ```ts
 * import { FINALIZER_CHECKPOINT, type ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = { name: "checkpoint-1", finalizers: [FINALIZER_CHECKPOINT] };
 * ```
 */
export const FINALIZER_CHECKPOINT = "agents.kruise.io/checkpoint";
/**
 * Held by a Commit until its job is cleaned up.
 *
 * @example
 * ```ts
 * import { FINALIZER_COMMIT, type ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = { name: "commit-1", finalizers: [FINALIZER_COMMIT] };
 * ```
 */
export const FINALIZER_COMMIT = "agents.kruise.io/commit";

// ---- E2B create metadata keys (reference §4.2; consumed and removed before storing) ----------

/**
 * New main-container image: an in-place image update when claimed from a pool.
 *
 * @example
 * ```ts
 * import { METADATA_IMAGE } from "@kruise-agents/shared/api";
 * const metadata = { [METADATA_IMAGE]: "python:3.13" }; // in a create's metadata
 * ```
 */
export const METADATA_IMAGE = "e2b.agents.kruise.io/image";
/**
 * Positive CPU quantity: in-place CPU request resize.
 *
 * @example
 * ```ts
 * import { METADATA_CPU_REQUEST } from "@kruise-agents/shared/api";
 * const metadata = { [METADATA_CPU_REQUEST]: "500m" };
 * ```
 */
export const METADATA_CPU_REQUEST = "e2b.agents.kruise.io/cpu-request";
/**
 * Positive CPU quantity: in-place CPU limit resize.
 *
 * @example
 * ```ts
 * import { METADATA_CPU_LIMIT } from "@kruise-agents/shared/api";
 * const metadata = { [METADATA_CPU_LIMIT]: "2" };
 * ```
 */
export const METADATA_CPU_LIMIT = "e2b.agents.kruise.io/cpu-limit";
/**
 * PersistentVolume name of a single CSI mount (with {@linkcode METADATA_CSI_MOUNT_POINT}).
 *
 * @example
 * ```ts
 * import { METADATA_CSI_MOUNT_POINT, METADATA_CSI_VOLUME_NAME } from "@kruise-agents/shared/api";
 * const metadata = { [METADATA_CSI_VOLUME_NAME]: "pv-data", [METADATA_CSI_MOUNT_POINT]: "/data" };
 * ```
 */
export const METADATA_CSI_VOLUME_NAME = "e2b.agents.kruise.io/csi-volume-name";
/**
 * Path in the sandbox of a single CSI mount (with {@linkcode METADATA_CSI_VOLUME_NAME}).
 *
 * @example
 * ```ts
 * import { METADATA_CSI_MOUNT_POINT, METADATA_CSI_VOLUME_NAME } from "@kruise-agents/shared/api";
 * const metadata = { [METADATA_CSI_VOLUME_NAME]: "pv-data", [METADATA_CSI_MOUNT_POINT]: "/mnt" };
 * ```
 */
export const METADATA_CSI_MOUNT_POINT = "e2b.agents.kruise.io/csi-mount-point";
/**
 * Optional sub-path of the single CSI mount.
 *
 * @example
 * ```ts
 * import { METADATA_CSI_SUBPATH } from "@kruise-agents/shared/api";
 * const metadata = { [METADATA_CSI_SUBPATH]: "users/alice" };
 * ```
 */
export const METADATA_CSI_SUBPATH = "e2b.agents.kruise.io/csi-subpath";
/**
 * JSON array of CSIMountConfig for several mounts (same key as the annotation).
 *
 * @example
 * ```ts
 * import { METADATA_CSI_VOLUME_CONFIG } from "@kruise-agents/shared/api";
 * const mounts = [{ pvName: "a", mountPath: "/a" }, { pvName: "b", mountPath: "/b" }];
 * const metadata = { [METADATA_CSI_VOLUME_CONFIG]: JSON.stringify(mounts) };
 * ```
 */
export const METADATA_CSI_VOLUME_CONFIG = "e2b.agents.kruise.io/csi-volume-config";
/**
 * Positive integer seconds bounding the claim.
 *
 * @example
 * ```ts
 * import { METADATA_CLAIM_TIMEOUT_SECONDS } from "@kruise-agents/shared/api";
 * const metadata = { [METADATA_CLAIM_TIMEOUT_SECONDS]: "30" };
 * ```
 */
export const METADATA_CLAIM_TIMEOUT_SECONDS = "e2b.agents.kruise.io/claim-timeout-seconds";
/**
 * Positive integer seconds bounding the wait for readiness.
 *
 * @example
 * ```ts
 * import { METADATA_WAIT_READY_TIMEOUT_SECONDS } from "@kruise-agents/shared/api";
 * const metadata = { [METADATA_WAIT_READY_TIMEOUT_SECONDS]: "120" };
 * ```
 */
export const METADATA_WAIT_READY_TIMEOUT_SECONDS =
  "e2b.agents.kruise.io/wait-ready-timeout-seconds";
/**
 * `"true"`: do not call the runtime's `/init`.
 *
 * @example
 * ```ts
 * import { METADATA_SKIP_INIT_RUNTIME } from "@kruise-agents/shared/api";
 * const metadata = { [METADATA_SKIP_INIT_RUNTIME]: "true" };
 * ```
 */
export const METADATA_SKIP_INIT_RUNTIME = "e2b.agents.kruise.io/skip-init-runtime";
/**
 * Default `"true"`; `"false"` fails with "no stock" instead of creating a fresh Sandbox.
 *
 * @example
 * ```ts
 * import { METADATA_CREATE_ON_NO_STOCK } from "@kruise-agents/shared/api";
 * const metadata = { [METADATA_CREATE_ON_NO_STOCK]: "false" }; // fail when the pool is empty
 * ```
 */
export const METADATA_CREATE_ON_NO_STOCK = "e2b.agents.kruise.io/create-on-no-stock";
/**
 * `"true"`: no shutdown or pause deadline.
 *
 * @example
 * ```ts
 * import { METADATA_NEVER_TIMEOUT } from "@kruise-agents/shared/api";
 * const metadata = { [METADATA_NEVER_TIMEOUT]: "true" };
 * ```
 */
export const METADATA_NEVER_TIMEOUT = "e2b.agents.kruise.io/never-timeout";
/**
 * `"true"`: keep a Sandbox whose claim failed, forever.
 *
 * @example
 * ```ts
 * import { METADATA_RESERVE_FAILED_SANDBOX } from "@kruise-agents/shared/api";
 * const metadata = { [METADATA_RESERVE_FAILED_SANDBOX]: "true" };
 * ```
 */
export const METADATA_RESERVE_FAILED_SANDBOX = "e2b.agents.kruise.io/reserve-failed-sandbox";
/**
 * `never`, `forever` or a Go duration: how long to keep a Sandbox whose claim failed.
 *
 * @example
 * ```ts
 * import { METADATA_RESERVE_FAILED_SANDBOX_FOR } from "@kruise-agents/shared/api";
 * const metadata = { [METADATA_RESERVE_FAILED_SANDBOX_FOR]: "30m" };
 * ```
 */
export const METADATA_RESERVE_FAILED_SANDBOX_FOR =
  "e2b.agents.kruise.io/reserve-failed-sandbox-for";
/**
 * `forever` (default) or a positive Go duration: how long a paused Sandbox lives.
 *
 * @example
 * ```ts
 * import { METADATA_RESERVE_PAUSED_SANDBOX_DURATION } from "@kruise-agents/shared/api";
 * const metadata = { [METADATA_RESERVE_PAUSED_SANDBOX_DURATION]: "24h" };
 * ```
 */
export const METADATA_RESERVE_PAUSED_SANDBOX_DURATION =
  "e2b.agents.kruise.io/reserve-paused-sandbox-duration";
/**
 * `"true"`: include the sandbox IP in responses.
 *
 * @example
 * ```ts
 * import { METADATA_RETURN_SANDBOX_IP } from "@kruise-agents/shared/api";
 * const metadata = { [METADATA_RETURN_SANDBOX_IP]: "true" };
 * ```
 */
export const METADATA_RETURN_SANDBOX_IP = "e2b.agents.kruise.io/return-sandbox-ip";
/**
 * DNS-label name of a cloned Sandbox (clone only).
 *
 * @example
 * ```ts
 * import { METADATA_SANDBOX_NAME } from "@kruise-agents/shared/api";
 * const metadata = { [METADATA_SANDBOX_NAME]: "my-clone" }; // clone only
 * ```
 */
export const METADATA_SANDBOX_NAME = "e2b.agents.kruise.io/sandbox-name";
/**
 * generateName of a cloned Sandbox (clone only; exclusive with the name).
 *
 * @example
 * ```ts
 * import { METADATA_SANDBOX_GENERATE_NAME } from "@kruise-agents/shared/api";
 * const metadata = { [METADATA_SANDBOX_GENERATE_NAME]: "my-clone-" }; // clone only
 * ```
 */
export const METADATA_SANDBOX_GENERATE_NAME = "e2b.agents.kruise.io/sandbox-generate-name";
/**
 * Response-only metadata: `<namespace>/<name>` of the Sandbox object.
 *
 * @example
 * ```ts
 * import { METADATA_SANDBOX_RESOURCE } from "@kruise-agents/shared/api";
 * function sandboxObject(metadata: Record<string, string>): string | undefined {
 *   return metadata[METADATA_SANDBOX_RESOURCE]; // e.g. "default/python-x7k2p"
 * }
 * ```
 */
export const METADATA_SANDBOX_RESOURCE = "e2b.agents.kruise.io/sandbox-resource";
/**
 * Response-only metadata: the sandbox IP, when asked for.
 *
 * @example
 * ```ts
 * import { METADATA_SANDBOX_IP } from "@kruise-agents/shared/api";
 * function sandboxIp(metadata: Record<string, string>): string | undefined {
 *   return metadata[METADATA_SANDBOX_IP];
 * }
 * ```
 */
export const METADATA_SANDBOX_IP = "e2b.agents.kruise.io/sandbox-ip";
