/**
 * Leader election on a `coordination.k8s.io/v1` Lease, as client-go's `leaderelection` package
 * does it, so that of several replicas of a controller exactly one reconciles at a time and a
 * standby takes over when the leader dies.
 *
 * How it goes (the decisions are the pure `_lease_decision.ts`; this file does the I/O):
 * - **Campaign.** A candidate reads the Lease every `retryPeriod` (jittered, so replicas do not
 *   step in time) and takes it when there is none, when it is released (no holder), or when its
 *   holder has not renewed it for `leaseDuration` as this candidate's own clock measures from
 *   when it first saw the current version. Every write is optimistic (the Lease's
 *   resourceVersion): of two candidates taking the same lease, one gets `409 Conflict`. A watch of
 *   the Lease wakes the candidate the moment it is released, and keeps the time it saw each
 *   renewal precise, so a take-over after a crash happens at the expiry, not up to one retry
 *   period later; polling alone still works when the watch does not.
 * - **Lead.** The leader runs the caller's work with an `AbortSignal` and renews every
 *   `retryPeriod`. It stops leading (aborts the signal at once) when a renewal has not succeeded
 *   for `renewDeadline`, whatever the reason (the API server unreachable, requests hanging), or as
 *   soon as it reads the Lease held by someone else. `renewDeadline` < `leaseDuration`, so a
 *   leader that cannot renew has stopped before any candidate may take over; client-go users exit
 *   the process on this, so the pod restarts and campaigns afresh, and so does our controller.
 * - **Release.** When the caller's signal aborts (SIGTERM), the leader first stops its work and
 *   waits for it, then writes the Lease with no holder and a duration of 1 s: a standby takes
 *   over at once instead of after `leaseDuration`.
 *
 * Defaults are client-go's and controller-runtime's: lease 15 s, renew deadline 10 s, retry 2 s.
 *
 * @module
 */
import { type Lease, LEASE_API_VERSION, parseLease } from "../api/lease.ts";
import { type Clock, systemClock } from "../std/clock.ts";
import { pause } from "../std/async.ts";
import { errorMessage, type Logger, silentLogger } from "../std/logger.ts";
import { decideLease, holderOf, releasedSpec } from "./_lease_decision.ts";
import { isOlderVersion } from "./_indexer.ts";
import { isAlreadyExists, isConflict, isNotFound, type KubeClient, LEASES } from "./client.ts";

/** client-go's `JitterFactor`: a candidate waits between 1 and 2.2 retry periods. */
const JITTER = 1.2;

/**
 * Options of {@linkcode LeaderElector}.
 *
 * @example
 * ```ts ignore
 * import { createKubernetesClient, leaderIdentity } from "@kruise-agents/shared/kube";
 * import { LeaderElector } from "@kruise-agents/shared/kube/leader-election";
 * import type { LeaderElectorOptions } from "@kruise-agents/shared/kube/leader-election";
 * const options: LeaderElectorOptions = {
 *   kube: createKubernetesClient(),
 *   namespace: "kruise-agents",
 *   name: "controller",
 *   identity: leaderIdentity(),
 *   leaseDurationSeconds: 15,
 *   renewDeadlineSeconds: 10,
 *   retryPeriodSeconds: 2,
 * };
 * const elector = new LeaderElector(options);
 * ```
 */
export interface LeaderElectorOptions {
  /** The API the Lease lives in. */
  kube: KubeClient;
  /** The Lease's namespace. */
  namespace: string;
  /** The Lease's name: one per group of replicas that elect one leader. */
  name: string;
  /** This replica's identity, unique among the candidates (see `leaderIdentity`). */
  identity: string;
  /** How long a lease lasts without renewal before a standby may take it. @default {15} */
  leaseDurationSeconds?: number | undefined;
  /** How long the leader keeps trying to renew before it stops leading. @default {10} */
  renewDeadlineSeconds?: number | undefined;
  /** How often the leader renews and a candidate tries. @default {2} */
  retryPeriodSeconds?: number | undefined;
  /** Whether candidates watch the Lease to act the moment it changes. @default {true} */
  watch?: boolean | undefined;
  /** Time source of every wait and expiry. @default {systemClock} */
  clock?: Clock | undefined;
  /** Where changes of leadership and failed renewals are logged. @default {silentLogger} */
  logger?: Logger | undefined;
  /** Source of jitter in [0, 1). @default {Math.random} */
  random?: (() => number) | undefined;
}

