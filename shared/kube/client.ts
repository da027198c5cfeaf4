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
 * The seam's typed errors are in `kube_errors.ts`, re-exported here.
 *
 * @module
 */
import type { ObjectMeta } from "../api/meta.ts";

/**
 * Any Kubernetes object, as JSON.
 *
 * @example
 * ```ts
 * import type { KubeObject } from "@kruise-agents/shared/kube";
 * const secret: KubeObject = {
 *   apiVersion: "v1",
 *   kind: "Secret",
 *   metadata: { name: "api-key", namespace: "default" },
 *   stringData: { key: "e2b_0123" },
 * };
 * ```
 */
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

/**
 * Which collection an operation addresses.
 *
 * @example
 * ```ts
 * import type { Resource } from "@kruise-agents/shared/kube";
 * const configMaps: Resource = {
 *   apiVersion: "v1",
 *   kind: "ConfigMap",
 *   plural: "configmaps",
 *   namespaced: true,
 * };
 * ```
 */
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

/**
 * `Sandbox` objects.
 *
 * @example
 * ```ts
 * import { EmbeddedStore, SANDBOXES } from "@kruise-agents/shared/kube";
 * await using kube = await EmbeddedStore.open();
 * const { items } = await kube.list(SANDBOXES, { namespace: "default" });
 * console.log(items.length); // 0
 * ```
 */
export const SANDBOXES: Resource = {
  apiVersion: "agents.kruise.io/v1alpha1",
  kind: "Sandbox",
  plural: "sandboxes",
  namespaced: true,
};
/**
 * `SandboxSet` objects.
 *
 * @example
 * ```ts
 * import { EmbeddedStore, SANDBOX_SETS } from "@kruise-agents/shared/kube";
 * import { parseSandboxSet } from "@kruise-agents/shared/api";
 * await using kube = await EmbeddedStore.open();
 * const { items } = await kube.list(SANDBOX_SETS, { labelSelector: "team=a" });
 * const pools = items.map(parseSandboxSet);
 * ```
 */
export const SANDBOX_SETS: Resource = {
  apiVersion: "agents.kruise.io/v1alpha1",
  kind: "SandboxSet",
  plural: "sandboxsets",
  namespaced: true,
};
/**
 * `Pod` objects.
 *
 * @example
 * ```ts
 * import { EmbeddedStore, PODS } from "@kruise-agents/shared/kube";
 * await using kube = await EmbeddedStore.open();
 * await kube.create(PODS, {
 *   apiVersion: "v1",
 *   kind: "Pod",
 *   metadata: { namespace: "default", name: "web" },
 *   spec: { containers: [{ name: "main", image: "nginx" }] },
 * });
 * await kube.delete(PODS, "default", "web");
 * ```
 */
export const PODS: Resource = { apiVersion: "v1", kind: "Pod", plural: "pods", namespaced: true };
/**
 * `Secret` objects (API keys).
 *
 * @example
 * ```ts
 * import { EmbeddedStore, SECRETS } from "@kruise-agents/shared/kube";
 * await using kube = await EmbeddedStore.open();
 * await kube.create(SECRETS, {
 *   apiVersion: "v1",
 *   kind: "Secret",
 *   metadata: { namespace: "default", name: "api-key" },
 *   stringData: { key: "e2b_0123" },
 * });
 * ```
 */
export const SECRETS: Resource = {
  apiVersion: "v1",
  kind: "Secret",
  plural: "secrets",
  namespaced: true,
};
/**
 * `Namespace` objects (teams).
 *
 * @example
 * ```ts
 * import { EmbeddedStore, NAMESPACES } from "@kruise-agents/shared/kube";
 * await using kube = await EmbeddedStore.open();
 * const namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" } };
 * await kube.create(NAMESPACES, namespace);
 * const { items } = await kube.list(NAMESPACES);
 * ```
 */
export const NAMESPACES: Resource = {
  apiVersion: "v1",
  kind: "Namespace",
  plural: "namespaces",
  namespaced: false,
};

/**
 * `PersistentVolume` objects (cluster-scoped): the volumes a create's CSI mounts name, which the
 * manager resolves to their CSI driver and volume handle.
 *
 * @example
 * ```ts
 * import { EmbeddedStore, PERSISTENT_VOLUMES } from "@kruise-agents/shared/kube";
 * await using kube = await EmbeddedStore.open();
 * await kube.create(PERSISTENT_VOLUMES, {
 *   apiVersion: "v1",
 *   kind: "PersistentVolume",
 *   metadata: { name: "data" },
 *   spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteMany"], csi: { driver: "hostpath.csi.k8s.io", volumeHandle: "data" } },
 * });
 * ```
 */
export const PERSISTENT_VOLUMES: Resource = {
  apiVersion: "v1",
  kind: "PersistentVolume",
  plural: "persistentvolumes",
  namespaced: false,
};

/**
 * `coordination.k8s.io/v1` `Lease` objects: leader election (see `leader_election.ts`). Written
 * whole by `update` (no status subresource), always with a resourceVersion: the API server
 * refuses an unconditional update of a Lease (422), and so does the embedded store.
 *
 * @example
 * ```ts
 * import { EmbeddedStore, LEASES } from "@kruise-agents/shared/kube";
 * import { parseLease } from "@kruise-agents/shared/api";
 * await using kube = await EmbeddedStore.open();
 * const { items } = await kube.list(LEASES, { namespace: "kruise-agents" });
 * const holders = items.map((raw) => parseLease(raw).spec?.holderIdentity);
 * ```
 */
export const LEASES: Resource = {
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  plural: "leases",
  namespaced: true,
};

