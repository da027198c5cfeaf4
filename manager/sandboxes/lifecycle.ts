/**
 * Everything after create: get, kill, timeout, refreshes, pause, connect/resume. Deadlines live
 * in the object (`spec.shutdownTime`), so a manager restart loses nothing and the controller
 * enforces them. The rules (§A.5, §F):
 *
 * - `setTimeout`: `endAt = now + t`, may shorten; a paused sandbox answers 404, as E2B. On a
 *   never-timeout sandbox (no shutdown time) it sets one, as E2B's `setTimeout` promises.
 * - refreshes and connect on a running sandbox: `endAt = max(endAt, now + t)`, never shorten
 *   (so a never-timeout sandbox keeps having none).
 * - pause: `spec.paused = true` and the shutdown time moved to the paused retention (the
 *   create's `reserve-paused-sandbox-duration`, else `--paused-ttl`), and `memory: false` as the
 *   `pause-memory` annotation (the controller's Stop strategy); then wait, bounded, for the
 *   controller's SandboxPaused True. Already paused (or pausing) → 409.
 * - connect on a paused sandbox: `spec.paused = false` and `endAt = now + t` in one write, wait
 *   for Running and Ready, replay the stored `/init` (so a runtime that was recreated rather
 *   than frozen gets its token and env back), reply 201.
 * - kill: delete the object (a paused one too); the proxy tears down its streams.
 * - auto-pause sandboxes (`auto_pause.ts`): every deadline write above sets `spec.pauseTime` at
 *   the timeout and the shutdown a paused retention after it; `autoResume` lets the proxy resume
 *   a paused one for its create's timeout when traffic comes.
 *
 * Pause and resume writes carry the resourceVersion they decided on, so two racing pauses
 * cannot both answer 204: the loser re-reads and answers 409.
 *
 * @module
 */
import { isConflict, isNotFound } from "@kruise-agents/shared/kube";
import type { Clock } from "@kruise-agents/shared/std";
import { ANNOTATION_PAUSE_MEMORY, type Sandbox } from "@kruise-agents/shared/api";
import type { Caller } from "../auth/api_keys.ts";
import { ApiError, sandboxNotFound } from "../errors.ts";
import { storedInitRequest } from "./claim_mutation.ts";
import { readPausedRetention } from "./create_options.ts";
import { deadlinesAt, readAutoPause } from "./auto_pause.ts";
import type { RuntimeClient } from "./runtime_client.ts";
import { SandboxIndex } from "./sandbox_index.ts";
import type { SandboxClient } from "./sandbox_client.ts";
import type { SandboxServices } from "./services.ts";
import { isSandboxReady } from "@kruise-agents/shared/api";
import { e2bState, endAtMs, pauseCompleted, pauseRefusal, sandboxIdOf } from "./state.ts";

/** Options of {@linkcode Lifecycle}. */
export interface LifecycleOptions {
  /** Current time. */
  clock: Clock;
  /** How long pause waits for phase Paused, ms. @default {30000} */
  pauseWaitMs?: number | undefined;
  /** How long connect waits for a resumed sandbox to be Ready, ms. @default {60000} */
  resumeWaitMs?: number | undefined;
  /**
   * How long a paused sandbox is kept, seconds: its shutdown time while paused (a connect sets a
   * new one). It counts against its team's sandbox limit until then. @default {86400}
   */
  pausedTtlSeconds?: number | undefined;
}

/** The body of E2B's `POST /sandboxes/{id}/pause`. */
export interface PauseOptions {
  /**
   * `false`: drop the memory and keep the files (E2B's filesystem-only snapshot): the Stop
   * strategy, the Pod deleted and recreated at resume. Absent or `true`: the Sandbox's strategy
   * (Freeze where the node can freeze).
   */
  memory?: boolean | undefined;
}

/** What {@linkcode Lifecycle.connect} did. */
export interface ConnectResult {
  /** The sandbox after the connect. */
  sandbox: Sandbox;
  /** Whether it was paused and got resumed (201) rather than already running (200). */
  resumed: boolean;
}

const OPTIMISTIC_TRIES = 5;

/** The lifecycle operations of claimed sandboxes. */
export class Lifecycle {
  readonly #sandboxes: SandboxClient;
  readonly #index: SandboxIndex;
  readonly #runtime: RuntimeClient;
  readonly #options: LifecycleOptions;