/**
 * How {@linkcode LeaderElector.run} ended:
 * - `stopped`: the caller's signal aborted; a lease this replica held was released.
 * - `lost`: leadership was lost (renew deadline passed, or another holder seen); the work was
 *   aborted. The process should exit non-zero, so that it restarts and campaigns afresh.
 * - `ended`: the work returned on its own while leading; the lease was released.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EmbeddedStore } from "@kruise-agents/shared/kube";
 * import { type ElectionOutcome, LeaderElector } from "@kruise-agents/shared/kube/leader-election";
 * await using kube = await EmbeddedStore.open();
 * const elector = new LeaderElector({ kube, namespace: "default", name: "demo", identity: "a" });
 * const outcome: ElectionOutcome = await elector.run(() => {}); // the work returns at once
 * assert.equal(outcome, "ended");
 * ```
 */
export type ElectionOutcome = "stopped" | "lost" | "ended";

/**
 * Options of {@linkcode LeaderElector.run}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EmbeddedStore } from "@kruise-agents/shared/kube";
 * import { LeaderElector, type RunOptions } from "@kruise-agents/shared/kube/leader-election";
 * await using kube = await EmbeddedStore.open();
 * const elector = new LeaderElector({ kube, namespace: "default", name: "demo", identity: "a" });
 * const options: RunOptions = { signal: AbortSignal.abort() }; // e.g. aborted on SIGTERM
 * assert.equal(await elector.run(() => {}, options), "stopped");
 * ```
 */
export interface RunOptions {
  /** Ends the campaign, or the leadership (the lease is then released). */
  signal?: AbortSignal | undefined;
}

/** What a renewal attempt came to. */
type Attempt = "leading" | "held" | "conflict";

/** Why a wait for a renewal ended without one. */
const DEADLINE = Symbol("deadline");

/**
 * One replica's part in electing the leader of a group that shares one Lease.
 *
 * @example
 * ```ts ignore
 * import { createKubernetesClient, leaderIdentity } from "@kruise-agents/shared/kube";
 * import { LeaderElector } from "@kruise-agents/shared/kube/leader-election";
 * const elector = new LeaderElector({
 *   kube: createKubernetesClient(),
 *   namespace: "kruise-agents",
 *   name: "my-controller",
 *   identity: leaderIdentity(),
 * });
 * const outcome = await elector.run(async (leading) => {
 *   // reconcile until `leading` aborts, then stop and return
 * }, { signal: shutdown });
 * if (outcome === "lost") Deno.exit(1);
 * ```
 */
export class LeaderElector {
  /** This replica's identity. */
  readonly identity: string;
  readonly #kube: KubeClient;
  readonly #namespace: string;
  readonly #name: string;
  readonly #leaseMs: number;
  readonly #renewMs: number;
  readonly #retryMs: number;
  readonly #watch: boolean;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #random: () => number;
  /** The Lease as last seen (undefined: none, or not read yet) and when its version was first seen. */
  #lease: Lease | undefined;
  #observedAt = 0;
  #observedOnce = false;
  #changed = Promise.withResolvers<void>();
  #leading = false;
  /** When the last successful take or renewal started (ms of the local clock). */
  #renewedAt = 0;

