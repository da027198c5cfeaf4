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

/** Prefix of the internal keys; reserved: user metadata and labels may not use it. */
export const PREFIX_AGENTS = "agents.kruise.io/";
/** Prefix of the E2B extension keys; reserved: user metadata and labels may not use it. */
export const PREFIX_E2B = "e2b.agents.kruise.io/";
/** Prefix of the Sandbox hash annotations. */
export const PREFIX_SANDBOX = "sandbox.agents.kruise.io/";
/** Prefix of the traffic-security keys. */
export const PREFIX_SECURITY = "security.agents.kruise.io/";
/** The prefixes no user-supplied label or metadata key may start with. */
export const RESERVED_PREFIXES: readonly string[] = [PREFIX_AGENTS, PREFIX_E2B];
/**
 * E2B metadata keys with this prefix become labels (the rest of the key is the label key) on the
 * Sandbox and its pod template instead of annotations.
 */
export const METADATA_LABEL_PREFIX = "label:";

/**
 * Whether `key` uses a reserved prefix. The manager rejects such keys in user metadata and
 * strips them from the metadata it returns, so internal state is neither forged nor leaked.
 */
export function isReservedKey(key: string): boolean {
  return RESERVED_PREFIXES.some((prefix) => key.startsWith(prefix));
}

// ---- labels (reference §2.9) -----------------------------------------------------------------

/** Name of the SandboxSet a pool Sandbox was created by; the pool's selector uses it. */
export const LABEL_SANDBOX_POOL = "agents.kruise.io/sandbox-pool";
/** Template name (SandboxSet or templateRef name) of a Sandbox; the E2B `templateID`. */
export const LABEL_SANDBOX_TEMPLATE = "agents.kruise.io/sandbox-template";
/** `"true"` once a Sandbox has been claimed from its pool, `"false"` while it waits. */
export const LABEL_SANDBOX_CLAIMED = "agents.kruise.io/sandbox-claimed";
/** Name of the SandboxClaim that claimed a Sandbox. */
export const LABEL_CLAIM_NAME = "agents.kruise.io/claim-name";
/** Revision (the SandboxSet's `status.updateRevision`) a pool Sandbox was created from. */
export const LABEL_TEMPLATE_HASH = "agents.kruise.io/template-hash";
/** Marks a Sandbox whose claim failed and which is kept for debugging; hidden from E2B reads. */
export const LABEL_RESERVED_FAILED_SANDBOX = "agents.kruise.io/reserved-failed-sandbox";
/** Name of the Sandbox, on its Pod, for network and security policies. */
export const LABEL_SANDBOX_NAME = "agents.kruise.io/sandbox-name";
/** `"false"` asks the cluster's GlobalTrafficPolicy to cut internet access; default `"true"`. */
export const LABEL_ALLOW_INTERNET_ACCESS = "agents.kruise.io/allow-internet-access";
/** Short sandbox ID, when short IDs are enabled. */
export const LABEL_SANDBOX_ID = "agents.kruise.io/sandbox-id";
/** Name of the SandboxUpdateOps upgrading a Sandbox. */
export const LABEL_UPDATE_OPS = "agents.kruise.io/update-ops";
/** Marks a Sandbox whose SandboxUpdateOps upgrade failed. */
export const LABEL_UPGRADE_FAILED = "agents.kruise.io/upgrade-failed";
/** Revision of the pod template, on a Sandbox's Pod. */
export const LABEL_POD_TEMPLATE_HASH = "pod-template-hash";
/** `sandbox` on Pods created for a Sandbox (label and annotation); informers filter on it. */
export const LABEL_CREATED_BY = "agents.kruise.io/created-by";
/** The value of {@linkcode LABEL_CREATED_BY} on Sandbox Pods. */
export const CREATED_BY_SANDBOX = "sandbox";
/** UUID of the API key that owns a claimed Sandbox, copied onto its Pod as a label. */
export const LABEL_OWNER = "agents.kruise.io/owner";
/**
 * Hex digest (40 characters) of the team and `Idempotency-Key` of the create that claimed a
 * Sandbox, so that any replica finds the sandbox a retry asks for with one label selector (the key
 * itself may not fit a label value; it is in {@linkcode ANNOTATION_IDEMPOTENCY}).
 */
