/**
 * The argument checks both backends of the seam make before they address an object: a
 * namespaced kind needs a namespace and every object verb a name. Missing either is a
 * programming error (`TypeError`) on both, never an API error: the client could not even build a
 * URL.
 *
 * @module
 */
import type { Resource } from "./client.ts";

/** The namespace `verb` addresses: `""` for a cluster-scoped kind, else `namespace` (required). */
export function requireNamespace(
  resource: Resource,
  namespace: string | undefined,
  verb: string,
): string {
  if (!resource.namespaced) return "";
  if (!namespace) {
    throw new TypeError(`Cannot ${verb} ${resource.plural}: a namespace is required`);
  }
  return namespace;
}

/** The object name `verb` addresses (required). */
export function requireName(resource: Resource, name: string | undefined, verb: string): string {
  if (!name) throw new TypeError(`Cannot ${verb} ${resource.plural}: metadata.name is required`);
  return name;
}
