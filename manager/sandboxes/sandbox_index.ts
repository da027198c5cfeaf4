/**
 * The manager's view of the cluster: informer caches of Sandboxes (indexed by E2B sandbox ID,
 * by pool and by idempotency key) and SandboxSets (indexed by name and by E2B alias), plus the
 * visibility rule of teams. Every lookup by sandbox ID (or idempotency key) goes through here;
 * a cache miss falls back to one labelled list, so a sandbox claimed by another replica a moment
 * ago is found before this replica's watch delivers it. The caches stay private: callers get
 * lookups, read-your-writes ({@linkcode SandboxIndex.observe}, {@linkcode SandboxIndex.forget}),
 * waits and change notifications.
 *
 * @module
 */
import {
  ANNOTATION_TEMPLATE_ALIASES,
  controllingPool,
  isClaimable,
  LABEL_IDEMPOTENCY_KEY,
  LABEL_SANDBOX_ID,
  LABEL_SANDBOX_POOL,
  parseSandbox,
  parseSandboxSet,
  type Sandbox,
  type SandboxSet,
} from "@kruise-agents/shared/api";
import {
  Informer,
  type InformerHealth,
  keyOf,
  type KubeClient,
  type KubeObject,
  objectKey,
  SANDBOX_SETS,
  SANDBOXES,
} from "@kruise-agents/shared/kube";
import { type Clock, type Logger, systemClock } from "@kruise-agents/shared/std";
import type { Caller } from "../auth/api_keys.ts";
import { isSandboxId } from "./ids.ts";
import { e2bState } from "./state.ts";
import { parseAliases } from "./template_choice.ts";

const BY_ID = "sandboxId";
const BY_POOL = "pool";
const BY_IDEMPOTENCY = "idempotencyKey";
const BY_NAME = "name";
const BY_ALIAS = "alias";

/** Whether `caller` may see objects in `namespace`: its own team's, or any for admin. */
export function canSee(caller: Caller, namespace: string | undefined): boolean {
  return caller.admin || caller.team === (namespace ?? "");
}

/** Options of {@linkcode SandboxIndex}. */
export interface SandboxIndexOptions {
  /** Where watch restarts and unparseable objects are reported. */
  logger?: Logger | undefined;
  /** Server-side timeout of each watch, in seconds (see `Informer`). @default {300} */
  watchTimeoutSeconds?: number | undefined;
  /** Time source of the claimable rule and the informers' backoffs (tests). @default {systemClock} */
  clock?: Clock | undefined;
}

/** The caches and lookups the API and the proxy share. */
export class SandboxIndex implements AsyncDisposable {
  readonly #sandboxes: Informer<Sandbox>;
  readonly #sets: Informer<SandboxSet>;
  readonly #kube: KubeClient;
  readonly #clock: Clock;

