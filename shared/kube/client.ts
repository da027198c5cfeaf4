/**
 * The one seam through which the controller and the manager talk to Kubernetes. Two backends
 * implement it with the same semantics: a real API server through `@kubernetes/client-node`,
 * and an embedded in-process store for a machine with no cluster (and as the fast fake of unit
 * tests). Code above the seam cannot tell them apart: resourceVersion on every object, 409
 * `Conflict` on a stale update, `AlreadyExists`, `NotFound`, `generateName`, watches that start
 * after a list's resourceVersion, finalizers and ownerReference garbage collection.
 *
 * Objects cross the seam as plain JSON-shaped values; typed models and their parsers live in
 * `shared/api` and are applied by the caller at this boundary.
 *
 * @module
 */
import type { ObjectMeta } from "../api/meta.ts";
import { HttpError } from "../std/http_error.ts";

/** Any Kubernetes object, as JSON. */
export interface KubeObject {
  /** e.g. `agents.kruise.io/v1alpha1`, `v1`. */
  apiVersion: string;
  /** e.g. `Sandbox`, `Pod`. */
  kind: string;
  /** Object metadata. */
  metadata: ObjectMeta;
  /** Anything else (`spec`, `status`, `data`, ...). */
  [key: string]: unknown;
}

/** Which collection an operation addresses. */
export interface Resource {
  /** `apiVersion` of the objects, e.g. `agents.kruise.io/v1alpha1` or `v1`. */
  apiVersion: string;
  /** Kind, e.g. `Sandbox`. */
  kind: string;
  /** Plural resource name in URLs, e.g. `sandboxes`. */
  plural: string;
  /** Whether objects live in namespaces. */
  namespaced: boolean;
}

/** `Sandbox` objects. */
export const SANDBOXES: Resource = {
  apiVersion: "agents.kruise.io/v1alpha1",
  kind: "Sandbox",
  plural: "sandboxes",
  namespaced: true,
};
/** `SandboxSet` objects. */
export const SANDBOX_SETS: Resource = {
  apiVersion: "agents.kruise.io/v1alpha1",
  kind: "SandboxSet",
  plural: "sandboxsets",
  namespaced: true,
};
/** `Pod` objects. */
export const PODS: Resource = { apiVersion: "v1", kind: "Pod", plural: "pods", namespaced: true };
/** `Secret` objects (API keys). */
export const SECRETS: Resource = {
  apiVersion: "v1",
  kind: "Secret",
  plural: "secrets",
  namespaced: true,
};
/** `Namespace` objects (teams). */
export const NAMESPACES: Resource = {
  apiVersion: "v1",
  kind: "Namespace",
  plural: "namespaces",
  namespaced: false,
};

/**
 * `coordination.k8s.io/v1` `Lease` objects: leader election (see `leader_election.ts`). Written
 * whole by `update` (no status subresource), always with a resourceVersion: the API server
 * refuses an unconditional update of a Lease (422), and so does the embedded store.
 */
export const LEASES: Resource = {
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  plural: "leases",
  namespaced: true,
};

/** Options of list and watch. */
export interface ListOptions {
  /** Only this namespace; all namespaces when absent. */
  namespace?: string | undefined;
  /** Equality-based selector, e.g. `a=b,c!=d` (and `key`, `!key`). */
  labelSelector?: string | undefined;
}

/** A list result: the items and the resourceVersion to start a watch from. */
export interface ObjectList<T> {
  /** The objects, in no particular order. */
  items: T[];
  /** Collection resourceVersion at the time of the list. */
  resourceVersion: string;
}

/** Options of {@linkcode KubeClient.watch}. */
export interface WatchOptions extends ListOptions {
  /** Deliver changes after this resourceVersion (from a list). A too-old one ends the watch
   * with a `Gone` (410) {@linkcode KubeApiError}; the caller lists again. */
  resourceVersion?: string | undefined;
  /**
   * The server ends the watch (cleanly) after this many seconds, as the API server's
   * `timeoutSeconds`; the caller resumes from the last resourceVersion it saw. A client-side
   * deadline a little longer guards against a connection that silently stops delivering.
   * Absent: the server's own choice (the API server picks 1–2 × `--min-request-timeout`; the
   * embedded store never ends it).
   */
  timeoutSeconds?: number | undefined;
  /**
   * Ask for `BOOKMARK` events, which carry only a newer resourceVersion, so that a watch on a
   * quiet collection still moves forward and can resume without a `Gone`.
   */
  allowBookmarks?: boolean | undefined;
  /** Ends the watch. */
  signal?: AbortSignal | undefined;
}

/** One change seen by a watch. */
export interface WatchEvent<T> {
  /**
   * What happened. `BOOKMARK` (only with `allowBookmarks`) is no change: its object carries
   * nothing but `metadata.resourceVersion`, the version the watch has reached.
   */
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";
  /** The object after the change (for DELETED: its last state). */
  object: T;
}

