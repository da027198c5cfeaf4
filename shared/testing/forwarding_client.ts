/**
 * A {@linkcode KubeClient} that hands every call to another one: the base of the test clients
 * that model a failure between a program and its API server (a watch that lags or is held back,
 * requests that fail or never answer). A subclass overrides only what it changes, calling
 * `super` for the rest, or {@linkcode ForwardingClient.send} to act on every request at once.
 *
 * @example
 * ```ts
 * import { EmbeddedStore, type KubeClient, type KubeObject, type Resource } from "@kruise-agents/shared/kube";
 * import { ForwardingClient } from "@kruise-agents/shared/testing";
 *
 * class CountingClient extends ForwardingClient {
 *   gets = 0;
 *   override get<T extends KubeObject>(r: Resource, ns: string, name: string): Promise<T> {
 *     this.gets++;
 *     return super.get(r, ns, name);
 *   }
 * }
 * await using store = await EmbeddedStore.open();
 * const client: KubeClient = new CountingClient(store);
 * ```
 *
 * @module
 */
import type {
  DeleteOptions,
  KubeClient,
  KubeObject,
  ListOptions,
  ObjectList,
  PatchOptions,
  Resource,
  WatchEvent,
  WatchOptions,
} from "../kube/client.ts";

/**
 * Passes every call to the client it wraps; subclasses change some of them.
 *
 * @example
 * ```ts
 * import { EmbeddedStore, type KubeClient } from "@kruise-agents/shared/kube";
 * import { ForwardingClient } from "@kruise-agents/shared/testing";
 * class FlakyClient extends ForwardingClient {
 *   protected override send<T>(request: () => Promise<T>): Promise<T> {
 *     return Math.random() < 0.1 ? Promise.reject(new TypeError("connection reset")) : request();
 *   }
 * }
 * await using store = await EmbeddedStore.open();
 * const kube: KubeClient = new FlakyClient(store);
 * ```
 */
export class ForwardingClient implements KubeClient {
  readonly #inner: KubeClient;

  /** Wraps `inner`. */
  constructor(inner: KubeClient) {
    this.#inner = inner;
  }

  /**
   * Runs `request`, one of the calls but `watch`, and returns its outcome. Override it to make
   * every request fail, hang or be counted.
   */
  protected send<T>(request: () => Promise<T>): Promise<T> {
    return request();
  }

  /** Forwards {@linkcode KubeClient.get} through {@linkcode ForwardingClient.send}. */
  get<T extends KubeObject>(r: Resource, ns: string, name: string): Promise<T> {
    return this.send(() => this.#inner.get<T>(r, ns, name));
  }

  /** Forwards {@linkcode KubeClient.list} through {@linkcode ForwardingClient.send}. */
  list<T extends KubeObject>(r: Resource, o?: ListOptions): Promise<ObjectList<T>> {
    return this.send(() => this.#inner.list<T>(r, o));
  }

  /** Forwards {@linkcode KubeClient.watch} as it is (not through `send`). */
  watch<T extends KubeObject>(r: Resource, o?: WatchOptions): AsyncIterable<WatchEvent<T>> {
    return this.#inner.watch<T>(r, o);
  }

  /** Forwards {@linkcode KubeClient.create} through {@linkcode ForwardingClient.send}. */
  create<T extends KubeObject>(r: Resource, object: T): Promise<T> {
    return this.send(() => this.#inner.create(r, object));
  }

  /** Forwards {@linkcode KubeClient.update} through {@linkcode ForwardingClient.send}. */
  update<T extends KubeObject>(r: Resource, object: T): Promise<T> {
    return this.send(() => this.#inner.update(r, object));
  }

  /** Forwards {@linkcode KubeClient.updateStatus} through {@linkcode ForwardingClient.send}. */
  updateStatus<T extends KubeObject>(r: Resource, object: T): Promise<T> {
    return this.send(() => this.#inner.updateStatus(r, object));
  }

  /** Forwards {@linkcode KubeClient.patch} through {@linkcode ForwardingClient.send}. */
  patch<T extends KubeObject>(
    r: Resource,
    ns: string,
    name: string,
    patch: Record<string, unknown>,
    options?: PatchOptions,
  ): Promise<T> {
    return this.send(() => this.#inner.patch<T>(r, ns, name, patch, options));
  }

  /** Forwards {@linkcode KubeClient.delete} through {@linkcode ForwardingClient.send}. */
  delete(r: Resource, ns: string, name: string, o?: DeleteOptions): Promise<void> {
    return this.send(() => this.#inner.delete(r, ns, name, o));
  }
}
