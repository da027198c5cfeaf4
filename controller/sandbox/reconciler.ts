/**
 * The Sandbox reconciler: one Pod per Sandbox, its status mirrored, the deadlines enforced and
 * the pause driven: freeze in place, or (the Stop strategy) delete the Pod and recreate it at
 * resume (`pause_strategy.ts`).
 *
 * One pass: read the Sandbox and its Pod from the caches; enforce `spec.shutdownTime` (delete
 * the Sandbox) and `spec.pauseTime` (set `spec.paused`); create the Pod if the Sandbox has none
 * yet; keep the Pod's freeze annotation equal to `spec.paused`; compute the status once and
 * write it only if it changed; requeue at the next deadline.
 *
 * Local invariants:
 * - Deadlines live in the object, so a restarted controller enforces them as if it had never
 *   stopped: every pass recomputes them from `spec` and returns `requeueAfter` for the nearest.
 * - The Pod has the Sandbox's name, so a lagging cache cannot create two (the second create is
 *   `AlreadyExists`). A Pod controlled by another UID (an older Sandbox of the same name) is never
 *   adopted; the pass waits for the garbage collector.
 * - A started Sandbox whose Pod disappears is `Failed`, not silently recreated: its processes
 *   and memory are gone, and pretending otherwise would hand out a different sandbox.
 * - The Pod of a deleted Sandbox is deleted here with a grace period of at most 5 s
 *   (`pod_deletion.ts`), not left to the garbage collector's default of 30 s.
 * - This controller is the only writer of Sandbox status.
 *
 * @module
 */
import {
  ANNOTATION_E2B_LIFECYCLE,
  ANNOTATION_PAUSE_MEMORY,
  type Sandbox,
  sandboxToken,
} from "@kruise-agents/shared/api";
import {
  isAlreadyExists,
  isConflict,
  isNotFound,
  KubeApiError,
  type KubeClient,
  PODS,
  SANDBOXES,
  SECRETS,
} from "@kruise-agents/shared/kube";
import type { Clock } from "@kruise-agents/shared/std";
import { deepEqual } from "@kruise-agents/shared/std";
import type { Informer } from "@kruise-agents/shared/kube";
import { errorMessage, type Logger } from "@kruise-agents/shared/std";
import { controllerOf } from "../machinery/owner.ts";
import { earliest, type ReconcileResult, TerminalError } from "../machinery/result.ts";
import { controlledPodAnnotations, desiredPod, tokenSecret } from "./desired_pod.ts";
import { isTerminalPhase, parsePod, type Pod } from "@kruise-agents/shared/api";
import { computeSandboxStatus } from "./status.ts";
import type { InjectionConfig } from "./injection.ts";
import { podGraceSeconds, podToRelease } from "./pod_deletion.ts";
import { imageDrift, inplacePatch } from "./inplace_update.ts";
import { stopStage } from "./pause_strategy.ts";
import { cpuDrift, resizePatch } from "./inplace_resize.ts";

/** What {@linkcode SandboxReconciler} needs. */
export interface SandboxReconcilerDeps {
  /** API writes. */
  kube: KubeClient;
  /** Cache of Sandboxes. */
  sandboxes: Informer<Sandbox>;
  /** Cache of Sandbox Pods (label `created-by=sandbox`). */
  pods: Informer<Pod>;
  /** Time source of deadlines. */
  clock: Clock;
  /** Log sink. */
  logger: Logger;
  /** The key sandbox tokens are derived with (see `shared/api/sandbox_token.ts`). */
  tokenKey: CryptoKey;
  /**
   * The runtime injection config as cached now (`injection.ts`), read at each Pod create; absent:
   * this controller has none, and a Sandbox that lists runtimes fails.
   */
  injection?: (() => InjectionConfig | undefined) | undefined;
}

function deadline(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}

/** Reconciles Sandbox keys. */
export class SandboxReconciler {
  #deps: SandboxReconcilerDeps;

  /** Creates the reconciler. */
  constructor(deps: SandboxReconcilerDeps) {
    this.#deps = deps;
  }