  /** Creates the elector; {@linkcode LeaderElector.run} campaigns. Throws `RangeError` for
   * timings client-go would refuse (lease > renew deadline > 1.2 × retry period > 0). */
  constructor(options: LeaderElectorOptions) {
    const lease = options.leaseDurationSeconds ?? 15;
    const renew = options.renewDeadlineSeconds ?? 10;
    const retry = options.retryPeriodSeconds ?? 2;
    if (!(retry > 0 && renew > JITTER * retry && lease > renew)) {
      throw new RangeError(
        `Cannot elect a leader: timings must be leaseDuration > renewDeadline > ${JITTER} x retryPeriod > 0: current values are ${lease}, ${renew} and ${retry} s`,
      );
    }
    if (options.identity === "") throw new RangeError("Cannot elect a leader: identity is empty");
    this.identity = options.identity;
    this.#kube = options.kube;
    this.#namespace = options.namespace;
    this.#name = options.name;
    this.#leaseMs = lease * 1000;
    this.#renewMs = renew * 1000;
    this.#retryMs = retry * 1000;
    this.#watch = options.watch ?? true;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#random = options.random ?? Math.random;
  }

  /**
   * Whether this replica leads now: it won the lease and its last renewal is less than the renew
   * deadline old, by its own clock. Checked before every write of the work, this keeps a leader
   * that was frozen past its deadline (a stopped process, a long pause) from writing anything when
   * it wakes, before its renewal loop has even run and noticed.
   */
  get isLeader(): boolean {
    return this.#leading && this.#clock.now() < this.#renewedAt + this.#renewMs;
  }

  /**
   * Whether this replica has read the Lease at least once: a standby that has not cannot take
   * over in time (its expiry clock has not started), so it is not ready yet.
   */
  get hasReadLease(): boolean {
    return this.#observedOnce;
  }

  /** The holder of the Lease as last seen (`""`: nobody). */
  get holder(): string {
    return holderOf(this.#lease?.spec);
  }

  /**
   * Campaigns until this replica leads, then runs `lead` with a signal that aborts when
   * leadership ends, and renews until then. Resolves once `lead` has returned after the end
   * (see {@linkcode ElectionOutcome}); rejects with what `lead` threw if it failed while leading
   * (the lease released first).
   */
  async run(
    lead: (leading: AbortSignal) => Promise<void> | void,
    options: RunOptions = {},
  ): Promise<ElectionOutcome> {
    const stop = options.signal ?? new AbortController().signal;
    const acquiredAt = await this.#campaign(stop);
    if (acquiredAt === undefined) return "stopped";
    return await this.#lead(lead, acquiredAt, stop);
  }

  // ------------------------------------------------------------------ campaign

  /** Tries until this replica leads (resolves with when the winning try started) or `stop`. */
  async #campaign(stop: AbortSignal): Promise<number | undefined> {
    const watching = new AbortController();
    const signal = AbortSignal.any([stop, watching.signal]);
    const watcher = this.#watch ? this.#watchLease(signal) : Promise.resolve();
    try {
      let read = true;
      while (!stop.aborted) {
        const startedAt = this.#clock.now();
        let failed = true;
        try {
          const result = await this.#attempt(read);
          if (result === "leading") return startedAt;
          failed = result === "conflict";
        } catch (error) {
          this.#logger.warn("cannot read or take the leader lease; retrying", this.#fields(error));
        }
        // A poll reads the lease first; a chance seen in the lease as observed (its expiry, or a
        // release the watch delivered) is taken at once, with a write that is optimistic on the
        // version observed: if the lease changed meanwhile, the write conflicts and nothing is
        // taken.
        read = await this.#waitForChance(stop, failed) === "poll";
      }
      return undefined;
    } finally {
      watching.abort();
      await watcher;
    }
  }

