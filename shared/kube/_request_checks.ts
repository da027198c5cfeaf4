/**
 * The checks the embedded store makes on a request before it writes anything: the object's shape,
 * apiVersion and kind, the name and namespace the verb needs, the object it addresses (which must
 * exist, or for a create must not), and the optimistic-concurrency preconditions (uid,
 * resourceVersion).
 *
 * Invariants:
 * - What the store keeps of a caller's object is a deep copy, so the caller cannot change stored
 *   state afterwards.
 * - The errors are the API server's: 400 `BadRequest` for a malformed object, 404 `NotFound`,
 *   409 `AlreadyExists` or `Conflict` (a failed precondition), 422 `Invalid` for bad metadata or
 *   an unconditional update of a custom resource, 403 for new content in a terminating namespace.
 *   A missing name or namespace is a programming error (`TypeError`), as the client cannot even
 *   build a URL.
 *
 * @module
 */
import {
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  namespaceTerminating,
  notFound,
} from "./_api_errors.ts";
import { requireName, requireNamespace } from "./_arguments.ts";
import type { ObjectTable, Slot } from "./_object_table.ts";
import { validateMetadata, validateName } from "./_validation.ts";
import type { DeleteOptions, KubeObject, Resource } from "./client.ts";
import type { ObjectMeta } from "../api/meta.ts";
import { isRecord } from "../std/json.ts";

/** A deep copy of `object` with the resource's apiVersion and kind (which must agree). */
export function incomingObject(resource: Resource, object: KubeObject): KubeObject {
  if (!isRecord(object) || !isRecord(object.metadata)) {
    throw badRequest(`${resource.kind}: the object and its metadata must be JSON objects`);
  }
  if (object.apiVersion !== undefined && object.apiVersion !== resource.apiVersion) {
    throw badRequest(
      `the API version in the data (${object.apiVersion}) does not match the expected API version (${resource.apiVersion})`,
    );
  }
  if (object.kind !== undefined && object.kind !== resource.kind) {
    throw badRequest(
      `the kind in the data (${object.kind}) does not match the expected kind (${resource.kind})`,
    );
  }
  const copy = structuredClone(object);
  return { ...copy, apiVersion: resource.apiVersion, kind: resource.kind };
}

/** The stored object `name` in `namespace` addresses (404 `NotFound` if absent). */
export function requireObject(
  table: ObjectTable,
  resource: Resource,
  namespace: string,
  name: string,
): Slot {
  if (!name) throw new TypeError(`Cannot address ${resource.plural}: a name is required`);
  const ns = requireNamespace(resource, namespace, "address");
  const slot = table.find(resource, ns, name);
  if (slot === undefined) throw notFound(resource, name);
  return slot;
}

/** The stored object a caller's object (`meta`) names, for `verb` (404 `NotFound` if absent). */
export function targetObject(
  table: ObjectTable,
  resource: Resource,
  meta: ObjectMeta,
  verb: string,
): Slot {
  return requireObject(
    table,
    resource,
    meta.namespace ?? "",
    requireName(resource, meta.name, verb),
  );
}

/**
 * The checks of a create of `meta` in `namespace`, after `generateName`: a valid name and
 * metadata, no object of that name yet, and (for namespaced kinds) a namespace not terminating.
 */
export function checkCreate(
  table: ObjectTable,
  resource: Resource,
  meta: ObjectMeta,
  namespace: string,
): void {
  const name = meta.name;
  if (!name) {
    throw invalid(resource, "", [
      "metadata.name: Required value: name or generateName is required",
    ]);
  }
  const problems = [
    ...validateName(name, resource.kind === "Namespace"),
    ...validateMetadata(meta),
  ];
  if (problems.length > 0) throw invalid(resource, name, problems);
  if (table.find(resource, namespace, name) !== undefined) throw alreadyExists(resource, name);
  if (!resource.namespaced) return;
  if (table.namespace(namespace)?.object.metadata.deletionTimestamp !== undefined) {
    throw namespaceTerminating(resource, name, namespace);
  }
}

/**
 * Checks the uid and resourceVersion that `meta` (a caller's object) names against the stored
 * object's `stored`. Without a resourceVersion the write is unconditional, which custom resources
 * (and our kinds) refuse when `required`, as on a cluster.
 */
export function checkVersion(
  resource: Resource,
  stored: ObjectMeta,
  meta: ObjectMeta,
  required: boolean,
): void {
  checkUid(resource, stored, meta.uid);
  if (meta.resourceVersion === undefined || meta.resourceVersion === "") {
    if (required && resource.apiVersion.includes(".")) {
      throw invalid(resource, stored.name!, [
        "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update",
      ]);
    }
    return;
  }
  if (meta.resourceVersion !== stored.resourceVersion) throw conflict(resource, stored.name!);
}

/** Checks a delete's preconditions against the stored object's `stored`. */
export function checkDeletePreconditions(
  resource: Resource,
  stored: ObjectMeta,
  preconditions: DeleteOptions["preconditions"],
): void {
  checkUid(resource, stored, preconditions?.uid);
  const rv = preconditions?.resourceVersion;
  if (rv !== undefined && rv !== stored.resourceVersion) {
    throw conflict(
      resource,
      stored.name!,
      `Precondition failed: ResourceVersion in precondition: ${rv}, ResourceVersion in object meta: ${stored.resourceVersion}`,
    );
  }
}

function checkUid(resource: Resource, stored: ObjectMeta, uid: string | undefined): void {
  if (uid === undefined || uid === stored.uid) return;
  throw conflict(
    resource,
    stored.name!,
    `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${stored.uid}`,
  );
}
