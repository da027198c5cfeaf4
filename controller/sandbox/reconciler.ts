/**
 * The Sandbox reconciler: one Pod per Sandbox, its status mirrored, the deadlines enforced and
 * the freeze-in-place pause driven.
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
 * - This controller is the only writer of Sandbox status.
 *
 * @module
 */
import { ANNOTATION_POD_FREEZE, type Sandbox } from "@kruise-agents/shared/api";
import {
  isAlreadyExists,
  isConflict,
  isNotFound,
  KubeApiError,
  type KubeClient,
  PODS,
  SANDBOXES,
} from "@kruise-agents/shared/kube";
import type { Clock } from "@kruise-agents/shared/std";
import { deepEqual } from "@kruise-agents/shared/std";
import type { Informer } from "@kruise-agents/shared/kube";
import { errorMessage, type Logger } from "@kruise-agents/shared/std";
import { controllerOf } from "../machinery/owner.ts";
import { earliest, type ReconcileResult, TerminalError } from "../machinery/result.ts";
import { desiredPod } from "./desired_pod.ts";
import { isTerminalPhase, parsePod, type Pod } from "@kruise-agents/shared/api";
import { computeSandboxStatus } from "./status.ts";

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
    const { kube, sandboxes, pods, clock, logger } = this.#deps;
    const sandbox = sandboxes.get(key);
    if (sandbox === undefined || sandbox.metadata.deletionTimestamp !== undefined) return {};
    const namespace = sandbox.metadata.namespace ?? "";
    const name = sandbox.metadata.name ?? "";
    const now = clock.now();

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
      return {};
    }
    const pauseAt = sandbox.spec.paused === true ? undefined : deadline(sandbox.spec.pauseTime);
    if (pauseAt !== undefined && pauseAt <= now) {
      // Optimistic: a concurrent resume or timeout change (manager) wins and we look again.
      await kube.patch(SANDBOXES, namespace, name, {
        metadata: { resourceVersion: sandbox.metadata.resourceVersion },
        spec: { paused: true },
      });
      return {};
    }
    const next = earliest(
      shutdownAt === undefined ? undefined : shutdownAt - now,
      pauseAt === undefined ? undefined : pauseAt - now,
    );
    const result: ReconcileResult = next === undefined ? {} : { requeueAfter: next };
    if (isTerminalPhase(sandbox.status?.phase)) return result;

    let pod = pods.get(key);
    if (pod !== undefined && controllerOf(pod.metadata)?.uid !== sandbox.metadata.uid) {
      logger.info("a pod of the same name belongs to someone else; waiting for it to go", {
        sandbox: key,
      });
      pod = undefined;
      if ((sandbox.status?.phase ?? "Pending") === "Pending") return result;
    }
    const errors: unknown[] = [];
    let podCreateError: string | undefined;
    if (pod === undefined && (sandbox.status?.phase ?? "Pending") === "Pending" && !pods.get(key)) {
      try {
        pod = parsePod(await kube.create(PODS, { ...desiredPod(sandbox) }));
      } catch (error) {
        if (isAlreadyExists(error)) return result; // the cache lags; its event is on the way
        podCreateError = errorMessage(error);
        // An invalid template (or an unsupported templateRef) will not fix itself: report it in
        // the status and wait for a spec change. Anything else (quota, a missing service account,
        // API trouble) is reported too, and retried with backoff.
        const permanent = error instanceof TerminalError ||
          (error instanceof KubeApiError && error.reason === "Invalid");
        if (!permanent) errors.push(error);
      }
    }
    if (pod !== undefined) {
      const want = sandbox.spec.paused === true;
      const have = pod.metadata.annotations?.[ANNOTATION_POD_FREEZE] === "true";
      if (want !== have) {
        try {
          pod = parsePod(
            await kube.patch(PODS, namespace, name, {
              metadata: { annotations: { [ANNOTATION_POD_FREEZE]: want ? "true" : null } },
            }),
          );
        } catch (error) {
          if (!isNotFound(error)) errors.push(error);
        }
      }
    }

    const status = computeSandboxStatus({ sandbox, pod, podCreateError, nowMs: now });
    if (!deepEqual(status, sandbox.status ?? {})) {
      try {
        await kube.updateStatus(SANDBOXES, { ...sandbox, status });
      } catch (error) {
        // Conflict: the Sandbox changed under us (a claim, a pause); the change's own event
        // brings us back with fresh data, and the backoff covers the case where it does not.
        if (!isNotFound(error)) errors.push(error);
        if (isConflict(error)) logger.info("status write conflicted; retrying", { sandbox: key });
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) {
      throw new AggregateError(errors, `Sandbox ${key}: ${errors.length} writes failed`);
    }
    return result;
  }
}
