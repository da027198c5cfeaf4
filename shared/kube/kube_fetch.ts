/**
 * A plain `fetch` to the API server of a kubeconfig, with its credentials (CA, client certificate,
 * token or exec plugin, re-read per request as client-node does): for the few verbs the typed
 * client mangles. client-node serializes a body through its generated models, which drop the
 * fields they do not name in camelCase, such as a CRD schema's `x-kubernetes-int-or-string`; a
 * server-side apply of a CRD through it is then rejected. Tools (`deno task deploy`) send such
 * bodies as they are.
 *
 * @module
 */
// deno-lint-ignore no-unused-vars -- referenced by the JSDoc below
import type { createKubernetesClient } from "./kubernetes_client.ts";
import { KubeConfig } from "@kubernetes/client-node";
import { fetchWatchTransport } from "./_watch_stream.ts";

/**
 * One request: the verb, and a body with its content type.
 *
 * @example
 * ```ts ignore
 * import { kubeFetch, type KubeRequest } from "@kruise-agents/shared/kube";
 * const send = kubeFetch();
 * const request: KubeRequest = {
 *   method: "PATCH",
 *   body: JSON.stringify({ metadata: { labels: { team: "a" } } }),
 *   contentType: "application/merge-patch+json",
 * };
 * const response = await send("/api/v1/namespaces/default", request);
 * ```
 */
export interface KubeRequest {
  /** HTTP method. @default {"GET"} */
  method?: string;
  /** The body, sent as it is. */
  body?: string;
  /** Its content type, e.g. `application/apply-patch+yaml`. */
  contentType?: string;
}

/**
 * Returns a function that sends `pathAndQuery` to the current cluster of the kubeconfig at
 * `kubeconfigPath` (absent: client-node's default lookup, as {@linkcode createKubernetesClient})
 * with its credentials. Throws `TypeError` for a context without a cluster or with
 * `insecure-skip-tls-verify`.
 *
 * @example
 * ```ts ignore
 * import { kubeFetch } from "@kruise-agents/shared/kube";
 * const send = kubeFetch(Deno.env.get("KUBECONFIG"));
 * const res = await send("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x?fieldManager=me", {
 *   method: "PATCH", body: crdJson, contentType: "application/apply-patch+yaml",
 * });
 * ```
 */
export function kubeFetch(
  kubeconfigPath?: string,
): (pathAndQuery: string, request?: KubeRequest) => Promise<Response> {
  const config = new KubeConfig();
  if (kubeconfigPath === undefined) config.loadFromDefault();
  else config.loadFromFile(kubeconfigPath);
  const transport = fetchWatchTransport(config);
  return (pathAndQuery, request = {}) =>
    transport.open(pathAndQuery, undefined, {
      method: request.method ?? "GET",
      ...(request.body !== undefined ? { body: request.body } : {}),
      ...(request.contentType ? { contentType: request.contentType } : {}),
    });
}