export const LABEL_IDEMPOTENCY_KEY = "e2b.agents.kruise.io/idempotency-key";

// ---- annotations (reference §2.10) -----------------------------------------------------------

/** Claim lock: a UUID written in the same optimistic update that claims or scales down. */
export const ANNOTATION_LOCK = "agents.kruise.io/lock";
/** Owner of a claimed Sandbox: an API key UUID, or {@linkcode OWNER_MANAGER_SCALE_DOWN}. */
export const ANNOTATION_OWNER = "agents.kruise.io/owner";
/** Owner value the SandboxSet controller writes when it locks a Sandbox to scale down. */
export const OWNER_MANAGER_SCALE_DOWN = "__manager_scale_down";
/** RFC 3339 time the Sandbox was claimed (E2B `startedAt`). */
export const ANNOTATION_CLAIM_TIMESTAMP = "agents.kruise.io/claim-timestamp";
/** Checkpoint a Sandbox is restored (cloned) from. */
export const ANNOTATION_RESTORE_FROM = "agents.kruise.io/restore-from";
/** JSON `{envVars, accessToken}` sent to the runtime's `/init`; replayed after resume. */
export const ANNOTATION_INIT_RUNTIME_REQUEST = "agents.kruise.io/init-runtime-request";
/** Short sandbox ID (annotation form, on Checkpoints and TrafficPolicies). */
export const ANNOTATION_SANDBOX_ID = "agents.kruise.io/sandbox-id";
/** Memberlist address of a manager or gateway peer. */
export const ANNOTATION_MEMBERLIST_URL = "agents.kruise.io/memberlist-url";
/** `"true"`: killing the Sandbox recycles it into its pool instead of deleting it. */
export const ANNOTATION_CLEANUP_ENABLED = "agents.kruise.io/cleanup-enabled";
/** `"true"`: the Sandbox was killed and is to be recycled. */
export const ANNOTATION_CLEANUP = "agents.kruise.io/cleanup";
/** How long a Sandbox whose recycling failed is kept before deletion. */
export const ANNOTATION_CLEANUP_RETAIN_ON_FAILURE = "agents.kruise.io/cleanup-retain-on-failure";
/** JSON `{labels: [], annotations: []}`: keys the claim added, removed again on recycle. */
export const ANNOTATION_UPDATED_METADATA_IN_CLAIM = "agents.kruise.io/updated-metadata-in-claim";
/** URL of the in-sandbox runtime, overriding `http://{podIP}:49983`. */
export const ANNOTATION_RUNTIME_URL = "agents.kruise.io/runtime-url";
/**
 * Access token of the in-sandbox runtime (plaintext in the reference). Not written here: tokens
 * are derived (see `sandbox_token.ts`), never stored in an object.
 */
export const ANNOTATION_RUNTIME_ACCESS_TOKEN = "agents.kruise.io/runtime-access-token";
/**
 * `"false"` on a Sandbox whose create asked for no public traffic (E2B's
 * `network.allowPublicTraffic`): the proxy then requires the traffic access token on every port
 * but envd's.
 */
export const ANNOTATION_PUBLIC_TRAFFIC = "agents.kruise.io/public-traffic";
/** TLS port of the in-sandbox runtime. */
export const ANNOTATION_RUNTIME_TLS_PORT = "agents.kruise.io/runtime-tls-port";
/** How long a paused Sandbox lives: `forever` or a Go duration. */
export const ANNOTATION_RESERVE_PAUSED_SANDBOX_DURATION =
  "agents.kruise.io/reserve-paused-sandbox-duration";
