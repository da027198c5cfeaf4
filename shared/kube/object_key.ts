/**
 * Object keys: `namespace/name`, or `name` for cluster-scoped objects, as client-go's
 * `MetaNamespaceKeyFunc`. The one key of every cache, index, store and work queue in the
 * project. Keys carry no event, only identity (reconcilers are level-triggered).
 *
 * @module
 */

/**
 * The key of an object's metadata; throws `TypeError` when the object has no name.
 *
 * @example
 * ```ts
 * import { objectKey } from "@kruise-agents/shared/kube";
 * objectKey({ namespace: "default", name: "base" }); // "default/base"
 * ```
 */
export function objectKey(
  metadata: { namespace?: string | undefined; name?: string | undefined },
): string {
  if (metadata.name === undefined || metadata.name === "") {
    throw new TypeError("Cannot key an object without metadata.name");
  }
  return metadata.namespace ? `${metadata.namespace}/${metadata.name}` : metadata.name;
}

/**
 * The key of `name` in `namespace` (`""` for cluster-scoped).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keyOf } from "@kruise-agents/shared/kube";
 * assert.equal(keyOf("default", "base"), "default/base");
 * ```
 */
export function keyOf(namespace: string, name: string): string {
  return namespace === "" ? name : `${namespace}/${name}`;
}

/**
 * Splits a key into namespace (`""` when cluster-scoped) and name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitKey } from "@kruise-agents/shared/kube";
 * assert.deepEqual(splitKey("default/base"), { namespace: "default", name: "base" });
 * ```
 */
export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf("/");
  if (slash < 0) return { namespace: "", name: key };
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
