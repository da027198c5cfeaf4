/**
 * The manager's view of the cluster: informer caches of Sandboxes (indexed by E2B sandbox ID
 * and by pool) and SandboxSets (indexed by name), plus the visibility rule of teams. Every
 * lookup by sandbox ID goes through here; a cache miss falls back to one labelled list, so a
 * sandbox claimed by another replica a moment ago is found before this replica's watch delivers
 * it.
 *
 * @module
 */
import {
  LABEL_SANDBOX_CLAIMED,
  LABEL_SANDBOX_ID,
  LABEL_SANDBOX_POOL,
  parseSandbox,
  parseSandboxSet,
  type Sandbox,
  type SandboxSet,
} from "@kruise-agents/shared/api";
import {
  type KubeClient,
  type KubeObject,
  SANDBOX_SETS,
  SANDBOXES,
} from "@kruise-agents/shared/kube";
import type { Caller } from "../auth/api_keys.ts";
import { Informer, objectKey } from "../cache/informer.ts";
import { isSandboxId } from "./ids.ts";
import { e2bState, isReady } from "./state.ts";
import { ANNOTATION_LOCK } from "@kruise-agents/shared/api";

const BY_ID = "sandboxId";
const BY_POOL = "pool";
const BY_NAME = "name";

/** Whether `caller` may see objects in `namespace`: its own team's, or any for admin. */
export function canSee(caller: Caller, namespace: string | undefined): boolean {
  return caller.admin || caller.team === (namespace ?? "");
}

/** The informers and lookups the API and the proxy share. */
export class SandboxIndex implements AsyncDisposable {
  /** Sandboxes. */
  readonly sandboxes: Informer<Sandbox>;
  /** SandboxSets (templates). */
  readonly sets: Informer<SandboxSet>;
  readonly #kube: KubeClient;

  /** Creates the caches; {@linkcode SandboxIndex.start} fills them. */
  constructor(kube: KubeClient, options: { warn?: (message: string) => void } = {}) {
    this.#kube = kube;
    const warn = options.warn ? { warn: options.warn } : {};
    this.sandboxes = new Informer(kube, SANDBOXES, {
      parse: parseSandbox,
      indexes: {
        [BY_ID]: (s) => {
          const id = s.metadata.labels?.[LABEL_SANDBOX_ID];
          return id ? [id] : [];
        },
        [BY_POOL]: (s) => {
          const pool = s.metadata.labels?.[LABEL_SANDBOX_POOL];
          return pool ? [`${s.metadata.namespace ?? ""}/${pool}`] : [];
        },
      },
      ...warn,
    });
    this.sets = new Informer(kube, SANDBOX_SETS, {
      parse: parseSandboxSet,
      indexes: { [BY_NAME]: (s) => [s.metadata.name ?? ""] },
      ...warn,
    });
  }

  /** Lists and starts watching both kinds. */
  async start(): Promise<void> {
    await Promise.all([this.sandboxes.start(), this.sets.start()]);
  }

  /**
   * The Sandbox with E2B ID `id` visible to `caller` (any team when `caller` is undefined), or
   * `undefined`. Another team's sandbox is `undefined` too: the API answers the same 404 for
   * both, so IDs cannot be probed.
   */
  async find(id: string, caller?: Caller): Promise<Sandbox | undefined> {
    if (!isSandboxId(id)) return undefined;
    let found = this.sandboxes.byIndex(BY_ID, id);
    if (found.length === 0) {
      const list = await this.#kube.list<KubeObject>(SANDBOXES, {
        labelSelector: `${LABEL_SANDBOX_ID}=${id}`,
      });
      found = [];
      for (const item of list.items) {
        try {
          const s = parseSandbox(item);
          this.sandboxes.observe(s);
          found.push(s);
        } catch { /* unparseable: invisible */ }
      }
    }
    return found.find((s) => !caller || canSee(caller, s.metadata.namespace));
  }

  /** Like {@linkcode SandboxIndex.find} but from the cache only (the proxy's hot path). */
  cached(id: string): Sandbox | undefined {
    return this.sandboxes.byIndex(BY_ID, id)[0];
  }

  /** Claimed, live sandboxes visible to `caller`. */
  visible(caller: Caller, now: number): Sandbox[] {
    return this.sandboxes.list().filter((s) =>
      canSee(caller, s.metadata.namespace) && e2bState(s, now) !== "gone"
    );
  }

  /** SandboxSets named `name` in namespaces visible to `caller`. */
  setsNamed(name: string, caller: Caller): SandboxSet[] {
    return this.sets.byIndex(BY_NAME, name).filter((s) => canSee(caller, s.metadata.namespace))
      .filter((s) => !s.metadata.deletionTimestamp);
  }

  /** SandboxSets visible to `caller`. */
  visibleSets(caller: Caller): SandboxSet[] {
    return this.sets.list().filter((s) =>
      canSee(caller, s.metadata.namespace) && !s.metadata.deletionTimestamp
    );
  }

  /**
   * Available stock of pool `namespace/name`: unclaimed, unlocked, not being deleted, Ready and
   * addressed Sandboxes that the pool's SandboxSet still controls.
   */
  available(namespace: string, name: string): Sandbox[] {
    return this.sandboxes.byIndex(BY_POOL, `${namespace}/${name}`).filter((s) =>
      s.metadata.labels?.[LABEL_SANDBOX_CLAIMED] !== "true" &&
      !s.metadata.annotations?.[ANNOTATION_LOCK] &&
      !s.metadata.deletionTimestamp &&
      (s.metadata.ownerReferences ?? []).some((o) =>
        o.controller && o.kind === "SandboxSet" && o.name === name
      ) &&
      isReady(s)
    );
  }

  /** Cache key of an object. */
  static key(sandbox: Sandbox): string {
    return objectKey(sandbox.metadata);
  }

  /** Stops both informers. */
  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all([
      this.sandboxes[Symbol.asyncDispose](),
      this.sets[Symbol.asyncDispose](),
    ]);
  }
}
