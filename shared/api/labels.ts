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

export * from "./key_prefixes.ts";
export * from "./annotations.ts";
export * from "./e2b_create_keys.ts";

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
