/**
 * The Kubernetes backend of {@linkcode KubeClient}: a real API server through
 * `@kubernetes/client-node` (kubeconfig file, `KUBECONFIG`, or the in-cluster service account).
 *
 * Requests go through client-node's `KubernetesObjectApi` machinery (its auth, TLS and HTTP
 * client), but with URLs built from our {@linkcode Resource} descriptors and with responses kept as
 * plain JSON: client-node's own object methods run discovery per API group and turn core kinds into
 * model classes (with `Date` timestamps), which would make the two backends return different shapes.
 * Watches use client-node's `Watch`, turned from callbacks into an `AsyncIterable`.
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
  Watch,
} from "@kubernetes/client-node";
import {
  type DeleteOptions,
  KubeApiError,
  type KubeClient,
  type KubeErrorReason,
  type KubeObject,
  type ListOptions,
  type ObjectList,
  type Resource,
  type WatchEvent,
  type WatchOptions,
} from "./client.ts";

/** Options of {@linkcode createKubernetesClient}. */
export interface KubernetesClientOptions {
  /** A kubeconfig file. When absent, client-node's default lookup: `KUBECONFIG`,
   * `~/.kube/config`, then the in-cluster service account.
   * @default {undefined} */
  kubeconfigPath?: string;
}

const REASONS: ReadonlySet<string> = new Set<KubeErrorReason>([
  "NotFound",
  "AlreadyExists",
  "Conflict",
  "Invalid",
  "BadRequest",
  "Gone",
  "Forbidden",
  "Unauthorized",
  "Timeout",
  "InternalError",
]);

