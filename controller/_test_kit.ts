/**
 * Test kit of the controller's reconciler tests: a kubelet stand-in that writes Pod status, a
 * client whose Sandbox watch lags behind the store (the failure mode expectations exist for),
 * bounded polling for eventual state, and the world the reconciler tests run a controller in.
 *
 * @module
 */
import {
  ANNOTATION_POD_FREEZE,
  CONDITION_POD_FROZEN,
  type Sandbox,
  type SandboxSet,
} from "@kruise-agents/shared/api";
import {
  EmbeddedStore,
  isConflict,
  isNotFound,
  type KubeClient,
  type KubeObject,
  PODS,
  type Resource,
  SANDBOXES,
  type WatchEvent,
  type WatchOptions,
} from "@kruise-agents/shared/kube";
import { ForwardingClient } from "@kruise-agents/shared/testing";
import { ManualClock } from "@kruise-agents/shared/std";
import { Informer } from "@kruise-agents/shared/kube";
import { parsePod, type Pod } from "@kruise-agents/shared/api";
import { generateTokenKey, importTokenKey } from "@kruise-agents/shared/api";
import { startController } from "./mod.ts";

/** Polls `probe` until it returns a value other than `undefined`/`false`; fails after `attempts`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: { attempts?: number; intervalMs?: number; clock?: ManualClock; stepMs?: number } = {},
): Promise<T> {
  const attempts = options.attempts ?? 1000;
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    // Backoffs and delayed requeues run on the manual clock: move it a little each round.
    options.clock?.advance(options.stepMs ?? 10);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 10));
  }
  throw new Error(`Timed out waiting for ${what}; last probe: ${Deno.inspect(last)}`);
}

/**
 * Plays the kubelet: every Pod becomes Running with an IP and Ready; the freeze annotation turns
 * into condition `agents.kruise.io/Frozen=True`, and its removal into `False` (unless
 * `holdThaw` is set, to observe the Resuming phase).
 */
export class FakeKubelet {
  #kube: KubeClient;
  #informer: Informer<Pod>;
  #ips = new Map<string, string>();
  #chain: Promise<void> = Promise.resolve();
  /** While true, frozen pods stay frozen after the annotation goes. */
  holdThaw = false;
  /** Images this kubelet cannot pull. */
  badImages = new Set<string>();

  /** Creates the kubelet; call {@linkcode FakeKubelet.start}. */
  constructor(kube: KubeClient) {
    this.#kube = kube;
    this.#informer = new Informer<Pod>({ kube, resource: PODS, parse: parsePod });
    const sync = (pod: Pod) => this.#enqueue(pod);
    this.#informer.addEventHandler({ onAdd: sync, onUpdate: (_, pod) => sync(pod) });
  }

  /** Starts watching Pods. */
  async start(): Promise<void> {
    this.#informer.start();
    await this.#informer.synced();
  }

  /** Re-examines every Pod (after changing `holdThaw`). */
  resync(): void {
    for (const pod of this.#informer.list()) this.#enqueue(pod);
  }

  /** Stops watching. */
  async stop(): Promise<void> {
    await this.#informer.stop();
    await this.#chain;
  }

  #enqueue(pod: Pod): void {
    const { namespace = "", name = "" } = pod.metadata;
    this.#chain = this.#chain.then(() => this.#sync(namespace, name)).catch(() => {});
  }

  /**
   * A kubelet's container statuses: each container running its spec's image, ready, and
   * restarted once more whenever its image changes (an in-place update), unless `badImages`
   * names the image (then waiting with ErrImagePull).
   */
  #containerStatuses(pod: Pod): unknown[] {
    const before = (pod.status?.containerStatuses ?? []) as {
      name: string;
      image: string;
      restartCount: number;
    }[];
    return (pod.spec?.containers ?? []).map((c) => {
      const old = before.find((b) => b.name === c.name);
      const image = String(c.image ?? "");
      const restartCount = (old?.restartCount ?? 0) + (old && old.image !== image ? 1 : 0);
      if (this.badImages.has(image)) {
        return {
          name: c.name,
          image,
          ready: false,
          restartCount,
          state: { waiting: { reason: "ErrImagePull", message: `no image ${image}` } },
        };
      }
      // As a kubelet: the resources in force, which follow an in-place resize.
      const resources = c.resources === undefined ? {} : { resources: c.resources };
      return {
        name: c.name,
        image,
        ready: true,
        restartCount,
        ...resources,
        state: { running: {} },
      };
    });
  }

  async #sync(namespace: string, name: string): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      let pod: Pod;
      try {
        pod = parsePod(await this.#kube.get(PODS, namespace, name));
      } catch (error) {
        if (isNotFound(error)) return;
        throw error;
      }
      const key = `${namespace}/${name}`;
      let ip = this.#ips.get(key);
      if (ip === undefined) this.#ips.set(key, ip = `127.0.1.${this.#ips.size + 1}`);
      const frozenNow = pod.status?.conditions?.find((c) => c.type === CONDITION_POD_FROZEN);
      const wantFrozen = pod.metadata.annotations?.[ANNOTATION_POD_FREEZE] === "true" ||
        (this.holdThaw && frozenNow?.status === "True");
      // As the local node and the node agent: the Frozen condition from the start.
      const conditions = [
        { type: "Ready", status: "True" },
        { type: CONDITION_POD_FROZEN, status: wantFrozen ? "True" : "False" },
      ];
      const containerStatuses = this.#containerStatuses(pod);
      const status = { ...pod.status, phase: "Running", podIP: ip, conditions, containerStatuses };
      if (JSON.stringify(status) === JSON.stringify(pod.status)) return;
      try {
        await this.#kube.updateStatus(PODS, { ...pod, status });
        return;
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    }
  }
}