  /** Creates the lifecycle service. */
  constructor(services: SandboxServices, options: LifecycleOptions) {
    ({ sandboxes: this.#sandboxes, index: this.#index, runtime: this.#runtime } = services);
    this.#options = options;
  }

  /** The live sandbox `id` of `caller`'s team; 404 {@linkcode ApiError} when missing or dead. */
  async get(id: string, caller: Caller): Promise<Sandbox> {
    const sandbox = await this.#index.find(id, caller);
    if (!sandbox || e2bState(sandbox, this.#options.clock.now()) === "gone") {
      throw sandboxNotFound(id);
    }
    return sandbox;
  }

  /** Kills the sandbox: deletes its object. */
  async kill(id: string, caller: Caller): Promise<void> {
    const sandbox = await this.get(id, caller);
    try {
      await this.#sandboxes.delete(sandbox, {
        preconditions: sandbox.metadata.uid ? { uid: sandbox.metadata.uid } : {},
      });
    } catch (error) {
      if (isNotFound(error) || isConflict(error)) throw sandboxNotFound(id);
      throw error;
    } finally {
      this.#index.forget(sandbox);
    }
  }

  /** Sets `endAt = now + seconds` (may shorten). Paused → 404, as E2B. */
  async setTimeout(id: string, caller: Caller, seconds: number): Promise<void> {
    const sandbox = await this.get(id, caller);
    if (e2bState(sandbox, this.#options.clock.now()) !== "running") throw sandboxNotFound(id);
    await this.#patch(sandbox, { spec: this.#deadlines(sandbox, seconds) });
  }

  /** Extends `endAt` to at least `now + seconds`; never shortens. */
  async refresh(id: string, caller: Caller, seconds: number): Promise<void> {
    const sandbox = await this.get(id, caller);
    if (e2bState(sandbox, this.#options.clock.now()) !== "running") throw sandboxNotFound(id);
    await this.#extend(sandbox, seconds);
  }

  /**
   * Pauses a running sandbox; 409 when already paused. A pause that cannot happen (the
   * controller reports SandboxPaused `PauseUnsupported`: no freezer on the node, a strategy not
   * implemented) or does not happen in time is undone, the deadlines put back, and answered 501
   * or 500 with the reason.
   */
  async pause(id: string, caller: Caller, options: PauseOptions = {}): Promise<void> {
    let sandbox = await this.get(id, caller);
    const memory = options.memory === false ? "false" : null;
    const before = sandbox;
    for (let i = 0;; i++) {
      if (e2bState(sandbox, this.#options.clock.now()) === "paused") {
        throw new ApiError(409, `Sandbox "${id}" is already paused`);
      }
      try {
        sandbox = await this.#patch(sandbox, {
          metadata: {
            resourceVersion: sandbox.metadata.resourceVersion,
            annotations: { [ANNOTATION_PAUSE_MEMORY]: memory },
          },
          spec: { paused: true, shutdownTime: this.#at(this.#pausedRetention(sandbox)) },
        });
        break;
      } catch (error) {
        if (!isConflict(error) || i >= OPTIMISTIC_TRIES) throw error;
        sandbox = await this.#reread(sandbox, id);
      }
    }
    const waitMs = this.#options.pauseWaitMs ?? 30_000;
    let outcome: Sandbox;
    try {
      outcome = await this.#index.waitFor(
        sandbox,
        (s) => pauseCompleted(s) || pauseRefusal(s) !== undefined,
        AbortSignal.timeout(waitMs),
      );
    } catch (error) {
      await this.#undoPause(before, sandbox);
      throw new ApiError(
        500,
        `Cannot pause sandbox "${id}": it did not pause within ${waitMs} ms`,
        { cause: error },
      );
    }
    const refusal = pauseRefusal(outcome);
    if (refusal !== undefined) {
      await this.#undoPause(before, outcome);
      throw new ApiError(501, `Cannot pause sandbox "${id}": ${refusal}`);
    }
  }

  /**
   * Puts a sandbox whose pause failed back as it was: not paused, its deadlines as `before` had
   * them. Optimistic on `current`; a conflict means someone else (a resume, a kill) acted.
   */
  async #undoPause(before: Sandbox, current: Sandbox): Promise<void> {
    const { shutdownTime, pauseTime } = before.spec;
    await this.#patch(current, {
      metadata: {
        resourceVersion: current.metadata.resourceVersion,
        annotations: { [ANNOTATION_PAUSE_MEMORY]: null },
      },
      spec: { paused: false, shutdownTime: shutdownTime ?? null, pauseTime: pauseTime ?? null },
    }).catch(() => {});
  }

  /**
   * Connects: extends a running sandbox's timeout (200), or resumes a paused one with
   * `endAt = now + seconds` (201).
   */
  async connect(id: string, caller: Caller, seconds: number): Promise<ConnectResult> {
    let sandbox = await this.get(id, caller);
    for (let i = 0;; i++) {
      if (e2bState(sandbox, this.#options.clock.now()) === "running") {
        return { sandbox: await this.#extend(sandbox, seconds), resumed: false };
      }
      sandbox = await this.#pauseSettled(sandbox);
      try {
        sandbox = await this.#patch(sandbox, {
          metadata: {
            resourceVersion: sandbox.metadata.resourceVersion,
            annotations: { [ANNOTATION_PAUSE_MEMORY]: null },
          },
          spec: { paused: false, ...this.#deadlines(sandbox, seconds) },
        });
        break;
      } catch (error) {
        if (!isConflict(error) || i >= OPTIMISTIC_TRIES) throw error;
        sandbox = await this.#reread(sandbox, id);
      }
    }
    return { sandbox: await this.#awaitResumed(sandbox, id), resumed: true };
  }

  /**
   * `sandbox` once a pause under way (an auto-pause at the timeout, another client's pause) has
   * finished: the node has frozen it, or the pause was refused. Resuming in the middle would let
   * the node freeze it after the resume was answered (it saw the freeze before the thaw).
   */
  async #pauseSettled(sandbox: Sandbox): Promise<Sandbox> {
    const inProgress = (s: Sandbox) =>
      s.spec.paused === true && !pauseCompleted(s) && pauseRefusal(s) === undefined;
    if (!inProgress(sandbox)) return sandbox;
    try {
      return await this.#index.waitFor(
        sandbox,
        (s) => !inProgress(s),
        AbortSignal.timeout(this.#options.pauseWaitMs ?? 30_000),
      );
    } catch {
      return sandbox; // resume anyway; the wait for Ready below still bounds the answer
    }
  }

  /**
   * Resumes a paused sandbox created with `autoResume`, for its create's timeout, because traffic
   * came for it (the proxy's call: the caller is whoever holds the sandbox's token). `undefined`
   * when the sandbox does not resume by traffic.
   */
  async autoResume(sandbox: Sandbox): Promise<Sandbox | undefined> {
    const choice = readAutoPause(sandbox);
    if (!choice?.autoResume) return undefined;
    const id = sandboxIdOf(sandbox);
    // The sandbox's own team: the token holder reaches only this sandbox, as its owner would.
    const team: Caller = { keyId: "", team: sandbox.metadata.namespace ?? "", admin: false };
    return (await this.connect(id, team, choice.timeoutSeconds)).sandbox;
  }

  /** The deprecated `POST /sandboxes/{id}/resume`: resumes a paused sandbox; 409 if running. */
  async resume(id: string, caller: Caller, seconds: number): Promise<Sandbox> {
    const sandbox = await this.get(id, caller);
    if (e2bState(sandbox, this.#options.clock.now()) === "running") {
      throw new ApiError(409, `Sandbox "${id}" is already running`);
    }
    const { sandbox: resumed } = await this.connect(id, caller, seconds);
    return resumed;
  }

  async #awaitResumed(sandbox: Sandbox, id: string): Promise<Sandbox> {
    const waitMs = this.#options.resumeWaitMs ?? 60_000;
    let ready: Sandbox;
    try {
      ready = await this.#index.waitFor(
        sandbox,
        // The controller must have seen the resume: a sandbox whose pause was still under
        // way when it came (an auto-pause at its timeout) still shows its old Ready status.
        (s) =>
          !s.spec.paused && (s.status?.observedGeneration ?? 0) >= (s.metadata.generation ?? 0) &&
          isSandboxReady(s),
        AbortSignal.timeout(waitMs),
      );
    } catch (error) {
      throw new ApiError(500, `Cannot resume sandbox "${id}": not ready within ${waitMs} ms`, {
        cause: error,
      });
    }
    const request = storedInitRequest(ready);
    if (request) await this.#runtime.init(ready, request.envVars);
    return ready;
  }

  async #extend(sandbox: Sandbox, seconds: number): Promise<Sandbox> {
    const target = this.#options.clock.now() + seconds * 1000;
    // No shutdown time: a never-timeout sandbox, already past any extension.
    if (sandbox.spec.shutdownTime === undefined || endAtMs(sandbox) >= target) return sandbox;
    return await this.#patch(sandbox, { spec: this.#deadlines(sandbox, seconds) });
  }

