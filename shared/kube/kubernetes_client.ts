/**
 * The Kubernetes backend of {@linkcode KubeClient}: a real API server through
 * `@kubernetes/client-node` (kubeconfig file, `KUBECONFIG`, or the in-cluster service account).
 *
 * Requests go through client-node's `KubernetesObjectApi` machinery (its auth, TLS and HTTP
 * client, pinned to HTTP/1.1: `_http1_kubeconfig.ts` says why), but with URLs built from our
 * {@linkcode Resource} descriptors and with responses kept as
 * plain JSON: client-node's own object methods run discovery per API group and turn core kinds into
 * model classes (with `Date` timestamps), which would make the two backends return different shapes.
 * Watches are the one exception: they run on Deno's `fetch` with the same credentials
 * (`_watch_stream.ts` says why), one request per {@linkcode KubeClient.watch}, ended by the
 * server's `timeoutSeconds` or the caller's signal; the shared `Informer` resumes them.
 *
 * Requests ride out a busy or restarting API server: a transient failure (429, 503, 504, a 500
 * "storage is (re)initializing", a refused connection) is retried with a capped, jittered
 * backoff, a bounded number of times, each retry logged. A create is retried only when the
 * server cannot have processed it.
 *
 * Every API failure becomes a {@linkcode KubeApiError} in one place,
 * {@linkcode kubeApiErrorFromStatus}, from the server's `Status` (`reason`, `code`, `message`).
 *
 * @module
 */
import {
  HttpMethod,
  KubeConfig,
  KubernetesObjectApi,
  type RequestContext,
  type ResponseContext,
} from "@kubernetes/client-node";
import {
  type DeleteOptions,
  isTransient,
  KubeApiError,
  type KubeClient,
  type KubeObject,
  type ListOptions,
  type ObjectList,
  type PatchOptions,
  type Resource,
  type WatchEvent,
  type WatchOptions,
} from "./client.ts";
import { requireName, requireNamespace } from "./_arguments.ts";
import { Http1KubeConfig } from "./_http1_kubeconfig.ts";
import { kubeApiErrorFromStatus } from "./_status.ts";
import { fetchWatchTransport, readWatchEvents, type WatchTransport } from "./_watch_stream.ts";
import { isRecord } from "../std/json.ts";
import { delay } from "../std/async.ts";
import { errorMessage, type Logger, silentLogger } from "../std/logger.ts";

export { kubeApiErrorFromStatus };

/**
 * Options of {@linkcode createKubernetesClient}.
 *
 * @example
 * ```ts ignore
 * import { createKubernetesClient } from "@kruise-agents/shared/kube";
 * import type { KubernetesClientOptions } from "@kruise-agents/shared/kube";
 * import { consoleLogger } from "@kruise-agents/shared/std";
 * const options: KubernetesClientOptions = {
 *   kubeconfigPath: `${Deno.env.get("HOME")}/.kube/config`,
 *   logger: consoleLogger,
 *   attempts: 4,
 *   retryDelayMs: 500,
 * };
 * const kube = createKubernetesClient(options);
 * ```
 */
export interface KubernetesClientOptions {
  /** A kubeconfig file. When absent, client-node's default lookup: `KUBECONFIG`,
   * `~/.kube/config`, then the in-cluster service account.
   * @default {undefined} */
  kubeconfigPath?: string | undefined;
  /** Where retries of transient failures are logged. @default {silentLogger} */
  logger?: Logger | undefined;
  /** Tries of a request that fails transiently, the first included. @default {8} */
  attempts?: number | undefined;
  /** First retry delay, in ms; it doubles up to 4 s, with jitter. @default {250} */
  retryDelayMs?: number | undefined;
}

/** Whether a failed create cannot have been processed, so sending it again is safe. */
function createWasRefused(error: unknown): boolean {
  if (error instanceof KubeApiError) return error.status !== 504;
  return /refused/i.test(`${errorMessage(error)} ${String((error as Error).cause ?? "")}`);
}

/** URL path of a collection, an object, or an object's subresource. */
function resourcePath(
  resource: Resource,
  namespace: string | undefined,
  name?: string,
  subresource?: string,
): string {
  const group = resource.apiVersion.includes("/") ? "apis" : "api";
  let path = `/${group}/${resource.apiVersion}`;
  if (resource.namespaced && namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${resource.plural}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) path += `/${subresource}`;
  return path;
}

/** Lists of core kinds omit `apiVersion`/`kind` on their items; every object we return has them. */
function withType<T extends KubeObject>(resource: Resource, object: unknown): T {
  if (!isRecord(object) || !isRecord(object.metadata)) {
    throw new TypeError(`Cannot read ${resource.kind}: the server sent no object`);
  }
  return { ...object, apiVersion: resource.apiVersion, kind: resource.kind } as T;
}

