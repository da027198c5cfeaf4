/**
 * Create = claim. Resolve the template to one SandboxSet (see `template_choice.ts`), take a warm
 * Sandbox from its pool with ONE optimistically-locked `update` (see `claim_mutation.ts`), then
 * late-bind env vars and the access token through the runtime's `POST /init`. An empty pool
 * falls back to a cold Sandbox built from the SandboxSet, already claimed, waited for until
 * Ready.
 *
 * Concurrency, as in the reference (§4.3): (a) a process-local in-flight set so two creates in
 * this replica never pick the same object; (b) the update's resourceVersion, so across replicas
 * (and against the controller's status writes and scale-down locks) exactly one write wins and
 * a 409 means "pick again" after refreshing that object; (c) a random start index to spread
 * contention between replicas.
 *
 * A create that fails after its claim deletes the claimed Sandbox (whatever the failure,
 * including the client going away), so nothing is left claimed and unreachable; the pool
 * replenishes as for any claim.
 *
 * The create-time option keys bound it (see `create_options.ts`): `claim-timeout-seconds` the
 * whole claim (a create without stock and with `create-on-no-stock: "false"` then waits for stock
 * instead of failing at once), `wait-ready-timeout-seconds` the wait for readiness; either
 * expiring is a 503 naming its key, and the claimed sandbox is deleted.
 *
 * A create with an `Idempotency-Key` first looks for the sandbox an earlier attempt with the same
 * key claimed (`idempotency.ts`); creates with one key are serialised within this replica, so a
 * retry that overtakes its first attempt waits for it instead of claiming a second sandbox.
 *
 * @module
 */
import { isConflict, isNotFound } from "@kruise-agents/shared/kube";
import {
  ANNOTATION_CSI_VOLUME_CONFIG,
  LABEL_SANDBOX_POOL,
  METADATA_CLAIM_TIMEOUT_SECONDS,
  METADATA_IMAGE,
  METADATA_WAIT_READY_TIMEOUT_SECONDS,
  type PodEgress,
  type Sandbox,
  type SandboxSet,
} from "@kruise-agents/shared/api";
import type { Caller } from "../auth/api_keys.ts";
import { ApiError } from "../errors.ts";
import {
  claimedSandbox,
  type ClaimSpec,
  coldSandbox,
  storedInitRequest,
} from "./claim_mutation.ts";
import { autoPauseAnnotation } from "./auto_pause.ts";
import { newSandboxId } from "./ids.ts";
import { idempotencyLabel, replayOf, requestDigest } from "./idempotency.ts";
import { type MetadataPlan, planMetadata, type VolumeMount } from "./metadata.ts";
import type { NetworkSettings } from "./network_settings.ts";
import type { RuntimeClient } from "./runtime_client.ts";
import { SandboxIndex } from "./sandbox_index.ts";
import { inplaceUpgrade } from "./state.ts";
import { cpuAskOf } from "./cpu_resize.ts";
import type { SandboxClient } from "./sandbox_client.ts";
import type { SandboxServices } from "./services.ts";
import type { VolumeResolver } from "./volumes.ts";
import { isEgressApplied, isSandboxReady } from "@kruise-agents/shared/api";
import { parseTemplateRef, resolveTemplate, templateAliases } from "./template_choice.ts";
import { type Clock, errorMessage, type Logger, silentLogger } from "@kruise-agents/shared/std";

/** A create request, validated. */
export interface CreateRequest {
  /** Template reference: E2B's `[namespace/]name[:tag]`, `name` being a template or an alias. */
  templateId: string;
  /** Seconds until shutdown. */
  timeoutSeconds: number;
  /** User metadata. */
  metadata: Record<string, string>;
  /** User env vars. */
  envVars: Record<string, string>;
  /** Egress settings asked for; absent: full internet access. */
  egress?: PodEgress | undefined;
  /** `false`: the sandbox's ports other than envd's need the traffic access token. */
  allowPublicTraffic?: boolean | undefined;
  /** The network settings as the create stated them (reported by `getInfo`). */
  network?: NetworkSettings | undefined;
  /** The body's `volumeMounts`, checked. */
  volumeMounts?: readonly VolumeMount[] | undefined;
  /** The `Idempotency-Key` header, checked. */
  idempotencyKey?: string | undefined;
  /** `autoPause`: paused at the timeout instead of killed. */
  autoPause?: { autoResume: boolean; keepMemory?: boolean } | undefined;
}

