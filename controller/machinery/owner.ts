/**
 * Controller ownerReferences: every child has at most one, and it names the object whose
 * reconciler manages the child (controller-runtime's `SetControllerReference` /
 * `GetControllerOf`). Indexing children by their controller's UID lets a reconcile find its
 * children without scanning, and ignores a child whose owner was recreated under the same name.
 *
 * @module
 */
import type { ObjectMeta, OwnerReference } from "@kruise-agents/shared/api";

/** Name of the informer index of children by controller UID. */
export const INDEX_CONTROLLER_UID = "controller-uid";

/** The controller ownerReference of `metadata`, if any. */
export function controllerOf(metadata: ObjectMeta): OwnerReference | undefined {
  return metadata.ownerReferences?.find((ref) => ref.controller === true);
}

/** Index function: the UID of the object's controller (none when it has no controller). */
export function controllerUidIndex(object: { metadata: ObjectMeta }): string[] {
  const ref = controllerOf(object.metadata);
  return ref === undefined ? [] : [ref.uid];
}

/** A controller ownerReference to `owner`, blocking its foreground deletion. */
export function controllerReference(
  owner: { apiVersion: string; kind: string; metadata: ObjectMeta },
): OwnerReference {
  const { name, uid } = owner.metadata;
  if (name === undefined || uid === undefined) {
    throw new TypeError(`Cannot reference a ${owner.kind} without metadata.name and uid`);
  }
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}
