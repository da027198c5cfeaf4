/**
 * The keys of the E2B create request's `metadata` map that are options of the reference
 * (reference §4.2; consumed and removed before storing). Part of the one place for keys that
 * `labels.ts` opens (and re-exports).
 *
 * @module
 */
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