  /** The deadline fields of a timeout of `seconds` from now (`auto_pause.ts`'s rule). */
  #deadlines(sandbox: Sandbox, seconds: number): Record<string, string> {
    const endAt = this.#options.clock.now() + seconds * 1000;
    const autoPause = readAutoPause(sandbox) !== undefined;
    return { ...deadlinesAt(endAt, autoPause, this.#pausedRetention(sandbox)) };
  }

  /** Seconds a paused sandbox is kept: its `reserve-paused-sandbox-duration`, else the default. */
  #pausedRetention(sandbox: Sandbox): number {
    const asked = readPausedRetention(sandbox);
    return asked ?? this.#options.pausedTtlSeconds ?? 86_400;
  }

  #at(seconds: number): string {
    return new Date(this.#options.clock.now() + seconds * 1000).toISOString();
  }

  async #reread(sandbox: Sandbox, id: string): Promise<Sandbox> {
    try {
      const fresh = await this.#sandboxes.get(sandbox);
      this.#index.observe(fresh);
      if (sandboxIdOf(fresh) !== id || e2bState(fresh, this.#options.clock.now()) === "gone") {
        throw sandboxNotFound(id);
      }
      return fresh;
    } catch (error) {
      if (isNotFound(error)) throw sandboxNotFound(id);
      throw error;
    }
  }

  async #patch(sandbox: Sandbox, patch: Record<string, unknown>): Promise<Sandbox> {
    try {
      const written = await this.#sandboxes.patch(sandbox, patch);
      this.#index.observe(written);
      return written;
    } catch (error) {
      if (isNotFound(error)) throw sandboxNotFound(sandboxIdOf(sandbox));
      throw error;
    }
  }
}
