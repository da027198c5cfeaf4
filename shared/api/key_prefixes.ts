/**
 * The key prefixes of OpenKruise Agents (the reference's), and which of them user metadata may not
 * use. Every key constant of `labels.ts`, `annotations.ts` and `e2b_create_keys.ts` is built on
 * them.
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