  /** One pass over the Sandbox with `key`; throws (to retry with backoff) if a write failed. */
  async reconcile(key: string): Promise<ReconcileResult> {
    const { sandboxes, pods, clock } = this.#deps;
    const sandbox = sandboxes.get(key);
    if (sandbox === undefined || sandbox.metadata.deletionTimestamp !== undefined) {
      await this.#releasePod(key, sandbox);
      return {};
    }
    const now = clock.now();

    const deadlines = await this.#enforceDeadlines(key, sandbox, now);
    if (deadlines.acted) return {};
    const result = deadlines.requeue;
    if (isTerminalPhase(sandbox.status?.phase)) return result;

    const owned = this.#ownPod(key, sandbox);
    if (owned.wait) return result;
    let pod = owned.pod;
    const errors: unknown[] = [];
    let podCreateError: string | undefined;
    const stage = stopStage(sandbox);
    const recreate = stage !== undefined && sandbox.spec.paused !== true;
    if (pod === undefined && (isPending(sandbox) || recreate) && !pods.get(key)) {
      const created = await this.#createPod(sandbox, errors);
      if (created.raced) return result; // the cache lags; its event is on the way
      pod = created.pod;
      podCreateError = created.error;
    }
    if (pod !== undefined && sandbox.spec.paused === true && stage !== undefined) {
      await this.#stopPod(key, pod, errors);
    }
    if (pod !== undefined) pod = await this.#syncAnnotations(sandbox, pod, errors);
    const notes: PassNotes = {};
    if (pod !== undefined) pod = await this.#syncImage(sandbox, pod, now, errors, notes);

    const status = computeSandboxStatus({
      sandbox,
      pod,
      podCreateError,
      resizeRefused: notes.resizeRefused,
      nowMs: now,
    });
    await this.#writeStatus(key, sandbox, status, errors);
    throwCollected(key, errors);
    return result;
  }

