/**
 * The Kubernetes client seam (`KubeClient`) and its two backends. See `client.ts` for the
 * contract; `contract_test.ts` runs one table of behaviours against both backends.
 *
 * - {@linkcode EmbeddedStore}: an in-process API with the API server's semantics, persisted to a
 *   data directory; the backend of `deno task dev` and the fast fake of unit tests.
 * - {@linkcode createKubernetesClient}: a real API server through `@kubernetes/client-node`.
 *
 * On top of the seam: the shared {@linkcode Informer} (list, watch, cache), the health endpoint,
 * and the pod's own namespace and identity. Leader election on a Lease (`LeaderElector`) has its own
entry point, `@kruise-agents/shared/kube/leader-election`, so a program that never elects does not
load it (the chart's RBAC is read from the modules each program loads).
 *
 * @module
 */
export * from "./client.ts";
export * from "./object_key.ts";
export * from "./informer.ts";
export { EmbeddedStore, type EmbeddedStoreOptions } from "./embedded_store.ts";
export {
  createKubernetesClient,
  kubeApiErrorFromStatus,
  type KubernetesClientOptions,
} from "./kubernetes_client.ts";
// Objects cross the seam with apimachinery metadata; re-exported so the seam's documentation is
// complete without importing `shared/api`.
export type { ObjectMeta, OwnerReference } from "../api/meta.ts";
export * from "./health_endpoint.ts";
export * from "./own_pod.ts";
export * from "./kube_fetch.ts";