/**
 * client-node's request pipeline (auth, TLS, middleware) with JSON in and JSON out. Subclassing is
 * the supported way in: `requestPromise` and `processResponse` are protected.
 */
class JsonApi extends KubernetesObjectApi {
  async request(
    method: HttpMethod,
    path: string,
    options: { query?: Record<string, string | undefined>; body?: unknown; contentType?: string } =
      {},
  ): Promise<unknown> {
    const context: RequestContext = this.configuration.baseServer.makeRequestContext(path, method);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) context.setQueryParam(key, value);
    }
    context.setHeaderParam("Accept", "application/json");
    if (options.body !== undefined) {
      context.setHeaderParam("Content-Type", options.contentType ?? "application/json");
      context.setBody(JSON.stringify(options.body));
    }
    // The generic parameter of requestPromise is for client-node's model types; ours is JSON.
    return await this.requestPromise(context) as unknown;
  }

  // deno-lint-ignore no-explicit-any
  protected override async processResponse(response: ResponseContext): Promise<any> {
    const text = await response.body.text();
    if (response.httpStatusCode >= 200 && response.httpStatusCode <= 299) {
      return text === "" ? undefined : JSON.parse(text);
    }
    throw kubeApiErrorFromStatus(response.httpStatusCode, text);
  }
}

class KubernetesClient implements KubeClient {
  readonly #api: JsonApi;
  readonly #transport: WatchTransport;
  readonly #logger: Logger;
  readonly #attempts: number;
  readonly #retryDelayMs: number;

  constructor(config: KubeConfig, options: KubernetesClientOptions) {
    this.#api = config.makeApiClient(JsonApi);
    this.#transport = fetchWatchTransport(config);
    this.#logger = options.logger ?? silentLogger;
    this.#attempts = options.attempts ?? 8;
    this.#retryDelayMs = options.retryDelayMs ?? 250;
  }

