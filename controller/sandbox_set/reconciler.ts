/**
 * The SandboxSet reconciler: keeps `spec.replicas` unused Sandboxes in the pool.
 *
 * One pass: read the set and its members from the caches; derive each member's state; plan
 * (`scale.ts`, pure); delete dead members; lock then delete surplus and old-revision members;
 * create what is missing; compute the status once and write it only if it changed.
 *
 * Local invariants:
 * - Members are the Sandboxes whose *controller* ownerReference is this set's UID. A claim
 *   removes the ownerReference, so a claimed Sandbox is no member and the next pass replaces it.
 * - Every create and delete is recorded in {@linkcode Expectations} before it is issued and
 *   lowered by the watch handler (`watches.ts`) or on failure, so a lagging cache never causes a
 *   double create.
 * - A member is deleted for scale-down or rollout only after an optimistic lock write (merge
 *   patch carrying the cached resourceVersion, setting `lock` and `owner=__manager_scale_down`).
 *   A claim is the same kind of write, so of the two only one can win: a Sandbox is never both
 *   handed out and deleted. A member left locked by a failed delete is "dead" to the next pass and
 *   deleted then (openkruise/agents#410 leaks it forever).
 * - New members are built only by `newSandboxFromSandboxSet`.
 *
 * @module
 */
import {
  ANNOTATION_LOCK,
  ANNOTATION_OWNER,
  OWNER_MANAGER_SCALE_DOWN,
  type Sandbox,
  SANDBOX_SET_KIND,
  type SandboxSet,
} from "@kruise-agents/shared/api";
import {
  isConflict,
  isNotFound,
  type KubeClient,
  SANDBOX_SETS,
  SANDBOXES,
} from "@kruise-agents/shared/kube";
import type { Clock } from "@kruise-agents/shared/std";
import { deepEqual } from "@kruise-agents/shared/std";
import type { Expectations } from "../machinery/expectations.ts";
import type { Informer } from "@kruise-agents/shared/kube";
import { errorMessage, type Logger } from "@kruise-agents/shared/std";
import { splitKey } from "@kruise-agents/shared/kube";
import { controllerOf, INDEX_CONTROLLER_UID } from "../machinery/owner.ts";
import { type ReconcileResult, TerminalError } from "../machinery/result.ts";
import { type PoolMember, toPoolMember } from "./member_state.ts";
import { newSandboxFromSandboxSet } from "./new_sandbox.ts";
import { updateRevision } from "./revision.ts";
import { planScale } from "./scale.ts";
import { computeSetStatus } from "./set_status.ts";

/** First batch of the slow-start create loop; each fully successful batch doubles it. */
export const SLOW_START_INITIAL_BATCH = 16;

/** What {@linkcode SandboxSetReconciler} needs. */
export interface SandboxSetReconcilerDeps {
  /** API writes. */
  kube: KubeClient;
  /** Cache of SandboxSets. */
  sets: Informer<SandboxSet>;
  /** Cache of Sandboxes, with the {@linkcode INDEX_CONTROLLER_UID} index. */
  sandboxes: Informer<Sandbox>;
  /** Scale expectations, keyed by the set's `namespace/name`. */
  expectations: Expectations;
  /** Time source of deadlines. */
  clock: Clock;
  /** Log sink. */
  logger: Logger;
}

/** Reconciles SandboxSet keys. */
export class SandboxSetReconciler {
  #deps: SandboxSetReconcilerDeps;

  /** Creates the reconciler. */
  constructor(deps: SandboxSetReconcilerDeps) {
    this.#deps = deps;
  }

