/**
 * How SandboxSet keys get into the queue. The handlers lower the scale expectations *before*
 * they enqueue, so the pass that our own write triggers already counts the write as observed.
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

/** Wires the informers' events to `queue` and `expectations`. */
export function watchSandboxSets(
  informers: { sets: Informer<SandboxSet>; sandboxes: Informer<Sandbox> },
  options: { queue: WorkQueue; expectations: Expectations },
): void {
  const { queue, expectations } = options;
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
      // A claim takes the Sandbox away from its set: the *old* owner must replenish.
      const oldKey = owningSetKey(old);
      const key = owningSetKey(sandbox);
      if (oldKey !== undefined) queue.add(oldKey);
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
