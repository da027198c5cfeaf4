/**
 * Every annotation key of OpenKruise Agents (reference §2.10), spelt as the reference spells it.
 * Part of the one place for keys that `labels.ts` opens (and re-exports).
 *
 * @module
 */
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
 * JSON `{onTimeout: "pause", autoResume, timeoutSeconds, keepMemory?}` on a Sandbox created with
 * E2B's `autoPause` (`lifecycle.onTimeout: "pause"`): at its timeout it is paused rather than
 * killed (`spec.pauseTime`), and with `autoResume` traffic to it resumes it for `timeoutSeconds`
 * again. `keepMemory: false` (`autoPauseMemory: false`) makes that pause a Stop.
 * Absent: E2B's default lifecycle, killed at the timeout.
 *
 * @example
 * ```ts
 * import { ANNOTATION_E2B_LIFECYCLE } from "@kruise-agents/shared/api";
 * const lifecycle = { onTimeout: "pause", autoResume: true, timeoutSeconds: 300 };
 * const annotations = { [ANNOTATION_E2B_LIFECYCLE]: JSON.stringify(lifecycle) };
 * ```
 */
export const ANNOTATION_E2B_LIFECYCLE = "e2b.agents.kruise.io/lifecycle";
/**
 * `"false"` on a Sandbox while a pause that asked E2B's `memory: false` (the SDKs'
 * `pause({keepMemory: false})`, Python's `mode="filesystem"`) is in effect: the controller pauses
 * it with the `Stop` strategy (the Pod deleted, volumes kept, a cold start at resume) whatever
 * `spec.pauseStrategy` says. The manager writes it with `spec.paused` and removes it at resume.
 *
 * @example
 * ```ts
 * import { ANNOTATION_PAUSE_MEMORY } from "@kruise-agents/shared/api";
 * const patch = { metadata: { annotations: { [ANNOTATION_PAUSE_MEMORY]: "false" } } };
 * ```
 */
export const ANNOTATION_PAUSE_MEMORY = "e2b.agents.kruise.io/pause-memory";
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
