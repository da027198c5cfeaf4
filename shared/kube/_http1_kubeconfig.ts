/**
 * The `KubeConfig` of the Kubernetes backend: client-node's, except that its requests never use
 * HTTP/2.
 *
 * Why: client-node 2.0.1 sends every request through an npm `undici` Agent, and undici 8
 * negotiates HTTP/2 (ALPN) with the API server by default. Under Deno, undici's HTTP/2 runs on
 * Deno's `node:http2`, which takes the whole process down when the API server sends GOAWAY, as it
 * does when it restarts: an nghttp2 assertion (`stream->closed_next == NULL` in
 * `find_stream_on_goaway_func`) or a segfault. `informer_kube_apiserver_test.ts` died that way on
 * three API server restarts out of four, and so could the controller and the manager in a
 * cluster. Over HTTP/1.1 a restart is a refused or reset connection, which the client retries.
 * Nothing is lost: client-node builds a new agent (so a new connection) for every request anyway.
 * The watches do not go through undici (`_watch_stream.ts`), and Deno's own `fetch` rides out a
 * GOAWAY.
 *
 * @module
 */
import type { RequestOptions } from "node:https";
import { KubeConfig, type RequestContext } from "@kubernetes/client-node";

/**
 * How long a kept connection may stay idle before the client closes it, in ms: well under the
 * idle timeouts of the load balancers in front of managed API servers (60 s and more), so the
 * client, not the balancer, ends an idle connection.
 */
export const KEEP_ALIVE_MS = 30_000;

/** The TLS settings of client-node's HTTPS options that its undici agents are built from. */
const AGENT_OPTIONS = [
  "ca",
  "cert",
  "key",
  "pfx",
  "passphrase",
  "rejectUnauthorized",
  "servername",
] as const;

type Dispatcher = NonNullable<ReturnType<RequestContext["getDispatcher"]>>;

/** `dispatcher`, with every request it dispatches pinned to HTTP/1.1 (undici's `allowH2`). */
function http1Only(dispatcher: Dispatcher): Dispatcher {
  return new Proxy(dispatcher, {
    get(target, property) {
      if (property === "dispatch") {
        return (options: Parameters<Dispatcher["dispatch"]>[0], handler: unknown) =>
          target.dispatch(
            { ...options, allowH2: false } as typeof options,
            handler as Parameters<Dispatcher["dispatch"]>[1],
          );
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * A `KubeConfig` whose requests go over HTTP/1.1 only, on connections kept per cluster and user
 * (see the module documentation).
 */
export class Http1KubeConfig extends KubeConfig {
  readonly #dispatchers = new Map<string, Dispatcher>();

  /**
   * client-node's authentication and TLS set-up, then the kept dispatcher of this cluster and
   * user (the one built for this request becomes it the first time), pinned to HTTP/1.1.
   */
  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const dispatcher = context.getDispatcher();
    if (dispatcher === undefined) return;
    const cluster = this.getCurrentCluster();
    const key = JSON.stringify([cluster?.name, cluster?.server, this.getCurrentUser()?.name]);
    let kept = this.#dispatchers.get(key);
    if (kept === undefined) {
      kept = http1Only(await this.#longLived(dispatcher));
      this.#dispatchers.set(key, kept);
    } else {
      // Built for this request and never connected: nothing to wait for.
      dispatcher.close().catch(() => {});
    }
    context.setDispatcher(kept);
  }

  /**
   * An agent like `built` (client-node's, for the current cluster and user) whose connections
   * stay idle up to {@linkcode KEEP_ALIVE_MS}; `built` itself when it is no plain agent (a
   * proxy's or a SOCKS connector's keeps its own settings).
   */
  async #longLived(built: Dispatcher): Promise<Dispatcher> {
    const https: Record<string, unknown> = {};
    await this.applyToHTTPSOptions(https as RequestOptions);
    const tls = Object.fromEntries(AGENT_OPTIONS.map((name) => [name, https[name]]));
    const options = this.createDispatcherOptions(this.getCurrentCluster(), tls);
    if (options.type !== "agent") return built;
    // The same undici class client-node built (its own copy of undici, not one of ours).
    const Agent = built.constructor as new (options: Record<string, unknown>) => Dispatcher;
    built.close().catch(() => {});
    return new Agent({
      connect: options.connect,
      keepAliveTimeout: KEEP_ALIVE_MS,
      keepAliveMaxTimeout: KEEP_ALIVE_MS,
    });
  }

  /** Closes the kept connections (their idle sockets would otherwise outlive the client). */
  async close(): Promise<void> {
    const dispatchers = [...this.#dispatchers.values()];
    this.#dispatchers.clear();
    await Promise.allSettled(dispatchers.map((d) => d.close()));
  }
}