  /** One pass over the set with `key`; throws (to retry with backoff) if any write failed. */
  async reconcile(key: string): Promise<ReconcileResult> {
    const { sets, sandboxes, expectations, clock } = this.#deps;
    const set = sets.get(key);
    if (set === undefined) {
      expectations.delete(key);
      return {};
    }
    if (set.metadata.deletionTimestamp !== undefined) return {};
    const uid = set.metadata.uid;
    if (uid === undefined) throw new TerminalError(`SandboxSet ${key} has no metadata.uid`);

    const now = clock.now();
    const revision = updateRevision(set);
    const members = sandboxes.byIndex(INDEX_CONTROLLER_UID, uid)
      .filter((s) => controllerOf(s.metadata)?.kind === SANDBOX_SET_KIND)
      .map((s) => toPoolMember(s, now));
    const before = expectations.pending(key);
    let plan;
    try {
      plan = planScale({
        replicas: set.spec.replicas,
        updateRevision: revision,
        members,
        pendingCreates: before.creates,
        pendingDeletes: before.deletes,
        scaleMaxUnavailable: set.spec.scaleStrategy?.maxUnavailable,
        updateMaxUnavailable: set.spec.updateStrategy?.maxUnavailable,
      });
    } catch (error) {
      throw new TerminalError(`SandboxSet ${key}: ${errorMessage(error)}`, { cause: error });
    }

    const errors: unknown[] = [];
    for (const member of plan.cleanup) await this.#delete(key, member, errors);
    for (const member of [...plan.scaleDown, ...plan.rollout]) {
      if (await this.#lock(key, member, errors)) await this.#delete(key, member, errors);
    }
    if (plan.create > 0) await this.#create(key, set, revision, plan.create, errors);

    const after = expectations.pending(key);
    const status = computeSetStatus({
      set,
      members,
      pendingCreates: after.creates,
      pendingDeletes: after.deletes,
      updateRevision: revision,
    });
    if (!deepEqual(status, set.status ?? {})) {
      try {
        await this.#deps.kube.updateStatus(SANDBOX_SETS, { ...set, status });
      } catch (error) {
        if (!isNotFound(error)) errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) {
      throw new AggregateError(errors, `SandboxSet ${key}: ${errors.length} writes failed`);
    }
    // A lost watch event must not stall the pool: look again when the expectations expire.
    const waiting = after.creates > 0 || after.deletes.size > 0;
    return waiting ? { requeueAfter: after.expiresInMs } : {};
  }

  async #lock(key: string, member: PoolMember, errors: unknown[]): Promise<boolean> {
    const { namespace } = splitKey(key);
    try {
      await this.#deps.kube.patch(SANDBOXES, namespace, member.name, {
        metadata: {
          resourceVersion: member.resourceVersion,
          annotations: {
            [ANNOTATION_LOCK]: crypto.randomUUID(),
            [ANNOTATION_OWNER]: OWNER_MANAGER_SCALE_DOWN,
          },
        },
      });
      return true;
    } catch (error) {
      // Conflict: the Sandbox changed since the cache read (most likely claimed); the claim
      // wins and the next pass recounts. NotFound: already gone.
      if (!isConflict(error) && !isNotFound(error)) errors.push(error);
      return false;
    }
  }

  async #delete(key: string, member: PoolMember, errors: unknown[]): Promise<void> {
    const { namespace } = splitKey(key);
    this.#deps.expectations.expectDeletion(key, member.uid);
    try {
      await this.#deps.kube.delete(SANDBOXES, namespace, member.name, {
        preconditions: { uid: member.uid },
      });
    } catch (error) {
      this.#deps.expectations.deletionObserved(key, member.uid);
      if (!isNotFound(error) && !isConflict(error)) errors.push(error);
    }
  }

  async #create(
    key: string,
    set: SandboxSet,
    revision: string,
    count: number,
    errors: unknown[],
  ): Promise<void> {
    const { kube, expectations, logger } = this.#deps;
    const template = newSandboxFromSandboxSet(set, revision);
    // Recorded before the first write: the watch may report a create before `create` returns.
    expectations.expectCreations(key, count);
    let remaining = count;
    let batch = Math.min(SLOW_START_INITIAL_BATCH, remaining);
    while (remaining > 0) {
      const results = await Promise.allSettled(
        Array.from(
          { length: batch },
          () => kube.create(SANDBOXES, { ...structuredClone(template) }),
        ),
      );
      remaining -= batch;
      const failed = results.filter((r) => r.status === "rejected");
      for (const failure of failed) {
        expectations.creationObserved(key);
        errors.push(failure.reason);
      }
      if (failed.length > 0) {
        // Slow start: stop at the first failing batch (quota, admission, API trouble) instead of
        // sending every remaining create into the same failure.
        for (let i = 0; i < remaining; i++) expectations.creationObserved(key);
        logger.warn("creating pool sandboxes failed", {
          sandboxSet: key,
          failed: failed.length,
          skipped: remaining,
          error: errorMessage((failed[0] as PromiseRejectedResult).reason),
        });
        return;
      }
      batch = Math.min(batch * 2, remaining);
    }
  }
}
