/**
 * What the embedded store's "API server" sets on the objects written to it: server-owned metadata
 * (uid, timestamps, generation, resourceVersion carried over), names from `generateName`, the
 * status subresource rules, and the defaults of the core kinds we use (Namespace, Secret, Pod).
 *
 * Invariants:
 * - Callers never decide server-owned fields: on create they are set here, on update they are
 *   taken from the stored object, whatever the caller sent.
 * - `generation` starts at 1 and moves only on changes outside `metadata` and `status` (absent on
 *   the kinds that have none on a real server).
 * - Kinds with a status subresource never take `status` from `create`, `update` or `patch`.
 * - `Secret.stringData` is never stored: it is folded into `data`, as the API server does.
 * - A Lease is checked and stored as the API server stores it (`_lease_rules.ts`).
 *
 * Everything here works on copies the store owns; nothing is committed here.
 *
 * @module
 */
import { invalid } from "./_api_errors.ts";
import { isLease, normalizeLease } from "./_lease_rules.ts";
import { validateMetadata } from "./_validation.ts";
import type { KubeObject, Resource } from "./client.ts";
import type { ObjectMeta } from "../api/meta.ts";
import { deepEqual, isRecord } from "../std/json.ts";
import { rfc3339Seconds } from "../std/time.ts";

/** Kinds served with a status subresource (the rest are written whole by `update`). */
const STATUS_KINDS = new Set(["Sandbox", "SandboxSet", "Pod", "Namespace"]);
/** Kinds without `metadata.generation` on a real server. */
const NO_GENERATION_KINDS = new Set(["Secret", "ConfigMap", "Namespace", "Event", "Lease"]);
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
/** Tries of {@linkcode generateName} before it gives up. */
const NAME_TRIES = 16;

/** Whether `resource` has a status subresource (`updateStatus` answers 404 for the others). */
export function hasStatusSubresource(resource: Resource): boolean {
  return STATUS_KINDS.has(resource.kind);
}

/**
 * A free name from `generateName` (5 random characters after the prefix, cut to 58); `undefined`
 * when `taken` refused every try. The API server answers a collision with AlreadyExists and
 * leaves the retry to the client; retrying here is equivalent for callers that retry and
 * friendlier for those that don't.
 */