  /** Creates the caches; {@linkcode SandboxIndex.start} fills them. */
  constructor(kube: KubeClient, options: SandboxIndexOptions = {}) {
    this.#kube = kube;
    this.#clock = options.clock ?? systemClock;
    const common = {
      kube,
      clock: this.#clock,
      logger: options.logger,
      watchTimeoutSeconds: options.watchTimeoutSeconds,
    };
    this.#sandboxes = new Informer({
      ...common,
      resource: SANDBOXES,
      parse: parseSandbox,
      indexes: {
        [BY_ID]: (s) => {
          const id = s.metadata.labels?.[LABEL_SANDBOX_ID];
          return id ? [id] : [];
        },
        [BY_POOL]: (s) => {
          const pool = s.metadata.labels?.[LABEL_SANDBOX_POOL];
          return pool ? [keyOf(s.metadata.namespace ?? "", pool)] : [];
        },
        [BY_IDEMPOTENCY]: (s) => {
          const key = s.metadata.labels?.[LABEL_IDEMPOTENCY_KEY];
          return key ? [key] : [];
        },
      },
    });
    this.#sets = new Informer({
      ...common,
      resource: SANDBOX_SETS,
      parse: parseSandboxSet,
      indexes: {
        [BY_NAME]: (s) => [s.metadata.name ?? ""],
        [BY_ALIAS]: (s) => parseAliases(s.metadata.annotations?.[ANNOTATION_TEMPLATE_ALIASES]),
      },
    });
  }

  /** Starts listing and watching both kinds; resolves once both caches are filled. */
  async start(signal?: AbortSignal): Promise<void> {
    this.#sandboxes.start(signal);
    this.#sets.start(signal);
    await Promise.all([this.#sandboxes.synced(), this.#sets.synced()]);
  }

  /** Whether both caches hold their first list. */
  get synced(): boolean {
    return this.#sandboxes.hasSynced && this.#sets.hasSynced;
  }

  /** How each cache is doing (for `/metrics` and readiness). */
  health(): InformerHealth[] {
    return [this.#sandboxes.health(), this.#sets.health()];
  }

  /**
   * The Sandbox with E2B ID `id` visible to `caller` (any team when `caller` is undefined), or
   * `undefined`. Another team's sandbox is `undefined` too: the API answers the same 404 for
   * both, so IDs cannot be probed.
   */
  async find(id: string, caller?: Caller): Promise<Sandbox | undefined> {
    if (!isSandboxId(id)) return undefined;
    const found = await this.#lookup(BY_ID, LABEL_SANDBOX_ID, id);
    return found.find((s) => !caller || canSee(caller, s.metadata.namespace));
  }

  /**
   * The live sandboxes visible to `caller` whose `e2b.agents.kruise.io/idempotency-key` label is
   * `label`. A cache miss falls back to one labelled list, as {@linkcode SandboxIndex.find} does:
   * a retry that reaches another replica than the first attempt must find the sandbox that
   * replica claimed even before this replica's watch delivers it.
   */
  async findByIdempotencyLabel(label: string, caller: Caller, now: number): Promise<Sandbox[]> {
    const found = await this.#lookup(BY_IDEMPOTENCY, LABEL_IDEMPOTENCY_KEY, label);
    return found.filter((s) => canSee(caller, s.metadata.namespace) && e2bState(s, now) !== "gone");
  }

  /**
   * The cached Sandboxes under `value` of `index`; on a miss, the Sandboxes labelled
   * `label=value` in one list, each put into the cache (unparseable ones stay invisible).
   */
  async #lookup(index: string, label: string, value: string): Promise<Sandbox[]> {
    const cached = this.#sandboxes.byIndex(index, value);
    if (cached.length > 0) return cached;
    const list = await this.#kube.list<KubeObject>(SANDBOXES, {
      labelSelector: `${label}=${value}`,
    });
    const found: Sandbox[] = [];
    for (const item of list.items) {
      try {
        const s = parseSandbox(item);
        this.#sandboxes.observe(s);
        found.push(s);
      } catch { /* unparseable: invisible */ }
    }
    return found;
  }

  /** Like {@linkcode SandboxIndex.find} but from the cache only (the proxy's hot path). */
  cached(id: string): Sandbox | undefined {
    return this.#sandboxes.byIndex(BY_ID, id)[0];
  }

  /** Claimed, live sandboxes visible to `caller`. */
  visible(caller: Caller, now: number): Sandbox[] {
    return this.#sandboxes.list().filter((s) =>
      canSee(caller, s.metadata.namespace) && e2bState(s, now) !== "gone"
    );
  }

  /**
   * SandboxSets visible to `caller` that are named `name` or list it among their aliases (the
   * candidates of a template reference; `template_choice.ts` decides among them).
   */
  templateSets(name: string, caller: Caller): SandboxSet[] {
    const seen = new Map<string, SandboxSet>();
    for (const s of [...this.#sets.byIndex(BY_NAME, name), ...this.#sets.byIndex(BY_ALIAS, name)]) {
      if (canSee(caller, s.metadata.namespace) && !s.metadata.deletionTimestamp) {
        seen.set(objectKey(s.metadata), s);
      }
    }
    return [...seen.values()];
  }

  /** SandboxSets visible to `caller`. */
  visibleSets(caller: Caller): SandboxSet[] {
    return this.#sets.list().filter((s) =>
      canSee(caller, s.metadata.namespace) && !s.metadata.deletionTimestamp
    );
  }

  /** Claimable stock of pool `namespace/name`: members the pool still controls. */
  available(namespace: string, name: string): Sandbox[] {
    const now = this.#clock.now();
    return this.#sandboxes.byIndex(BY_POOL, keyOf(namespace, name)).filter((s) =>
      controllingPool(s) === name && isClaimable(s, now)
    );
  }

  /** Puts the result of this manager's own write into the cache (read-your-writes). */
  observe(sandbox: Sandbox): void {
    this.#sandboxes.observe(sandbox);
  }

  /** Removes a sandbox this manager deleted or released, so no late event brings it back. */
  forget(sandbox: Sandbox): void {
    this.#sandboxes.forget(sandbox);
  }

  /** Resolves with `sandbox` once `predicate` holds for it; rejects if it is deleted. */
  waitFor(
    sandbox: Sandbox,
    predicate: (sandbox: Sandbox) => boolean,
    signal: AbortSignal,
  ): Promise<Sandbox> {
    return this.#sandboxes.waitFor(SandboxIndex.key(sandbox), predicate, signal);
  }

  /**
   * Calls `listener` with every sandbox that changes (`deleted` true when it is gone); returns
   * the function that stops it.
   */
  onSandboxChange(listener: (sandbox: Sandbox, deleted: boolean) => void): () => void {
    return this.#sandboxes.addEventHandler({
      onAdd: (s) => listener(s, false),
      onUpdate: (_, s) => listener(s, false),
      onDelete: (s) => listener(s, true),
    });
  }

  /** Cache key of a sandbox. */
  static key(sandbox: Sandbox): string {
    return objectKey(sandbox.metadata);
  }

  /** Stops both informers. */
  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all([this.#sandboxes.stop(), this.#sets.stop()]);
  }
}