/**
 * Options of list and watch.
 *
 * @example
 * ```ts
 * import { EmbeddedStore, type ListOptions, PODS } from "@kruise-agents/shared/kube";
 * await using kube = await EmbeddedStore.open();
 * const options: ListOptions = { namespace: "default", labelSelector: "app=web,tier!=cache" };
 * const { items } = await kube.list(PODS, options);
 * ```
 */
export interface ListOptions {
  /** Only this namespace; all namespaces when absent. */
  namespace?: string | undefined;
  /** Equality-based selector, e.g. `a=b,c!=d` (and `key`, `!key`). */
  labelSelector?: string | undefined;
  /** Field selector, e.g. `spec.nodeName=node-1` (`=`, `==`, `!=`, joined by commas). */
  fieldSelector?: string | undefined;
}

/**
 * A list result: the items and the resourceVersion to start a watch from.
 *
 * @example
 * ```ts
 * import { EmbeddedStore, type KubeObject, type ObjectList } from "@kruise-agents/shared/kube";
 * import { PODS } from "@kruise-agents/shared/kube";
 * await using kube = await EmbeddedStore.open();
 * const pods: ObjectList<KubeObject> = await kube.list(PODS);
 * // a watch from pods.resourceVersion misses no change made after the list
 * console.log(pods.items.length, pods.resourceVersion);
 * ```
 */
export interface ObjectList<T> {
  /** The objects, in no particular order. */
  items: T[];
  /** Collection resourceVersion at the time of the list. */
  resourceVersion: string;
}

/**
 * Options of {@linkcode KubeClient.watch}.
 *
 * @example
 * ```ts ignore
 * import { createKubernetesClient, SANDBOXES } from "@kruise-agents/shared/kube";
 * import type { WatchOptions } from "@kruise-agents/shared/kube";
 * const kube = createKubernetesClient();
 * const list = await kube.list(SANDBOXES);
 * const options: WatchOptions = {
 *   resourceVersion: list.resourceVersion,
 *   timeoutSeconds: 300,
 *   allowBookmarks: true,
 *   signal: AbortSignal.timeout(600_000),
 * };
 * for await (const event of kube.watch(SANDBOXES, options)) console.log(event.type);
 * ```
 */
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

/**
 * One change seen by a watch.
 *
 * @example
 * ```ts
 * import type { KubeObject, WatchEvent } from "@kruise-agents/shared/kube";
 * function describe(event: WatchEvent<KubeObject>): string {
 *   return `${event.type} ${event.object.metadata.name}`;
 * }
 * ```
 */
export interface WatchEvent<T> {
  /**
   * What happened. `BOOKMARK` (only with `allowBookmarks`) is no change: its object carries
   * nothing but `metadata.resourceVersion`, the version the watch has reached.
   */
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";
  /** The object after the change (for DELETED: its last state). */
  object: T;
}

/**
 * Options of {@linkcode KubeClient.patch}.
 *
 * @example
 * ```ts ignore
 * import { createKubernetesClient, PODS, type PatchOptions } from "@kruise-agents/shared/kube";
 * const kube = createKubernetesClient();
 * const options: PatchOptions = { subresource: "resize" };
 * const containers = [{ name: "main", resources: { limits: { cpu: "2" } } }];
 * await kube.patch(PODS, "default", "web", { spec: { containers } }, options);
 * ```
 */
export interface PatchOptions {
  /**
   * `resize`: a Pod's container resources, changed in place (Kubernetes 1.33+ accepts resource
   * changes only through this subresource; the kubelet then resizes the running containers).
   */
  subresource?: "resize";
}

/**
 * Options of {@linkcode KubeClient.delete}.
 *
 * @example
 * ```ts ignore
 * import { createKubernetesClient, type DeleteOptions, PODS } from "@kruise-agents/shared/kube";
 * const kube = createKubernetesClient();
 * const pod = await kube.get(PODS, "default", "web");
 * const options: DeleteOptions = {
 *   preconditions: { uid: pod.metadata.uid },
 *   gracePeriodSeconds: 0,
 * };
 * await kube.delete(PODS, "default", "web", options);
 * ```
 */
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
 *
 * @example
 * ```ts
 * import {
 *   EmbeddedStore,
 *   isConflict,
 *   type KubeClient,
 *   type KubeObject,
 *   SECRETS,
 * } from "@kruise-agents/shared/kube";
 * async function label(kube: KubeClient, name: string): Promise<KubeObject> {
 *   for (;;) {
 *     const secret = await kube.get(SECRETS, "default", name);
 *     secret.metadata.labels = { ...secret.metadata.labels, owner: "me" };
 *     try {
 *       return await kube.update(SECRETS, secret);
 *     } catch (error) {
 *       if (!isConflict(error)) throw error; // stale resourceVersion: read again
 *     }
 *   }
 * }
 * await using kube = await EmbeddedStore.open();
 * await kube.create(SECRETS, {
 *   apiVersion: "v1", kind: "Secret", metadata: { namespace: "default", name: "k" },
 * });
 * await label(kube, "k");
 * ```
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
  /** Applies a JSON merge patch (RFC 7386) to spec and metadata (or, with `subresource`, through
   * it); not optimistic unless the patch carries `metadata.resourceVersion`. */
  patch<T extends KubeObject>(
    resource: Resource,
    namespace: string,
    name: string,
    patch: Record<string, unknown>,
    options?: PatchOptions,
  ): Promise<T>;
  /** Asks for deletion; finalizers may keep the object (with `deletionTimestamp`) until removed. */
  delete(
    resource: Resource,
    namespace: string,
    name: string,
    options?: DeleteOptions,
  ): Promise<void>;
}

export * from "./kube_errors.ts";
