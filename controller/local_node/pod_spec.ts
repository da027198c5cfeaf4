/**
 * What the local node reads from a Pod: whether it is this node's to run, whether its template
 * asks for the code interpreter, whether it is to be frozen or stopped, and how a Terminating
 * one ends. Pure functions, so the
 * rules are tested without processes.
 *
 * @module
 */
import type { Container, Probe } from "kubernetes-types/core/v1.d.ts";
import {
  ANNOTATION_POD_FREEZE,
  CREATED_BY_SANDBOX,
  isPodTerminating,
  LABEL_CREATED_BY,
  type Pod,
} from "@kruise-agents/shared/api";
import { INTERPRETER_PORT } from "@kruise-agents/shared/envd/http";

/**
 * Whether this node runs the pod. The rule: a pod bound to this node (`spec.nodeName` equal to
 * the node name) is ours, as for a kubelet; and since there is no scheduler in single-machine
 * mode, or in the test control plane, an unbound pod (`spec.nodeName` empty) is ours too when it
 * is a sandbox pod (label `agents.kruise.io/created-by=sandbox`, set by the Sandbox controller).
 * Unbound pods of anything else are left alone: the local node runs sandboxes, not arbitrary
 * workloads. A pod bound to another node is never ours.
 */
export function isOwnPod(pod: Pod, nodeName: string): boolean {
  const bound = pod.spec?.nodeName ?? "";
  if (bound !== "") return bound === nodeName;
  return pod.metadata.labels?.[LABEL_CREATED_BY] === CREATED_BY_SANDBOX;
}

function probePort(probe: Probe | undefined): number | string | undefined {
  return probe?.httpGet?.port ?? probe?.tcpSocket?.port ?? probe?.grpc?.port;
}

function containerMentionsInterpreter(c: Container): boolean {
  if (c.ports?.some((p) => p.containerPort === INTERPRETER_PORT)) return true;
  const probes = [c.startupProbe, c.readinessProbe, c.livenessProbe];
  if (probes.some((p) => String(probePort(p)) === String(INTERPRETER_PORT))) return true;
  return c.env?.some((e) => e.name === "PORT" && e.value === String(INTERPRETER_PORT)) ?? false;
}

/**
 * Whether the sandbox gets the code interpreter on port 49999. The reference's code-interpreter
 * template has no explicit switch; what marks it is that the pod serves 49999: a container port
 * 49999, a probe on 49999 (its `startupProbe` checks `/health` there), or `PORT=49999` in a
 * container's env (how its image is told where to listen). A `base` template has none of these,
 * so it gets envd only and does not pay for a Jupyter kernel.
 */
export function wantsInterpreter(pod: Pod): boolean {
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  return all.some(containerMentionsInterpreter);
}

/** Whether the Sandbox controller asks for the pod's processes to be frozen (paused). */
export function freezeRequested(pod: Pod): boolean {
  return pod.metadata.annotations?.[ANNOTATION_POD_FREEZE] === "true";
}

/**
 * How long a pod's processes get to stop before they are killed, in ms: a Terminating pod's
 * `deletionGracePeriodSeconds`, as a kubelet gives them. 0 (kill at once) for a pod that is gone
 * (the API server removed it at once: it was bound to no node, or deleted with grace 0) or that
 * is not Terminating.
 */
export function terminationGraceMs(pod: Pod | undefined): number {
  if (pod === undefined || !isPodTerminating(pod)) return 0;
  return Math.max(0, pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
}

/**
 * Whether the node must confirm that a pod it ran has stopped, as a kubelet does, by deleting it
 * again with grace 0: a Terminating pod of this node whose grace period still holds it. (A pod
 * held only by finalizers, with grace 0, waits for them and needs nothing from the node.)
 */
export function awaitsStopConfirmation(pod: Pod | undefined, nodeName: string): pod is Pod {
  return pod !== undefined && isOwnPod(pod, nodeName) && terminationGraceMs(pod) > 0;
}