/** Options of {@linkcode KubeClient.delete}. */
export interface DeleteOptions {
  /** Delete only if the object still has this uid / resourceVersion (else 409 Conflict). */
  preconditions?: { uid?: string | undefined; resourceVersion?: string | undefined } | undefined;
  /** `Background` (default; the garbage collector removes dependents) or `Foreground`. */
  propagationPolicy?: "Background" | "Foreground" | "Orphan" | undefined;
  /**
   * Seconds a kubelet gives the pod's processes to stop (0: at once; absent: the Pod's
   * `terminationGracePeriodSeconds`, 30 by default). A Pod bound to a node is marked
   * `Terminating` (`deletionTimestamp` = now + this, `deletionGracePeriodSeconds`) and stays
   * until its kubelet deletes it with 0; a later delete may only shorten the period. An unbound
   * or finished Pod, and any other kind, is deleted at once. Both backends behave alike here.
   */
  gracePeriodSeconds?: number | undefined;
}

/**
 * The Kubernetes API as the programs use it. Every method throws {@linkcode KubeApiError} for
 * API failures. `update` and `updateStatus` are optimistic: they send the object's
 * `metadata.resourceVersion` and fail with `Conflict` if it is stale; `update` ignores `status`
 * and `updateStatus` ignores everything but `status` (the status subresource).
 */
export interface KubeClient {
  /** Reads one object. */
  get<T extends KubeObject>(resource: Resource, namespace: string, name: string): Promise<T>;
  /** Lists objects. */
  list<T extends KubeObject>(resource: Resource, options?: ListOptions): Promise<ObjectList<T>>;
  /** Streams changes after `options.resourceVersion` (or from now). */
  watch<T extends KubeObject>(
    resource: Resource,
    options?: WatchOptions,
  ): AsyncIterable<WatchEvent<T>>;
  /** Creates an object (`metadata.generateName` gets a random suffix); returns it as stored. */
  create<T extends KubeObject>(resource: Resource, object: T): Promise<T>;
  /** Replaces spec and metadata (optimistic). */
  update<T extends KubeObject>(resource: Resource, object: T): Promise<T>;
  /** Replaces status through the status subresource (optimistic). */
  updateStatus<T extends KubeObject>(resource: Resource, object: T): Promise<T>;
  /** Applies a JSON merge patch (RFC 7386) to spec and metadata; not optimistic unless the patch
   * carries `metadata.resourceVersion`. */
  patch<T extends KubeObject>(
    resource: Resource,
    namespace: string,
    name: string,
    patch: Record<string, unknown>,
  ): Promise<T>;
  /** Asks for deletion; finalizers may keep the object (with `deletionTimestamp`) until removed. */
  delete(
    resource: Resource,
    namespace: string,
    name: string,
    options?: DeleteOptions,
  ): Promise<void>;
}

/** The `reason` of a failed API call, as the API server's `Status` reports it. */
export type KubeErrorReason =
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Invalid"
  | "BadRequest"
  | "Gone"
  | "Forbidden"
  | "Unauthorized"
  | "Timeout"
  | "TooManyRequests"
  | "ServiceUnavailable"
  | "InternalError"
  | "Unknown";

/**
 * A failed API call, with the HTTP `status` (e.g. 404, 409, 410, 422) and `reason` of the API
 * server's `Status`.
 */
export class KubeApiError extends HttpError {
  /** Machine-readable reason. */
  readonly reason: KubeErrorReason;

  /** Creates the error. */
  constructor(status: number, reason: KubeErrorReason, message: string, options?: ErrorOptions) {
    super(status, message, options);
    this.reason = reason;
  }
}

/** Whether `error` is a 404 NotFound. */
export function isNotFound(error: unknown): boolean {
  return error instanceof KubeApiError && error.reason === "NotFound";
}

/** Whether `error` is a 409 Conflict (stale resourceVersion). */
export function isConflict(error: unknown): boolean {
  return error instanceof KubeApiError && error.reason === "Conflict";
}

/** Whether `error` is a 409 AlreadyExists. */
export function isAlreadyExists(error: unknown): boolean {
  return error instanceof KubeApiError && error.reason === "AlreadyExists";
}

/** Whether `error` is a 410 Gone (watch resourceVersion too old). */
export function isGone(error: unknown): boolean {
  return error instanceof KubeApiError && error.reason === "Gone";
}

/**
 * Whether `error` says the API server could not take the request just now and the same request
 * may succeed later: 429 (too many requests), 503, a 500 "storage is (re)initializing" (etcd
 * or the CRD's storage coming up), a 504 timeout, or a connection that could not be made or
 * broke (the API server restarting). Conflicts, validation and not-found errors are not
 * transient: retrying them changes nothing.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof KubeApiError) {
    if (error.status === 429 || error.status === 503 || error.status === 504) return true;
    return error.status === 500 && /initializ|etcdserver|timeout/i.test(error.message);
  }
  return error instanceof TypeError && /connect|connection|network|socket|refused|reset|closed/i
    .test(`${error.message} ${String((error as { cause?: unknown }).cause ?? "")}`);
}