  /**
   * Enforces `spec.shutdownTime` (delete the Sandbox) and `spec.pauseTime` (set `spec.paused`).
   * `acted` means a write was made and this pass ends (its own event brings the next one);
   * otherwise `requeue` wakes the key at the nearest deadline.
   */
  async #enforceDeadlines(
    key: string,
    sandbox: Sandbox,
    now: number,
  ): Promise<{ acted: boolean; requeue: ReconcileResult }> {
    const { kube, logger } = this.#deps;
    const namespace = sandbox.metadata.namespace ?? "";
    const name = sandbox.metadata.name ?? "";
    const shutdownAt = deadline(sandbox.spec.shutdownTime);
    if (shutdownAt !== undefined && shutdownAt <= now) {
      logger.info("shutdownTime reached; deleting the sandbox", { sandbox: key });
      try {
        await kube.delete(SANDBOXES, namespace, name, {
          preconditions: { uid: sandbox.metadata.uid },
        });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      return { acted: true, requeue: {} };
    }
    const pauseAt = sandbox.spec.paused === true ? undefined : deadline(sandbox.spec.pauseTime);
    if (pauseAt !== undefined && pauseAt <= now) {
      // Optimistic: a concurrent resume or timeout change (manager) wins and we look again.
      // E2B's `autoPauseMemory: false` (kept in the lifecycle annotation): a Stop pause.
      const annotations = autoPauseDropsMemory(sandbox)
        ? { annotations: { [ANNOTATION_PAUSE_MEMORY]: "false" } }
        : {};
      await kube.patch(SANDBOXES, namespace, name, {
        metadata: { resourceVersion: sandbox.metadata.resourceVersion, ...annotations },
        spec: { paused: true },
      });
      return { acted: true, requeue: {} };
    }
    const next = earliest(
      shutdownAt === undefined ? undefined : shutdownAt - now,
      pauseAt === undefined ? undefined : pauseAt - now,
    );
    return { acted: false, requeue: next === undefined ? {} : { requeueAfter: next } };
  }

  /**
   * The Sandbox's Pod from the cache. A Pod of the same name controlled by another UID is never
   * adopted: it counts as no Pod, and a Sandbox still `Pending` waits for the garbage collector.
   */
  #ownPod(key: string, sandbox: Sandbox): { pod: Pod | undefined; wait: boolean } {
    const pod = this.#deps.pods.get(key);
    if (pod === undefined || controllerOf(pod.metadata)?.uid === sandbox.metadata.uid) {
      return { pod, wait: false };
    }
    this.#deps.logger.info("a pod of the same name belongs to someone else; waiting for it to go", {
      sandbox: key,
    });
    return { pod: undefined, wait: isPending(sandbox) };
  }

  /**
   * Deletes the Pod of a Sandbox that is gone (or going), with the short grace period of
   * `pod_deletion.ts`, instead of leaving it to the garbage collector's default. A Sandbox
   * missing from the cache is looked up on the API server first: a cache that has not caught up
   * yet (a new leader's first passes) must not cost a live sandbox its Pod.
   */
  async #releasePod(key: string, sandbox: Sandbox | undefined): Promise<void> {
    const { kube, pods, logger } = this.#deps;
    const pod = pods.get(key);
    const owner = pod === undefined ? undefined : podToRelease(pod);
    if (pod === undefined || owner === undefined) return;
    if (sandbox !== undefined && sandbox.metadata.uid !== owner.uid) return;
    const namespace = pod.metadata.namespace ?? "";
    if (sandbox === undefined && await this.#sandboxExists(namespace, owner)) return;
    const gracePeriodSeconds = podGraceSeconds(pod);
    logger.info("the sandbox is gone; deleting its pod", { sandbox: key, gracePeriodSeconds });
    try {
      await kube.delete(PODS, namespace, pod.metadata.name ?? "", {
        gracePeriodSeconds,
        preconditions: { uid: pod.metadata.uid },
      });
    } catch (error) {
      // Gone already, or replaced by a new Pod of the same name: nothing of that Sandbox's left.
      if (!isNotFound(error) && !isConflict(error)) throw error;
    }
  }

  /**
   * Deletes the Pod of a Sandbox paused with the Stop strategy, once its status says so (the
   * status is the only record that the Pod went on purpose), with the short grace period.
   */
  async #stopPod(key: string, pod: Pod, errors: unknown[]): Promise<void> {
    if (pod.metadata.deletionTimestamp !== undefined) return;
    const gracePeriodSeconds = podGraceSeconds(pod);
    this.#deps.logger.info("pausing with Stop; deleting the pod", { sandbox: key });
    try {
      await this.#deps.kube.delete(PODS, pod.metadata.namespace ?? "", pod.metadata.name ?? "", {
        gracePeriodSeconds,
        preconditions: { uid: pod.metadata.uid },
      });
    } catch (error) {
      if (!isNotFound(error) && !isConflict(error)) errors.push(error);
    }
  }

  /** Whether the Sandbox `owner` names still exists on the API server (same name and uid). */
  async #sandboxExists(namespace: string, owner: { name: string; uid: string }): Promise<boolean> {
    try {
      const live = await this.#deps.kube.get(SANDBOXES, namespace, owner.name);
      return live.metadata.uid === owner.uid;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /**
   * Creates the Sandbox's Pod. `raced` means it already exists (the cache lags); `error` is the
   * failure the status reports, which is also pushed onto `errors` unless it is permanent.
   */
  async #createPod(
    sandbox: Sandbox,
    errors: unknown[],
  ): Promise<{ pod?: Pod; error?: string; raced?: boolean }> {
    try {
      // Built before any write: a runtime the config lacks fails without leaving a Secret behind.
      const desired = desiredPod(sandbox, this.#deps.injection?.());
      await this.#createTokenSecret(sandbox);
      return { pod: parsePod(await this.#deps.kube.create(PODS, { ...desired })) };
    } catch (error) {
      if (isAlreadyExists(error)) return { raced: true };
      // An invalid template (or an unsupported templateRef, or a runtime the injection config
      // lacks) will not fix itself: report it in the status and wait for a spec change (or a
      // change of the injection config, which enqueues the Sandboxes still waiting). Anything else (quota, a missing service account,
      // API trouble) is reported too, and retried with backoff.
      const permanent = error instanceof TerminalError ||
        (error instanceof KubeApiError && error.reason === "Invalid");
      if (!permanent) errors.push(error);
      return { error: errorMessage(error) };
    }
  }

  /** The Secret with the sandbox's envd token, before its Pod (which reads it); idempotent. */
  async #createTokenSecret(sandbox: Sandbox): Promise<void> {
    const token = await sandboxToken(this.#deps.tokenKey, "envd", sandbox.metadata);
    try {
      await this.#deps.kube.create(SECRETS, tokenSecret(sandbox, token));
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }

  /**
   * Keeps the Pod's controlled annotations (freeze, egress) equal to the Sandbox's wishes;
   * returns the Pod as written.
   */
  async #syncAnnotations(sandbox: Sandbox, pod: Pod, errors: unknown[]): Promise<Pod> {
    const patch: Record<string, string | null> = {};
    for (const [key, want] of Object.entries(controlledPodAnnotations(sandbox, pod))) {
      if ((pod.metadata.annotations?.[key] ?? null) !== want) patch[key] = want;
    }
    if (Object.keys(patch).length === 0) return pod;
    return await this.#patchPod(pod, { metadata: { annotations: patch } }, errors);
  }

  /**
   * Patches `pod` (its `resize` subresource when asked) and returns it as written; on failure
   * returns `pod` unchanged, the error recorded in `errors` (a Pod gone is no error: its own event
   * follows) unless `refused` claims it.
   */
  async #patchPod(
    pod: Pod,
    patch: Record<string, unknown>,
    errors: unknown[],
    options: { resize?: boolean; refused?: (error: unknown) => boolean } = {},
  ): Promise<Pod> {
    const { kube } = this.#deps;
    const namespace = pod.metadata.namespace ?? "", name = pod.metadata.name ?? "";
    try {
      // Each call spells its subresource: the chart's RBAC is read from these call sites.
      return parsePod(
        options.resize
          ? await kube.patch(PODS, namespace, name, patch, { subresource: "resize" })
          : await kube.patch(PODS, namespace, name, patch),
      );
    } catch (error) {
      if (options.refused?.(error)) return pod;
      if (!isNotFound(error)) errors.push(error);
      return pod;
    }
  }

  /**
   * Changes the Pod's main container image in place when the Sandbox's template names another
   * (`inplace_update.ts`), on a running, unpaused Sandbox; returns the Pod as written. A conflict
   * (the Pod changed) retries with the next event.
   */
  async #syncImage(
    sandbox: Sandbox,
    pod: Pod,
    now: number,
    errors: unknown[],
    notes: PassNotes,
  ): Promise<Pod> {
    if (sandbox.spec.paused === true || sandbox.status?.phase !== "Running") return pod;
    if (pod.metadata.deletionTimestamp !== undefined) return pod;
    const drift = imageDrift(sandbox, pod);
    if (drift === undefined) return await this.#syncCpu(sandbox, pod, errors, notes);
    this.#deps.logger.info("changing the main container's image in place", {
      sandbox: `${sandbox.metadata.namespace}/${sandbox.metadata.name}`,
      image: drift.image,
    });
    return await this.#patchPod(pod, inplacePatch(pod, drift, now), errors);
  }

  /**
   * Resizes the Pod's main container CPU in place when a create asked the Sandbox for other CPU
   * (`inplace_resize.ts`), through the Pod's `resize` subresource; returns the Pod as written. A
   * refusal (the API server's: a QoS class change, a node that cannot) is reported on the
   * Sandbox as a failed InplaceUpdate, which the manager answers as a 400.
   */
  async #syncCpu(
    sandbox: Sandbox,
    pod: Pod,
    errors: unknown[],
    notes: PassNotes,
  ): Promise<Pod> {
    const drift = cpuDrift(sandbox, pod);
    if (drift === undefined) return pod;
    const key = `${sandbox.metadata.namespace}/${sandbox.metadata.name}`;
    this.#deps.logger.info("resizing the main container's CPU in place", { sandbox: key });
    return await this.#patchPod(pod, resizePatch(pod, drift), errors, {
      resize: true,
      refused: (error) => {
        if (!(error instanceof KubeApiError && (error.status === 422 || error.status === 400))) {
          return false;
        }
        notes.resizeRefused = errorMessage(error);
        return true;
      },
    });
  }

  /** Writes `status` if it differs from the stored one. */
  async #writeStatus(
    key: string,
    sandbox: Sandbox,
    status: NonNullable<Sandbox["status"]>,
    errors: unknown[],
  ): Promise<void> {
    if (deepEqual(status, sandbox.status ?? {})) return;
    try {
      await this.#deps.kube.updateStatus(SANDBOXES, { ...sandbox, status });
    } catch (error) {
      // Conflict: the Sandbox changed under us (a claim, a pause); the change's own event
      // brings us back with fresh data, and the backoff covers the case where it does not.
      if (!isNotFound(error)) errors.push(error);
      if (isConflict(error)) {
        this.#deps.logger.info("status write conflicted; retrying", { sandbox: key });
      }
    }
  }
}

/** What a pass learnt on the way that the status must say. */
interface PassNotes {
  /** The API server refused the Pod's resize, with this message. */
  resizeRefused?: string | undefined;
}

/** Whether the Sandbox's auto-pause asked to drop the memory (`keepMemory: false`). */
function autoPauseDropsMemory(sandbox: Sandbox): boolean {
  try {
    const lifecycle = JSON.parse(sandbox.metadata.annotations?.[ANNOTATION_E2B_LIFECYCLE] ?? "{}");
    return lifecycle?.keepMemory === false;
  } catch {
    return false;
  }
}

/** Whether the Sandbox has not started yet (no phase counts as `Pending`). */
function isPending(sandbox: Sandbox): boolean {
  return (sandbox.status?.phase ?? "Pending") === "Pending";
}

/** Throws the errors a pass collected: one as it is, several as an `AggregateError`. */
function throwCollected(key: string, errors: unknown[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    throw new AggregateError(errors, `Sandbox ${key}: ${errors.length} writes failed`);
  }
}