  /**
   * Waits for the next try: a jittered retry period (`poll`), or less when the observed lease
   * expires sooner or a change of the Lease (seen by the watch) makes it free (`observed`). After
   * a failed try (`failed`: an error, or a conflicting write) the lease as observed is what just
   * failed, so only a new observation or the poll may end the wait: never a spin.
   */
  async #waitForChance(stop: AbortSignal, failed: boolean): Promise<"poll" | "observed"> {
    const pollAt = this.#clock.now() + this.#retryMs * (1 + this.#random() * JITTER);
    let fresh = !failed;
    while (!stop.aborted) {
      if (pollAt <= this.#clock.now()) return "poll";
      let until = pollAt;
      if (fresh) {
        const decision = decideLease(this.#view(), this.#candidate());
        if (decision.kind === "write") return "observed";
        until = Math.min(pollAt, decision.expiresAt);
      }
      const waitMs = until - this.#clock.now();
      if (waitMs <= 0) return "observed";
      const wait = new AbortController();
      const changed = this.#changed.promise.then(() => true);
      const slept = pause(waitMs, {
        signal: AbortSignal.any([stop, wait.signal]),
        clock: this.#clock,
      }).then(() => false);
      const observed = await Promise.race([slept, changed]);
      wait.abort();
      fresh ||= observed;
    }
    return "poll";
  }

  /** Follows the Lease through a watch, so that releases and renewals are seen as they happen. */
  async #watchLease(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const events = this.#kube.watch(LEASES, {
          namespace: this.#namespace,
          timeoutSeconds: 300,
          signal,
        });
        for await (const event of events) {
          if (event.type === "BOOKMARK" || event.object.metadata.name !== this.#name) continue;
          this.#observe(event.type === "DELETED" ? undefined : parseLease(event.object));
        }
      } catch (error) {
        if (signal.aborted) return;
        this.#logger.info("leader lease watch failed; polling until it is back", {
          ...this.#fields(error),
        });
      }
      await pause(this.#retryMs, { signal, clock: this.#clock });
    }
  }

  // ------------------------------------------------------------------ lead

  /** Runs the work and renews until leadership ends; releases the lease unless it was lost. */
  async #lead(
    lead: (leading: AbortSignal) => Promise<void> | void,
    acquiredAt: number,
    stop: AbortSignal,
  ): Promise<ElectionOutcome> {
    this.#leading = true;
    this.#renewedAt = acquiredAt;
    this.#logger.info("became the leader", this.#fields());
    const leading = new AbortController();
    let failure: { error: unknown } | undefined;
    const work = (async () => await lead(leading.signal))().then(
      () => "ended" as const,
      (error) => {
        failure = { error };
        return "ended" as const;
      },
    );
    let outcome: ElectionOutcome;
    try {
      outcome = await this.#renewUntilDone(stop, work);
    } finally {
      this.#leading = false;
    }
    leading.abort(new DOMException(`leadership ${outcome}`, "AbortError"));
    if (outcome === "lost") this.#logger.error("lost the leadership", this.#fields());
    await work;
    if (outcome !== "lost") await this.#release();
    if (failure !== undefined && outcome === "ended") throw failure.error;
    return outcome;
  }

  /** Renews every retry period until `stop`, the work's end, or a lost lease. */
  async #renewUntilDone(
    stop: AbortSignal,
    work: Promise<"ended">,
  ): Promise<ElectionOutcome> {
    let read = false;
    for (;;) {
      const wait = new AbortController();
      const slept = pause(this.#retryMs, {
        signal: AbortSignal.any([stop, wait.signal]),
        clock: this.#clock,
      }).then(() => "slept" as const);
      const woke = await Promise.race([slept, work]);
      wait.abort();
      if (stop.aborted) return "stopped";
      if (woke === "ended") return "ended";
      const startedAt = this.#clock.now();
      const result = await this.#renewOnce(read, this.#renewedAt + this.#renewMs - startedAt);
      if (result === "leading") {
        this.#renewedAt = startedAt;
        read = false;
      } else if (result === "held" || result === DEADLINE) {
        return "lost";
      } else read = true; // a conflict or a failure: look at the lease before the next try
    }
  }

  /** One renewal, given up after `withinMs`; a stale or failed one is retried by the caller. */
  async #renewOnce(read: boolean, withinMs: number): Promise<Attempt | "failed" | typeof DEADLINE> {
    if (withinMs <= 0) return DEADLINE;
    let cancel = () => {};
    const deadline = new Promise<typeof DEADLINE>((resolve) => {
      cancel = this.#clock.setTimer(() => resolve(DEADLINE), withinMs);
    });
    const attempt = this.#attempt(read).catch((error) => {
      this.#logger.warn("cannot renew the leader lease; retrying", this.#fields(error));
      return "failed" as const;
    });
    try {
      return await Promise.race([attempt, deadline]);
    } finally {
      cancel();
    }
  }

  // ------------------------------------------------------------------ the Lease

  /**
   * Reads the Lease (when `read`, or when it was never seen), decides, and writes when the
   * decision says so. `held`: someone else holds it; `conflict`: it changed under the write.
   */
  async #attempt(read: boolean): Promise<Attempt> {
    if (read || !this.#observedOnce) await this.#read();
    const decision = decideLease(this.#view(), this.#candidate());
    if (decision.kind === "held") return "held";
    const current = this.#lease;
    try {
      const written = current === undefined
        ? await this.#kube.create(LEASES, this.#newLease(decision.spec))
        : await this.#kube.update(LEASES, { ...current, spec: decision.spec });
      this.#observe(parseLease(written));
      return "leading";
    } catch (error) {
      if (isConflict(error) || isAlreadyExists(error)) return "conflict";
      throw error;
    }
  }

  async #read(): Promise<void> {
    try {
      this.#observe(parseLease(await this.#kube.get(LEASES, this.#namespace, this.#name)));
    } catch (error) {
      if (!isNotFound(error)) throw error;
      this.#observe(undefined);
    }
  }

  /** Takes in a version of the Lease (undefined: none); an older one than known is ignored. */
  #observe(lease: Lease | undefined): void {
    const known = this.#lease?.metadata.resourceVersion;
    const seen = lease?.metadata.resourceVersion;
    if (lease !== undefined && isOlderVersion(seen, known)) return;
    const isNew = !this.#observedOnce || seen !== known;
    this.#lease = lease;
    this.#observedOnce = true;
    if (!isNew) return;
    this.#observedAt = this.#clock.now();
    const changed = this.#changed;
    this.#changed = Promise.withResolvers<void>();
    changed.resolve();
  }

  #view() {
    return { spec: this.#lease?.spec, observedAt: this.#observedAt };
  }

  #candidate() {
    return {
      identity: this.identity,
      leaseDurationSeconds: this.#leaseMs / 1000,
      now: this.#clock.now(),
    };
  }

  #newLease(spec: Lease["spec"]): Lease {
    return {
      apiVersion: LEASE_API_VERSION,
      kind: "Lease",
      metadata: { name: this.#name, namespace: this.#namespace },
      spec,
    };
  }

  /** Hands the lease over at once, if this replica still holds it (best effort: it expires anyway). */
  async #release(): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const current = this.#lease;
      if (current === undefined || holderOf(current.spec) !== this.identity) return;
      try {
        const spec = releasedSpec(current.spec, this.#clock.now());
        this.#observe(parseLease(await this.#kube.update(LEASES, { ...current, spec })));
        this.#logger.info("released the leader lease", this.#fields());
        return;
      } catch (error) {
        if (!isConflict(error)) {
          this.#logger.warn("cannot release the leader lease", this.#fields(error));
          return;
        }
        await this.#read().catch(() => {});
      }
    }
  }

  #fields(error?: unknown): Record<string, unknown> {
    const fields: Record<string, unknown> = {
      lease: `${this.#namespace}/${this.#name}`,
      identity: this.identity,
      holder: this.holder,
    };
    if (error !== undefined) fields.error = errorMessage(error);
    return fields;
  }
}