/** Marks a materialised SandboxTemplate beyond the history limit. */
export const ANNOTATION_CLEANUP_CANDIDATE = "agents.kruise.io/cleanup-candidate";
/** Integer priority for pod creation; manager-created Sandboxes use `100`. */
export const ANNOTATION_SANDBOX_PRIORITY = "agents.kruise.io/sandbox-priority";
/** `"true"` asks the controller to resume a paused Sandbox before an upgrade. */
export const ANNOTATION_UPGRADE_RESUME_TRIGGER = "agents.kruise.io/upgrade-resume-trigger";
/** State of an in-place image or resource update, on the Pod. */
export const ANNOTATION_INPLACE_UPDATE_STATE = "agents.kruise.io/inplace-update-state";
/** Mode of a Commit (container to image). */
export const ANNOTATION_COMMIT_MODE = "agents.kruise.io/commit-mode";
/** `sandbox` on Pods created for a Sandbox (annotation form of {@linkcode LABEL_CREATED_BY}). */
export const ANNOTATION_CREATED_BY = "agents.kruise.io/created-by";
/** Template hash without image, resources and metadata: what an in-place update may not change. */
export const ANNOTATION_HASH_IMMUTABLE_PART = "sandbox.agents.kruise.io/hash-immutable-part";
/** Deprecated name of {@linkcode ANNOTATION_HASH_IMMUTABLE_PART}; still read. */
export const ANNOTATION_HASH_WITHOUT_IMAGE_RESOURCES =
  "sandbox.agents.kruise.io/hash-without-image-resources";
/** Legacy envd access token. */
export const ANNOTATION_ENVD_ACCESS_TOKEN = "e2b.agents.kruise.io/envd-access-token";
/** Legacy envd URL. */
export const ANNOTATION_ENVD_URL = "e2b.agents.kruise.io/envd-url";
/** JSON list of CSIMountConfig, persisted so mounts are redone after resume or recreate. */
export const ANNOTATION_CSI_VOLUME_CONFIG = "e2b.agents.kruise.io/csi-volume-config";
/** `"true"`: E2B responses include the sandbox IP. */
export const ANNOTATION_RETURN_SANDBOX_IP = "e2b.agents.kruise.io/return-sandbox-ip";
/** `"true"` on a SandboxSet: the runtime is initialised at claim (reference example). */
export const ANNOTATION_SHOULD_INIT_ENVD = "e2b.agents.kruise.io/should-init-envd";
/**
 * Comma-separated E2B aliases of a template (this project's key, beyond the reference). On a
 * SandboxSet: further names its template answers to, so the SDKs' default names resolve to it
 * (the code-interpreter SDKs create `code-interpreter-v1`): `code-interpreter-v1,ci`. Each alias
 * is E2B's template-name shape (`[a-z0-9_-]+`, lowercased); malformed entries are ignored. The
 * first alias is the one E2B bodies report as `alias`. On a claimed Sandbox: the aliases its
 * template had when it was claimed, so bodies and list filters do not depend on the SandboxSet
 * still existing.
 */
export const ANNOTATION_TEMPLATE_ALIASES = "e2b.agents.kruise.io/aliases";
/**
 * The user metadata of a claimed Sandbox, verbatim, as one JSON object of strings. E2B metadata is
 * free-form (keys with spaces or dots, long values), which label and annotation keys cannot hold;
 * one annotation holds any of it, so nothing a create sent is lost or renamed.
 */
export const ANNOTATION_E2B_METADATA = "e2b.agents.kruise.io/metadata";
/**
 * JSON of the network settings a create asked for, as E2B's `SandboxDetail` reports them:
 * `{allowInternetAccess?, network?: {allowOut?, denyOut?, allowPublicTraffic?}}`, each field
 * present only when the create set it (E2B reports an unset `allowInternetAccess` as null). The
 * rules in force are {@linkcode ANNOTATION_PUBLIC_TRAFFIC} and the pod's egress annotation.
 */
export const ANNOTATION_E2B_NETWORK = "e2b.agents.kruise.io/network";
/**
 * JSON `{team, key, request}` on a Sandbox created with an `Idempotency-Key` header: the team and
 * key it answers retries for, and a digest of the create request (a retry with the same key and
 * another request is refused). Found through {@linkcode LABEL_IDEMPOTENCY_KEY}.
 */
export const ANNOTATION_IDEMPOTENCY = "e2b.agents.kruise.io/idempotency";
/** Opts a Sandbox into ID-token issuance under this agent name. */
export const ANNOTATION_AGENT_NAME = "security.agents.kruise.io/agent-name";
/** Exactly `"true"` opts a Sandbox into JWT traffic tokens. */
export const ANNOTATION_ENABLE_JWT_AUTH = "security.agents.kruise.io/enable-jwt-auth";
/** Status of the security token of a Sandbox. */
export const ANNOTATION_TOKEN_STATUS = "security.agents.kruise.io/token-status";

// ---- finalizers (reference §2.11) ------------------------------------------------------------