/**
 * A client whose Sandbox watch delivers nothing until {@linkcode LaggingClient.catchUp}, while
 * every write goes through at once: the controller's cache lags behind its own creates, as an
 * informer does under load (kubernetes-sigs/agent-sandbox#1215). Counts Sandbox creates and
 * direct Sandbox reads.
 */
export class LaggingClient extends ForwardingClient {
  #lagging = true;
  #released: Promise<void>;
  #release!: () => void;
  /** Sandbox creates that reached the store. */
  sandboxCreates = 0;
  /** Sandbox reads straight from the store (not through a cache). */
  sandboxGets = 0;

  /** Wraps `inner`. */
  constructor(inner: KubeClient) {
    super(inner);
    this.#released = new Promise((r) => this.#release = r);
  }

  /** Lets the held Sandbox watch events through, and every later one. */
  catchUp(): void {
    this.#lagging = false;
    this.#release();
  }

  /** Counts Sandbox reads, then forwards. */
  override get<T extends KubeObject>(r: Resource, ns: string, name: string): Promise<T> {
    if (r.kind === SANDBOXES.kind) this.sandboxGets++;
    return super.get(r, ns, name);
  }

  /** Holds Sandbox watch events while lagging, then flushes them in order. */
  override async *watch<T extends KubeObject>(
    r: Resource,
    o?: WatchOptions,
  ): AsyncIterable<WatchEvent<T>> {
    const held: WatchEvent<T>[] = [];
    for await (const event of super.watch<T>(r, o)) {
      if (r.kind !== SANDBOXES.kind || !this.#lagging) {
        yield* held.splice(0);
        yield event;
        continue;
      }
      held.push(event);
      if (held.length === 1) {
        // Park the stream until catch-up, then flush everything held in order.
        const aborted = new Promise<void>((resolve) => {
          if (o?.signal?.aborted) resolve();
          o?.signal?.addEventListener("abort", () => resolve(), { once: true });
        });
        await Promise.race([this.#released, aborted]);
        if (o?.signal?.aborted) return;
        yield* held.splice(0);
      }
    }
  }

  /** Counts Sandbox creates, and refuses a runaway controller's. */
  override async create<T extends KubeObject>(r: Resource, object: T): Promise<T> {
    // A runaway controller would create without end; refuse early so the test fails fast.
    if (r.kind === SANDBOXES.kind && this.sandboxCreates >= 20) {
      throw new Error("LaggingClient: more than 20 Sandbox creates; the controller runs away");
    }
    const created = await super.create(r, object);
    if (r.kind === SANDBOXES.kind) this.sandboxCreates++;
    return created;
  }
}

/** A SandboxSet manifest with `replicas` and a one-container template. */
export function sandboxSet(name: string, replicas: number, image = "runtime:1"): SandboxSet {
  return {
    apiVersion: "agents.kruise.io/v1alpha1",
    kind: "SandboxSet",
    metadata: { name, namespace: "team-a" },
    spec: {
      replicas,
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "sandbox", image }] },
      },
    },
  };
}

/** A standalone Sandbox manifest (as the manager's cold create writes one). */
export function standaloneSandbox(name: string, spec: Partial<Sandbox["spec"]> = {}): Sandbox {
  return {
    apiVersion: "agents.kruise.io/v1alpha1",
    kind: "Sandbox",
    metadata: { name, namespace: "team-a" },
    spec: {
      template: { spec: { containers: [{ name: "sandbox", image: "runtime:1" }] } },
      ...spec,
    },
  };
}

let testKey: Promise<CryptoKey> | undefined;

/** One token key for every controller a test process starts. */
export function testTokenKey(): Promise<CryptoKey> {
  testKey ??= importTokenKey(generateTokenKey());
  return testKey;
}

/** What {@linkcode controllerWorld} runs; disposing it stops them all. */
export interface ControllerWorld<C extends KubeClient> extends AsyncDisposable {
  /** The store (the API server). */
  store: EmbeddedStore;
  /** The kubelet stand-in on the store. */
  kubelet: FakeKubelet;
  /** What the controller reaches the store through. */
  client: C;
}

/**
 * The reconciler tests' world: an embedded store, a {@linkcode FakeKubelet} on it, and a
 * controller with two workers that reaches the store through `options.client(store)` (e.g. a
 * {@linkcode LaggingClient}) or directly, on `options.clock` if given. Disposing stops the
 * controller, then the kubelet, then closes the store.
 */
export async function controllerWorld<C extends KubeClient = EmbeddedStore>(
  options: { client?: (store: EmbeddedStore) => C; clock?: ManualClock } = {},
): Promise<ControllerWorld<C>> {
  const store = await EmbeddedStore.open();
  // Without `options.client`, C is its default, EmbeddedStore.
  const client = options.client?.(store) ?? store as KubeClient as C;
  const kubelet = new FakeKubelet(store);
  await kubelet.start();
  const controller = await startController({
    kube: client,
    workers: 2,
    clock: options.clock,
    tokenKey: await testTokenKey(),
  });
  return {
    store,
    kubelet,
    client,
    async [Symbol.asyncDispose]() {
      await controller.stop();
      await kubelet.stop();
      await store.close();
    },
  };
}
