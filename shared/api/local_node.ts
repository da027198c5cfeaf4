/**
 * Keys of this project's own (beyond the reference) for pods run by the local node, the kubelet
 * stand-in of single-machine mode. The reference pauses by deleting the Pod; the local node instead freezes the sandbox's processes in place, so memory,
 * PIDs and open files survive and resume takes milliseconds.
 *
 * @module
 */

/**
 * Pod annotation set by the Sandbox controller while `spec.paused` is true: the local node stops
 * (SIGSTOP) every process of the pod, and continues them when the annotation goes.
 */
export const ANNOTATION_POD_FREEZE = "agents.kruise.io/freeze";

/** Pod condition type the local node reports: `True` once every process of the pod is stopped. */
export const CONDITION_POD_FROZEN = "agents.kruise.io/Frozen";