export function generateName(
  base: string,
  taken: (name: string) => boolean,
): string | undefined {
  const prefix = base.slice(0, 58);
  for (let i = 0; i < NAME_TRIES; i++) {
    const candidate = prefix + randomSuffix();
    if (!taken(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The object to store for a create of `incoming` (already validated) in `namespace`, with the
 * server-owned metadata set at `now` (ms since the epoch) and the kind's defaults applied.
 */
export function createdObject(
  resource: Resource,
  incoming: KubeObject,
  options: { namespace: string; now: number },
): KubeObject {
  const stored: KubeObject = { ...incoming, metadata: { ...incoming.metadata } };
  const m = stored.metadata;
  if (resource.namespaced) m.namespace = options.namespace;
  else delete m.namespace;
  m.uid = crypto.randomUUID();
  m.creationTimestamp = rfc3339Seconds(options.now);
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  if (NO_GENERATION_KINDS.has(resource.kind)) delete m.generation;
  else m.generation = 1;
  if (STATUS_KINDS.has(resource.kind)) delete stored.status;
  defaultOnCreate(resource, stored);
  return stored;
}

/** Gives `next` the stored status of `current` when `resource` has a status subresource. */
export function keepStatus(resource: Resource, next: KubeObject, current: KubeObject): void {
  if (!STATUS_KINDS.has(resource.kind)) return;
  if (current.status === undefined) delete next.status;
  else next.status = structuredClone(current.status);
}

/** Metadata an update cannot change: the stored object's values win. */
const SERVER_OWNED = ["name", "uid", "creationTimestamp", "resourceVersion"] as const;

/** Sets `to[key]` to `from[key]`, or removes it from `to` when `from` has none. */
function carry(to: ObjectMeta, from: ObjectMeta, key: typeof SERVER_OWNED[number]): void {
  const value = from[key];
  if (value === undefined) delete to[key];
  else to[key] = value;
}

/**
 * The object to store when `current` is replaced by `next`: server-owned metadata comes from
 * `current`, the metadata is validated (422 `Invalid`, also for a finalizer added during
 * deletion), and the generation moves if the spec part changed.
 */
export function updatedObject(
  resource: Resource,
  current: KubeObject,
  next: KubeObject,
): KubeObject {
  const cur = current.metadata;
  const meta: ObjectMeta = { ...next.metadata };
  for (const key of SERVER_OWNED) carry(meta, cur, key);
  if (resource.namespaced) meta.namespace = cur.namespace;
  else delete meta.namespace;
  carryDeletion(resource, cur, meta);
  if (meta.finalizers?.length === 0) delete meta.finalizers;
  if (meta.ownerReferences?.length === 0) delete meta.ownerReferences;
  const problems = validateMetadata(meta);
  if (problems.length > 0) throw invalid(resource, cur.name!, problems);
  const stored: KubeObject = { ...next, metadata: meta };
  defaultOnUpdate(resource, stored, current);
  if (NO_GENERATION_KINDS.has(resource.kind)) delete meta.generation;
  else {
    const generation = cur.generation ?? 1;
    meta.generation = deepEqual(specPart(stored), specPart(current)) ? generation : generation + 1;
  }
  return stored;
}

/** The deletion mark of `cur` onto `meta`; no finalizer may be added once it is set. */
function carryDeletion(resource: Resource, cur: ObjectMeta, meta: ObjectMeta): void {
  if (cur.deletionTimestamp === undefined) {
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    return;
  }
  meta.deletionTimestamp = cur.deletionTimestamp;
  if (cur.deletionGracePeriodSeconds === undefined) delete meta.deletionGracePeriodSeconds;
  else meta.deletionGracePeriodSeconds = cur.deletionGracePeriodSeconds;
  const added = (meta.finalizers ?? []).filter((f) => !(cur.finalizers ?? []).includes(f));
  if (added.length > 0) {
    throw invalid(resource, cur.name!, [
      `metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${
        JSON.stringify(added)
      }`,
    ]);
  }
}

/** Everything but metadata and status: what `generation` counts changes of. */
function specPart(object: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = object;
  return rest;
}

function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  return Array.from(bytes, (b) => NAME_ALPHABET[b % NAME_ALPHABET.length]).join("");
}

/** The defaults a real server applies on create, for the kinds we use. */
function defaultOnCreate(resource: Resource, object: KubeObject): void {
  if (isLease(resource)) normalizeLease(resource, object);
  if (resource.apiVersion !== "v1") return;
  switch (resource.kind) {
    case "Namespace":
      labelNamespace(object);
      object.spec = { finalizers: ["kubernetes"] };
      object.status = { phase: "Active" };
      break;
    case "Secret":
      object.type ??= "Opaque";
      convertStringData(object);
      break;
    case "Pod":
      object.status = { phase: "Pending" };
      break;
  }
}

/** The defaults a real server applies on update: kept Secret type, immutable Namespace spec. */
function defaultOnUpdate(resource: Resource, object: KubeObject, current: KubeObject): void {
  if (isLease(resource)) normalizeLease(resource, object);
  if (resource.apiVersion !== "v1") return;
  if (resource.kind === "Secret") {
    object.type ??= current.type;
    convertStringData(object);
  }
  if (resource.kind === "Namespace") {
    object.spec = structuredClone(current.spec);
    labelNamespace(object);
  }
}

/** Every Namespace carries its name as the `kubernetes.io/metadata.name` label. */
function labelNamespace(object: KubeObject): void {
  object.metadata.labels = {
    ...object.metadata.labels,
    "kubernetes.io/metadata.name": object.metadata.name!,
  };
}

/** `stringData` is write-only: the API server folds it into `data` (base64). */
function convertStringData(object: KubeObject): void {
  if (!isRecord(object.stringData)) return;
  const data: Record<string, unknown> = isRecord(object.data) ? { ...object.data } : {};
  for (const [key, value] of Object.entries(object.stringData)) {
    data[key] = new TextEncoder().encode(String(value)).toBase64();
  }
  object.data = data;
  delete object.stringData;
}
