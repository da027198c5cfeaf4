/**
 * How SandboxSet keys get into the queue. The handlers lower the scale expectations *before*
 * they enqueue, so the pass that our own write triggers already counts the write as observed.
 *
 * A claim starts its replacement {@linkcode REFILL_DELAY_MS} later rather than at once. The
 * claim's answer is still in flight when the controller sees the claim: the manager is calling the
 * claimed sandbox's `/init`, and the SDK waits. A replacement started then (a Sandbox, a Secret, a
 * Pod; on a node, a container, its network and a runtime warming up) takes the same CPUs and the
 * same API server away from it. On the 2-core real node the creates' slowest answers (about
 * 115 ms against a 26 ms median) and most of the API writes counted while a create was being
 * answered were the replacement's. A burst of claims within the delay also gets one pass.
 *
 * @module
 */
import { type Sandbox, SANDBOX_SET_KIND, type SandboxSet } from "@kruise-agents/shared/api";
import type { Expectations } from "../machinery/expectations.ts";
import type { Informer } from "@kruise-agents/shared/kube";
import { keyOf, objectKey } from "@kruise-agents/shared/kube";
import { controllerOf } from "../machinery/owner.ts";
import type { WorkQueue } from "../machinery/work_queue.ts";

/** The `namespace/name` of the SandboxSet controlling `sandbox`, if one does. */
export function owningSetKey(sandbox: Sandbox): string | undefined {
  const ref = controllerOf(sandbox.metadata);
  if (ref === undefined || ref.kind !== SANDBOX_SET_KIND) return undefined;
  return keyOf(sandbox.metadata.namespace ?? "", ref.name);
}

/** How long after a claim its pool starts the replacement, in ms (see the module doc). */
export const REFILL_DELAY_MS = 100;

/** Wires the informers' events to `queue` and `expectations`. */
export function watchSandboxSets(
  informers: { sets: Informer<SandboxSet>; sandboxes: Informer<Sandbox> },
  options: { queue: WorkQueue; expectations: Expectations; refillDelayMs?: number | undefined },
): void {
  const { queue, expectations } = options;
  const refillDelayMs = options.refillDelayMs ?? REFILL_DELAY_MS;
  const enqueueSet = (set: SandboxSet) => queue.add(objectKey(set.metadata));
  informers.sets.addEventHandler({
    onAdd: enqueueSet,
    onUpdate: (_, set) => enqueueSet(set),
    onDelete: enqueueSet,
  });
  informers.sandboxes.addEventHandler({
    onAdd(sandbox) {
      const key = owningSetKey(sandbox);
      if (key === undefined) return;
      expectations.creationObserved(key);
      queue.add(key);
    },
    onUpdate(old, sandbox) {
      // A claim takes the Sandbox away from its set: the *old* owner must replenish, a moment
      // after the claim's answer (see the module doc).
      const oldKey = owningSetKey(old);
      const key = owningSetKey(sandbox);
      if (oldKey !== undefined && key !== oldKey) queue.addAfter(oldKey, refillDelayMs);
      else if (oldKey !== undefined) queue.add(oldKey);
      if (key !== undefined && key !== oldKey) queue.add(key);
    },
    onDelete(sandbox) {
      const key = owningSetKey(sandbox);
      if (key === undefined) return;
      if (sandbox.metadata.uid !== undefined) {
        expectations.deletionObserved(key, sandbox.metadata.uid);
      }
      queue.add(key);
    },
  });
}