function reasonOfCode(code: number): KubeErrorReason {
  switch (code) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 422:
      return "Invalid";
    case 500:
      return "InternalError";
    case 504:
      return "Timeout";
    default:
      return "Unknown";
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Maps a failed response (HTTP status and body, a `Status` object or its JSON text) or a watch
 * `ERROR` event's `Status` to a {@linkcode KubeApiError}. The one place where API failures are
 * translated: `reason` is taken from the `Status` when it is one we name, else derived from the
 * code (410 `Expired` becomes `Gone`: both mean "list again").
 */
export function kubeApiErrorFromStatus(code: number, body: unknown): KubeApiError {
  let status: unknown = body;
  if (typeof body === "string") {
    try {
      status = JSON.parse(body);
    } catch {
      status = { message: body };
    }
  }
  const s = isRecord(status) ? status : {};
  const httpCode = typeof s.code === "number" && s.code > 0 ? s.code : code;
  const reason = typeof s.reason === "string" && REASONS.has(s.reason)
    ? s.reason as KubeErrorReason
    : reasonOfCode(httpCode);
  const message = typeof s.message === "string" && s.message !== ""
    ? s.message
    : `the server answered ${httpCode}`;
  return new KubeApiError(httpCode, reason, message);
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

function requireNamespace(resource: Resource, namespace: string | undefined, verb: string): string {
  if (!resource.namespaced) return "";
  if (!namespace) throw new TypeError(`Cannot ${verb} ${resource.plural}: a namespace is required`);
  return namespace;
}

function requireName(resource: Resource, name: string | undefined, verb: string): string {
  if (!name) throw new TypeError(`Cannot ${verb} ${resource.plural}: metadata.name is required`);
  return name;
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
  readonly #config: KubeConfig;
  readonly #api: JsonApi;

  constructor(config: KubeConfig) {
    this.#config = config;
    this.#api = config.makeApiClient(JsonApi);
  }

  async get<T extends KubeObject>(resource: Resource, namespace: string, name: string): Promise<T> {
    const ns = requireNamespace(resource, namespace, "get");
    const path = resourcePath(resource, ns, requireName(resource, name, "get"));
    return withType<T>(resource, await this.#api.request(HttpMethod.GET, path));
  }

  async list<T extends KubeObject>(
    resource: Resource,
    options: ListOptions = {},
  ): Promise<ObjectList<T>> {
    const path = resourcePath(resource, options.namespace);
    const list = await this.#api.request(HttpMethod.GET, path, {
      query: { labelSelector: options.labelSelector || undefined },
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
    const created = await this.#api.request(HttpMethod.POST, resourcePath(resource, ns), { body });
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
    return this.#api.request(HttpMethod.PUT, resourcePath(resource, ns, name, subresource), {
      body,
    });
  }

  async patch<T extends KubeObject>(
    resource: Resource,
    namespace: string,
    name: string,
    patch: Record<string, unknown>,
  ): Promise<T> {
    const ns = requireNamespace(resource, namespace, "patch");
    const path = resourcePath(resource, ns, requireName(resource, name, "patch"));
    const patched = await this.#api.request(HttpMethod.PATCH, path, {
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
    await this.#api.request(HttpMethod.DELETE, path, {
      body: {
        apiVersion: "v1",
        kind: "DeleteOptions",
        propagationPolicy: options.propagationPolicy ?? "Background",
        ...(options.preconditions === undefined ? {} : { preconditions: options.preconditions }),
      },
    });
  }

  watch<T extends KubeObject>(
    resource: Resource,
    options: WatchOptions = {},
  ): AsyncIterable<WatchEvent<T>> {
    // "From now" is a list's resourceVersion: a watch without one would start with a synthetic
    // ADDED for every existing object, which is not what the seam promises.
    const start = options.resourceVersion === undefined
      ? this.#currentVersion(resource, options.namespace)
      : Promise.resolve(options.resourceVersion);
    return this.#stream<T>(resource, options, start);
  }

  /** The collection's resourceVersion now (a list of at most one item). */
  async #currentVersion(resource: Resource, namespace: string | undefined): Promise<string> {
    const list = await this.#api.request(HttpMethod.GET, resourcePath(resource, namespace), {
      query: { limit: "1" },
    });
    const version = isRecord(list) && isRecord(list.metadata) ? list.metadata.resourceVersion : "";
    if (typeof version !== "string" || version === "") {
      throw new TypeError(`Cannot watch ${resource.plural}: the list has no resourceVersion`);
    }
    return version;
  }

  async *#stream<T extends KubeObject>(
    resource: Resource,
    options: WatchOptions,
    start: Promise<string>,
  ): AsyncGenerator<WatchEvent<T>> {
    let resourceVersion = await start;
    const signal = options.signal;
    const path = resourcePath(resource, options.namespace);
    while (!signal?.aborted) {
      const connection = new WatchConnection<T>(resource);
      const controller = await new Watch(this.#config).watch(
        path,
        {
          resourceVersion,
          labelSelector: options.labelSelector || undefined,
          allowWatchBookmarks: true,
        },
        (type, object) => connection.receive(type, object),
        (error) => connection.finish(error),
      );
      const onAbort = () => {
        controller.abort();
        // client-node does not always report the end of an aborted watch; end it ourselves.
        connection.finish(undefined);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const opened = Date.now();
      let received = 0;
      try {
        for await (const item of connection.events()) {
          if (item.kind === "bookmark") {
            resourceVersion = item.resourceVersion;
            continue;
          }
          resourceVersion = item.event.object.metadata.resourceVersion ?? resourceVersion;
          received++;
          yield item.event;
        }
      } finally {
        signal?.removeEventListener("abort", onAbort);
        controller.abort();
      }
      if (signal?.aborted) return;
      const failure = connection.failure;
      if (failure !== undefined && !isTimeout(failure)) throw toKubeError(failure);
      // The server (or client-node's 30 s inactivity timer) ended the watch: resume from the
      // last resourceVersion seen. A connection that closes at once is retried after a pause, so
      // a misbehaving server cannot make this spin.
      if (received === 0 && Date.now() - opened < 1000) await sleep(1000, signal);
    }
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof DOMException && error.name === "TimeoutError";
}

function toKubeError(error: unknown): unknown {
  if (error instanceof KubeApiError) return error;
  if (isRecord(error) && typeof error.statusCode === "number") {
    return kubeApiErrorFromStatus(error.statusCode, String(error.message ?? ""));
  }
  return error;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

type Received<T> =
  | { kind: "event"; event: WatchEvent<T> }
  | { kind: "bookmark"; resourceVersion: string };

/** One watch request: client-node's callbacks, buffered, read as an async iterable. */
class WatchConnection<T extends KubeObject> {
  readonly #resource: Resource;
  #queue: Received<T>[] = [];
  #wake: (() => void) | undefined;
  #done = false;
  /** Why the connection ended (undefined: closed normally). */
  failure: unknown;

  constructor(resource: Resource) {
    this.#resource = resource;
  }

  receive(type: string, object: unknown): void {
    if (this.#done) return;
    if (type === "ADDED" || type === "MODIFIED" || type === "DELETED") {
      this.#queue.push({
        kind: "event",
        event: { type, object: withType<T>(this.#resource, object) },
      });
    } else if (type === "BOOKMARK" && isRecord(object) && isRecord(object.metadata)) {
      this.#queue.push({
        kind: "bookmark",
        resourceVersion: String(object.metadata.resourceVersion),
      });
    } else if (type === "ERROR") {
      // A Status, e.g. 410 Gone for a resourceVersion etcd has compacted away.
      const code = isRecord(object) && typeof object.code === "number" ? object.code : 500;
      this.finish(kubeApiErrorFromStatus(code, object));
    } else {
      this.finish(
        new TypeError(`Cannot read the watch: unknown event type ${JSON.stringify(type)}`),
      );
    }
    this.#notify();
  }

  finish(error: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.failure = error ?? undefined;
    this.#notify();
  }

  async *events(): AsyncGenerator<Received<T>> {
    while (true) {
      const next = this.#queue.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.#done) return;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
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
  const config = new KubeConfig();
  if (options.kubeconfigPath === undefined) config.loadFromDefault();
  else config.loadFromFile(options.kubeconfigPath);
  return new KubernetesClient(config);
}