  /** One API call, retried while it fails transiently (see the module doc). */
  async #request(
    method: HttpMethod,
    path: string,
    options?: Parameters<JsonApi["request"]>[2],
  ): Promise<unknown> {
    for (let attempt = 1;; attempt++) {
      try {
        return await this.#api.request(method, path, options);
      } catch (error) {
        const retry = attempt < this.#attempts && isTransient(error) &&
          (method !== HttpMethod.POST || createWasRefused(error));
        if (!retry) throw error;
        const ceiling = Math.min(4000, this.#retryDelayMs * 2 ** (attempt - 1));
        const retryInMs = Math.round(ceiling / 2 + (ceiling / 2) * Math.random());
        this.#logger.warn("Kubernetes API request failed; retrying", {
          method,
          path,
          error: errorMessage(error),
          attempt,
          retryInMs,
        });
        await delay(retryInMs);
      }
    }
  }

  async get<T extends KubeObject>(resource: Resource, namespace: string, name: string): Promise<T> {
    const ns = requireNamespace(resource, namespace, "get");
    const path = resourcePath(resource, ns, requireName(resource, name, "get"));
    return withType<T>(resource, await this.#request(HttpMethod.GET, path));
  }

  async list<T extends KubeObject>(
    resource: Resource,
    options: ListOptions = {},
  ): Promise<ObjectList<T>> {
    const path = resourcePath(resource, options.namespace);
    const list = await this.#request(HttpMethod.GET, path, {
      query: {
        labelSelector: options.labelSelector || undefined,
        fieldSelector: options.fieldSelector || undefined,
      },
    });
    if (!isRecord(list) || !Array.isArray(list.items) || !isRecord(list.metadata)) {
      throw new TypeError(`Cannot list ${resource.plural}: the server sent no list`);
    }
    return {
      items: list.items.map((item) => withType<T>(resource, item)),
      resourceVersion: String(list.metadata.resourceVersion ?? ""),
    };
  }

  async create<T extends KubeObject>(resource: Resource, object: T): Promise<T> {
    const ns = requireNamespace(resource, object.metadata?.namespace, "create");
    const body = { ...object, apiVersion: resource.apiVersion, kind: resource.kind };
    const created = await this.#request(HttpMethod.POST, resourcePath(resource, ns), { body });
    return withType<T>(resource, created);
  }

  async update<T extends KubeObject>(resource: Resource, object: T): Promise<T> {
    return withType<T>(resource, await this.#replace(resource, object, undefined));
  }

  async updateStatus<T extends KubeObject>(resource: Resource, object: T): Promise<T> {
    return withType<T>(resource, await this.#replace(resource, object, "status"));
  }

  #replace(resource: Resource, object: KubeObject, subresource?: string): Promise<unknown> {
    const ns = requireNamespace(resource, object.metadata?.namespace, "update");
    const name = requireName(resource, object.metadata?.name, "update");
    const body = { ...object, apiVersion: resource.apiVersion, kind: resource.kind };
    return this.#request(HttpMethod.PUT, resourcePath(resource, ns, name, subresource), {
      body,
    });
  }

  async patch<T extends KubeObject>(
    resource: Resource,
    namespace: string,
    name: string,
    patch: Record<string, unknown>,
    options: PatchOptions = {},
  ): Promise<T> {
    const ns = requireNamespace(resource, namespace, "patch");
    const named = requireName(resource, name, "patch");
    const path = resourcePath(resource, ns, named, options.subresource);
    const patched = await this.#request(HttpMethod.PATCH, path, {
      body: patch,
      contentType: "application/merge-patch+json",
    });
    return withType<T>(resource, patched);
  }

  async delete(
    resource: Resource,
    namespace: string,
    name: string,
    options: DeleteOptions = {},
  ): Promise<void> {
    const ns = requireNamespace(resource, namespace, "delete");
    const path = resourcePath(resource, ns, requireName(resource, name, "delete"));
    await this.#request(HttpMethod.DELETE, path, {
      body: {
        apiVersion: "v1",
        kind: "DeleteOptions",
        propagationPolicy: options.propagationPolicy ?? "Background",
        // JSON leaves out the options that are undefined.
        preconditions: options.preconditions,
        gracePeriodSeconds: options.gracePeriodSeconds,
      },
    });
  }

  watch<T extends KubeObject>(
    resource: Resource,
    options: WatchOptions = {},
  ): AsyncIterable<WatchEvent<T>> {
    return this.#watch<T>(resource, options);
  }

  async *#watch<T extends KubeObject>(
    resource: Resource,
    options: WatchOptions,
  ): AsyncGenerator<WatchEvent<T>> {
    // "From now" is a list's resourceVersion: a watch without one would start with a synthetic
    // ADDED for every existing object, which is not what the seam promises.
    const resourceVersion = options.resourceVersion ??
      await this.#currentVersion(resource, options.namespace);
    const query = new URLSearchParams({ watch: "true", resourceVersion });
    if (options.allowBookmarks) query.set("allowWatchBookmarks", "true");
    if (options.timeoutSeconds !== undefined) {
      query.set("timeoutSeconds", String(options.timeoutSeconds));
    }
    if (options.labelSelector) query.set("labelSelector", options.labelSelector);
    if (options.fieldSelector) query.set("fieldSelector", options.fieldSelector);
    const path = `${resourcePath(resource, options.namespace)}?${query}`;
    try {
      const response = await this.#transport.open(path, options.signal);
      if (!response.ok) throw kubeApiErrorFromStatus(response.status, await response.text());
      yield* readWatchEvents<T>(response, resource);
    } catch (error) {
      // The caller's signal ends the watch, as the seam promises: quietly, not as a failure.
      if (options.signal?.aborted) return;
      throw error;
    }
  }

  /** The collection's resourceVersion now (a list of at most one item). */
  async #currentVersion(resource: Resource, namespace: string | undefined): Promise<string> {
    const list = await this.#request(HttpMethod.GET, resourcePath(resource, namespace), {
      query: { limit: "1" },
    });
    const version = isRecord(list) && isRecord(list.metadata) ? list.metadata.resourceVersion : "";
    if (typeof version !== "string" || version === "") {
      throw new TypeError(`Cannot watch ${resource.plural}: the list has no resourceVersion`);
    }
    return version;
  }
}

/**
 * Creates the Kubernetes backend of {@linkcode KubeClient}. Configuration is read once, here:
 * from `options.kubeconfigPath`, else client-node's default lookup (`KUBECONFIG`,
 * `~/.kube/config`, in-cluster service account). The CA of the kubeconfig is trusted for TLS.
 *
 * @example
 * ```ts ignore
 * import { createKubernetesClient, SANDBOXES } from "@kruise-agents/shared/kube";
 * const kube = createKubernetesClient({ kubeconfigPath: Deno.env.get("KUBECONFIG") });
 * const { items } = await kube.list(SANDBOXES, { namespace: "default" });
 * ```
 */
export function createKubernetesClient(options: KubernetesClientOptions = {}): KubeClient {
  const config = new Http1KubeConfig();
  if (options.kubeconfigPath === undefined) config.loadFromDefault();
  else config.loadFromFile(options.kubeconfigPath);
  return new KubernetesClient(config, options);
}