/** What one create's claim loop works from. */
interface ClaimContext {
  /** The SandboxSet the template resolved to. */
  set: SandboxSet;
  /** The metadata plan, with the create's options. */
  plan: MetadataPlan;
  /** The create's `Idempotency-Key`, if any. */
  idempotency: ClaimSpec["idempotency"];
}

/** Options of {@linkcode Claimer}. */
export interface ClaimerOptions {
  /** Current time. */
  clock: Clock;
  /** How long a cold Sandbox may take to become Ready, ms. @default {120000} */
  coldStartTimeoutMs?: number | undefined;
  /** Claims tried (conflicts, failed inits) before giving up. @default {20} */
  maxAttempts?: number | undefined;
  /** Where cleanup failures are reported. @default {silentLogger} */
  logger?: Logger | undefined;
  /**
   * How long a paused sandbox is kept, seconds, unless its create says otherwise: an auto-pause
   * sandbox's shutdown time is its pause time plus this. @default {86400}
   */
  pausedTtlSeconds?: number | undefined;
}

/** Claims sandboxes for creates. */
export class Claimer {
  readonly #sandboxes: SandboxClient;
  readonly #index: SandboxIndex;
  readonly #runtime: RuntimeClient;
  readonly #volumes: VolumeResolver | undefined;
  readonly #options: ClaimerOptions;
  /** Pool objects a create of this process is writing right now (`namespace/name`). */
  readonly #inFlight = new Set<string>();
  /** Creates under way per team, so a burst cannot pass a team's limit within this replica. */
  readonly #creating = new Map<string, number>();
  /** Keyed creates under way, by idempotency label: a retry waits for its first attempt. */
  readonly #keyed = new Map<string, Promise<unknown>>();

