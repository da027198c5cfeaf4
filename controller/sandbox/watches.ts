/**
 * How Sandbox keys get into the queue: every change of a Sandbox, every change of a Pod
 * controlled by one (mapped to its controller's key, which is also the Pod's own key), and every
 * change of the runtime injection ConfigMap (mapped to the Sandboxes still waiting for a Pod that
 * list runtimes: a key added to the ConfigMap, or the ConfigMap created, lets them start).
 *
 * @module
 */
import { type Sandbox, SANDBOX_KIND } from "@kruise-agents/shared/api";
import type { Informer } from "@kruise-agents/shared/kube";
import { keyOf, objectKey } from "@kruise-agents/shared/kube";
import { controllerOf } from "../machinery/owner.ts";
import type { WorkQueue } from "../machinery/work_queue.ts";
import type { Pod } from "@kruise-agents/shared/api";
import type { ConfigMap } from "./injection.ts";

/** The key of the Sandbox controlling `pod`, if one does. */
export function owningSandboxKey(pod: Pod): string | undefined {
  const ref = controllerOf(pod.metadata);
  if (ref === undefined || ref.kind !== SANDBOX_KIND) return undefined;
  return keyOf(pod.metadata.namespace ?? "", ref.name);
}

/** Wires the informers' events to `queue`. */
export function watchSandboxes(
  informers: { sandboxes: Informer<Sandbox>; pods: Informer<Pod> },
  queue: WorkQueue,
): void {
  const enqueue = (sandbox: Sandbox) => queue.add(objectKey(sandbox.metadata));
  informers.sandboxes.addEventHandler({
    onAdd: enqueue,
    onUpdate: (_, sandbox) => enqueue(sandbox),
    onDelete: enqueue,
  });
  const enqueuePod = (pod: Pod) => {
    const key = owningSandboxKey(pod);
    if (key !== undefined) queue.add(key);
  };
  informers.pods.addEventHandler({
    onAdd: enqueuePod,
    onUpdate: (_, pod) => enqueuePod(pod),
    onDelete: enqueuePod,
  });
}

/**
 * Wires the injection ConfigMap's events (the one named `key` of `configMaps`) to `queue`: each
 * enqueues every cached Sandbox that lists runtimes and has not started, so a ConfigMap fixed
 * after the fact is level-triggered like any other input of a reconcile.
 */
export function watchInjectionConfig(
  informers: { configMaps: Informer<ConfigMap>; sandboxes: Informer<Sandbox> },
  key: string,
  queue: WorkQueue,
): void {
  const enqueueWaiting = (configMap: ConfigMap) => {
    if (objectKey(configMap.metadata) !== key) return;
    for (const sandbox of informers.sandboxes.list()) {
      const waiting = (sandbox.status?.phase ?? "Pending") === "Pending";
      if (waiting && (sandbox.spec.runtimes?.length ?? 0) > 0) {
        queue.add(objectKey(sandbox.metadata));
      }
    }
  };
  informers.configMaps.addEventHandler({
    onAdd: enqueueWaiting,
    onUpdate: (_, configMap) => enqueueWaiting(configMap),
    onDelete: enqueueWaiting,
  });
}