/** Held while a Sandbox is paused, so its deletion goes through the controller. */
export const FINALIZER_SANDBOX = "agents.kruise.io/sandbox";
/** Held by a Checkpoint until its external state is released. */
export const FINALIZER_CHECKPOINT = "agents.kruise.io/checkpoint";
/** Held by a Commit until its job is cleaned up. */
export const FINALIZER_COMMIT = "agents.kruise.io/commit";

// ---- E2B create metadata keys (reference §4.2; consumed and removed before storing) ----------

/** New main-container image: an in-place image update when claimed from a pool. */
export const METADATA_IMAGE = "e2b.agents.kruise.io/image";
/** Positive CPU quantity: in-place CPU request resize. */
export const METADATA_CPU_REQUEST = "e2b.agents.kruise.io/cpu-request";
/** Positive CPU quantity: in-place CPU limit resize. */
export const METADATA_CPU_LIMIT = "e2b.agents.kruise.io/cpu-limit";
/** PersistentVolume name of a single CSI mount (with {@linkcode METADATA_CSI_MOUNT_POINT}). */
export const METADATA_CSI_VOLUME_NAME = "e2b.agents.kruise.io/csi-volume-name";
/** Path in the sandbox of a single CSI mount (with {@linkcode METADATA_CSI_VOLUME_NAME}). */
export const METADATA_CSI_MOUNT_POINT = "e2b.agents.kruise.io/csi-mount-point";
/** Optional sub-path of the single CSI mount. */
export const METADATA_CSI_SUBPATH = "e2b.agents.kruise.io/csi-subpath";
/** JSON array of CSIMountConfig for several mounts (same key as the annotation). */
export const METADATA_CSI_VOLUME_CONFIG = "e2b.agents.kruise.io/csi-volume-config";
/** Positive integer seconds bounding the claim. */
export const METADATA_CLAIM_TIMEOUT_SECONDS = "e2b.agents.kruise.io/claim-timeout-seconds";
/** Positive integer seconds bounding the wait for readiness. */
export const METADATA_WAIT_READY_TIMEOUT_SECONDS =
  "e2b.agents.kruise.io/wait-ready-timeout-seconds";
/** `"true"`: do not call the runtime's `/init`. */
export const METADATA_SKIP_INIT_RUNTIME = "e2b.agents.kruise.io/skip-init-runtime";
/** Default `"true"`; `"false"` fails with "no stock" instead of creating a fresh Sandbox. */
export const METADATA_CREATE_ON_NO_STOCK = "e2b.agents.kruise.io/create-on-no-stock";
/** `"true"`: no shutdown or pause deadline. */
export const METADATA_NEVER_TIMEOUT = "e2b.agents.kruise.io/never-timeout";
/** `"true"`: keep a Sandbox whose claim failed, forever. */
export const METADATA_RESERVE_FAILED_SANDBOX = "e2b.agents.kruise.io/reserve-failed-sandbox";
/** `never`, `forever` or a Go duration: how long to keep a Sandbox whose claim failed. */
export const METADATA_RESERVE_FAILED_SANDBOX_FOR =
  "e2b.agents.kruise.io/reserve-failed-sandbox-for";
/** `forever` (default) or a positive Go duration: how long a paused Sandbox lives. */
export const METADATA_RESERVE_PAUSED_SANDBOX_DURATION =
  "e2b.agents.kruise.io/reserve-paused-sandbox-duration";
/** `"true"`: include the sandbox IP in responses. */
export const METADATA_RETURN_SANDBOX_IP = "e2b.agents.kruise.io/return-sandbox-ip";
/** DNS-label name of a cloned Sandbox (clone only). */
export const METADATA_SANDBOX_NAME = "e2b.agents.kruise.io/sandbox-name";
/** generateName of a cloned Sandbox (clone only; exclusive with the name). */
export const METADATA_SANDBOX_GENERATE_NAME = "e2b.agents.kruise.io/sandbox-generate-name";
/** Response-only metadata: `<namespace>/<name>` of the Sandbox object. */
export const METADATA_SANDBOX_RESOURCE = "e2b.agents.kruise.io/sandbox-resource";
/** Response-only metadata: the sandbox IP, when asked for. */
export const METADATA_SANDBOX_IP = "e2b.agents.kruise.io/sandbox-ip";