  /** Creates the claimer. */
  constructor(services: SandboxServices, options: ClaimerOptions) {
    ({ sandboxes: this.#sandboxes, index: this.#index, runtime: this.#runtime } = services);
    this.#volumes = services.volumes;
    this.#options = options;
  }

  /**
   * Serves one create for `caller` and returns the claimed, initialised Sandbox, or, for a retry
   * with an `Idempotency-Key` already used by `caller`'s team, the sandbox the first attempt
   * created. Throws {@linkcode ApiError}: 404 for an unknown template or tag, 400 for bad
   * metadata, 422 for a key reused with another request, 429 past the team's limit, 503 when the
   * pool is empty and cold creates are turned off or past the create's claim or wait-ready
   * timeout, 500 when claiming keeps failing.
   */
  async create(request: CreateRequest, caller: Caller, signal: AbortSignal): Promise<Sandbox> {
    const key = request.idempotencyKey;
    if (key === undefined) return await this.#createCounted(request, caller, signal);
    const label = await idempotencyLabel(caller.team, key);
    const record = { team: caller.team, key, request: await requestDigest(request) };
    for (;;) {
      const earlier = this.#keyed.get(label);
      if (earlier) {
        await earlier.catch(() => {});
        signal.throwIfAborted();
        continue;
      }
      // Registered before the first await below, so a concurrent attempt waits for this one.
      const attempt = (async () => {
        const now = this.#options.clock.now();
        const replay = replayOf(
          await this.#index.findByIdempotencyLabel(label, caller, now),
          record,
        );
        // A replay of a create still under way on another replica waits as that create does.
        if (replay) return await this.#settled(replay, signal);
        return await this.#createCounted(request, caller, signal, { label, record });
      })();
      this.#keyed.set(label, attempt);
      try {
        return await attempt;
      } finally {
        if (this.#keyed.get(label) === attempt) this.#keyed.delete(label);
      }
    }
  }

  /** A create counted against its team's limit while it runs. */
  async #createCounted(
    request: CreateRequest,
    caller: Caller,
    signal: AbortSignal,
    idempotency?: ClaimSpec["idempotency"],
  ): Promise<Sandbox> {
    this.#checkLimit(caller);
    const team = caller.team;
    this.#creating.set(team, (this.#creating.get(team) ?? 0) + 1);
    try {
      return await this.#create(request, caller, signal, idempotency);
    } finally {
      const left = (this.#creating.get(team) ?? 1) - 1;
      if (left > 0) this.#creating.set(team, left);
      else this.#creating.delete(team);
    }
  }

  /**
   * E2B's 429 when the caller's team already has its limit of sandboxes: running and paused
   * ones (a paused one until its retention ends), and the creates this replica is serving.
   */
  #checkLimit(caller: Caller): void {
    const max = caller.maxSandboxes;
    if (max === undefined) return;
    const team = { ...caller, admin: false };
    const used = this.#index.visible(team, this.#options.clock.now()).length +
      (this.#creating.get(caller.team) ?? 0);
    if (used >= max) {
      throw new ApiError(
        429,
        `Rate limit exceeded: team "${caller.team}" may have at most ${max} sandboxes ` +
          "(running and paused) at once; kill one or wait for one to end",
      );
    }
  }

  async #create(
    request: CreateRequest,
    caller: Caller,
    signal: AbortSignal,
    idempotency: ClaimSpec["idempotency"],
  ): Promise<Sandbox> {
    const plan = planMetadata(request.metadata, { volumeMounts: request.volumeMounts });
    const ref = parseTemplateRef(request.templateId);
    const set = resolveTemplate(
      ref,
      this.#index.templateSets(ref.name, caller),
      (s) => this.#index.available(s.metadata.namespace ?? "", s.metadata.name ?? "").length,
    );
    if (this.#volumes && plan.csiMounts.length > 0) {
      // Before anything is claimed: a missing volume is a 400 that leaves nothing behind.
      const resolved = await this.#volumes.resolve(plan.csiMounts);
      plan.annotations[ANNOTATION_CSI_VOLUME_CONFIG] = JSON.stringify(resolved);
    }
    const claimLimit = plan.options.claimTimeoutSeconds;
    const deadline = claimLimit === undefined ? undefined : AbortSignal.timeout(claimLimit * 1000);
    const bounded = deadline ? AbortSignal.any([signal, deadline]) : signal;
    try {
      return await this.#claimLoop(request, caller, bounded, { set, plan, idempotency });
    } catch (error) {
      if (deadline?.aborted && !signal.aborted) {
        throw new ApiError(
          503,
          `Cannot create sandbox: no sandbox of template '${set.metadata.name}' was claimed and ` +
            `ready within ${claimLimit} s (metadata "${METADATA_CLAIM_TIMEOUT_SECONDS}")`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /**
   * The claim's deadlines: none for `never-timeout`; the shutdown at the timeout; or, with
   * `autoPause`, the pause at the timeout and the shutdown a paused retention later.
   */
  #deadlines(
    request: CreateRequest,
    plan: MetadataPlan,
    now: number,
  ): Pick<ClaimSpec, "shutdownAt" | "pauseAt" | "lifecycle"> {
    if (plan.options.neverTimeout) return {};
    const endAt = now + request.timeoutSeconds * 1000;
    if (!request.autoPause) return { shutdownAt: endAt };
    const retention = plan.options.reservePausedSeconds ?? this.#options.pausedTtlSeconds ??
      86_400;
    return {
      pauseAt: endAt,
      shutdownAt: endAt + retention * 1000,
      lifecycle: autoPauseAnnotation({
        autoResume: request.autoPause.autoResume,
        timeoutSeconds: request.timeoutSeconds,
        ...(request.autoPause.keepMemory === false ? { keepMemory: false } : {}),
      }),
    };
  }

  /** Claims (warm, else cold) until one claimed sandbox is initialised; `signal` bounds it. */
  async #claimLoop(
    request: CreateRequest,
    caller: Caller,
    signal: AbortSignal,
    { set, plan, idempotency }: ClaimContext,
  ): Promise<Sandbox> {
    const namespace = set.metadata.namespace ?? "";
    const name = set.metadata.name ?? "";
    const aliases = templateAliases(set);
    const maxAttempts = this.#options.maxAttempts ?? 20;
    let lastError: unknown;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      signal.throwIfAborted();
      const now = this.#options.clock.now();
      const spec: ClaimSpec = {
        sandboxId: newSandboxId(),
        templateId: name,
        aliases,
        owner: caller.keyId,
        lock: crypto.randomUUID(),
        envVars: request.envVars,
        egress: request.egress,
        allowPublicTraffic: request.allowPublicTraffic ?? true,
        network: request.network,
        idempotency,
        now,
        ...this.#deadlines(request, plan, now),
        metadata: plan,
      };
      const claimed = await this.#claimWarm(namespace, name, spec);
      let sandbox: Sandbox;
      if (claimed === "conflict") continue;
      if (claimed) {
        sandbox = claimed;
      } else if (plan.createOnNoStock) {
        sandbox = await this.#createCold(coldSandbox(set, spec));
      } else if (plan.options.claimTimeoutSeconds !== undefined) {
        // The reference retries a claim without stock until its claim timeout.
        await this.#stockChange(namespace, name, signal);
        attempt--;
        continue;
      } else {
        throw new ApiError(503, `Cannot create sandbox: template '${name}' has no stock`);
      }
      try {
        return await this.#finish(sandbox, plan, signal);
      } catch (error) {
        lastError = error;
        await this.#release(sandbox);
        if (signal.aborted) throw error;
        if (error instanceof ApiError) throw error;
      }
    }
    throw new ApiError(500, `Cannot create sandbox: ${lastError ?? "too many claim conflicts"}`, {
      cause: lastError,
    });
  }

  /**
   * Resolves at the next change of a sandbox of pool `namespace/pool` (or after a second, in
   * case a change was missed); rejects when `signal` aborts.
   */
  #stockChange(namespace: string, pool: string, signal: AbortSignal): Promise<void> {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const timer = setTimeout(resolve, 1000);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    const stop = this.#index.onSandboxChange((s) => {
      if (s.metadata.namespace === namespace && s.metadata.labels?.[LABEL_SANDBOX_POOL] === pool) {
        resolve();
      }
    });
    if (signal.aborted) onAbort();
    return promise.finally(() => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      stop();
    });
  }

  /**
   * Tries one warm claim: the claimed object, `undefined` when the pool has no stock left for
   * this process, or `"conflict"` when another writer won (the object is refreshed in the cache).
   */
  async #claimWarm(
    namespace: string,
    pool: string,
    spec: ClaimSpec,
  ): Promise<Sandbox | undefined | "conflict"> {
    const stock = this.#index.available(namespace, pool).filter((s) =>
      !this.#inFlight.has(SandboxIndex.key(s))
    );
    if (stock.length === 0) return undefined;
    const pick = stock[Math.floor(Math.random() * stock.length)]!;
    const key = SandboxIndex.key(pick);
    this.#inFlight.add(key);
    try {
      const sandbox = await this.#sandboxes.update(claimedSandbox(pick, spec));
      this.#index.observe(sandbox);
      return sandbox;
    } catch (error) {
      if (isConflict(error)) {
        await this.#refresh(pick);
        return "conflict";
      }
      if (isNotFound(error)) {
        this.#index.forget(pick);
        return "conflict";
      }
      throw error;
    } finally {
      this.#inFlight.delete(key);
    }
  }

  /** Re-reads an object that met a conflict, so the next pick sees its current state. */
  async #refresh(sandbox: Sandbox): Promise<void> {
    try {
      this.#index.observe(await this.#sandboxes.get(sandbox));
    } catch (error) {
      if (isNotFound(error)) this.#index.forget(sandbox);
      else throw error;
    }
  }

  async #createCold(sandbox: Sandbox): Promise<Sandbox> {
    const written = await this.#sandboxes.create(sandbox);
    this.#index.observe(written);
    return written;
  }

  /**
   * Waits for readiness (cold sandboxes) and for the egress rules a create asked for to be in
   * force (a sandbox with `allow_internet_access: false` never runs a command with internet
   * access), then late-binds the runtime settings.
   */
  async #finish(sandbox: Sandbox, plan: MetadataPlan, signal: AbortSignal): Promise<Sandbox> {
    const ready = await this.#settled(sandbox, signal, plan.options.waitReadyTimeoutSeconds);
    const request = storedInitRequest(ready);
    if (!plan.skipInitRuntime && request) {
      await this.#runtime.init(ready, request.envVars, signal);
    }
    return ready;
  }

  /**
   * `sandbox` once it is Ready and its egress rules apply, bounded by the cold-start wait, or by
   * `waitReadySeconds` (the create's `wait-ready-timeout-seconds`), whose expiry is a 503 that
   * names the key instead of a failure the claim loop retries.
   */
  async #settled(
    sandbox: Sandbox,
    signal: AbortSignal,
    waitReadySeconds?: number,
  ): Promise<Sandbox> {
    // An in-place upgrade that fails ends the wait at once, as a 400 (the claim is released).
    const settled = (s: Sandbox) =>
      typeof inplaceUpgrade(s) === "object" ||
      (isSandboxReady(s) && isEgressApplied(s) && inplaceUpgrade(s) === "settled");
    const upgradeFailed = (s: Sandbox) => {
      const upgrade = inplaceUpgrade(s);
      if (typeof upgrade !== "object") return s;
      const image = s.metadata.annotations?.[METADATA_IMAGE];
      throw new ApiError(
        400,
        image !== undefined && cpuAskOf(s.metadata.annotations ?? {}) === undefined
          ? `Cannot create sandbox: the image "${image}" of metadata "${METADATA_IMAGE}" ` +
            `cannot run: ${upgrade.failed}`
          : `Cannot create sandbox: the sandbox cannot be changed in place as its metadata ` +
            `asks: ${upgrade.failed}`,
      );
    };
    if (settled(sandbox)) return upgradeFailed(sandbox);
    const ms = waitReadySeconds === undefined
      ? this.#options.coldStartTimeoutMs ?? 120_000
      : waitReadySeconds * 1000;
    const timeout = AbortSignal.timeout(ms);
    try {
      return upgradeFailed(
        await this.#index.waitFor(sandbox, settled, AbortSignal.any([signal, timeout])),
      );
    } catch (error) {
      if (!timeout.aborted || signal.aborted) throw error;
      if (waitReadySeconds !== undefined) {
        throw new ApiError(
          503,
          `Cannot create sandbox: the sandbox was not ready within ${waitReadySeconds} s ` +
            `(metadata "${METADATA_WAIT_READY_TIMEOUT_SECONDS}")`,
          { cause: error },
        );
      }
      throw new Error("the sandbox did not become ready (or its rules apply) in time", {
        cause: error,
      });
    }
  }

  /** Deletes a claimed Sandbox whose create failed; never throws. */
  async #release(sandbox: Sandbox): Promise<void> {
    try {
      await this.#sandboxes.delete(sandbox);
    } catch (error) {
      if (!isNotFound(error)) {
        (this.#options.logger ?? silentLogger).warn(
          "cannot release a sandbox after a failed create",
          {
            sandbox: SandboxIndex.key(sandbox),
            error: errorMessage(error),
          },
        );
      }
    }
    this.#index.forget(sandbox);
  }
}
