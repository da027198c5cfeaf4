/**
 * The local node: the kubelet of single-machine mode (and of tests against a real kube-apiserver
 * with no kubelet). It runs each of its Pods as an OCI container under runc, from the sandbox
 * images built by `hack/images/build.sh`: its own user namespace (root inside is an unprivileged
 * host uid), network, PID, mount, IPC, UTS and cgroup namespaces, an overlay root per pod, the
 * pod's memory and CPU limits and a pids limit, a pod IP on the node's bridge (CNI plugins)
 * behind firewall rules that keep sandboxes from each other, the host and private ranges. It
 * writes pod status back through the client seam.
 *
 * Which pods: those bound to the node (`spec.nodeName` = node name) and unbound sandbox pods
 * (`agents.kruise.io/created-by=sandbox`). Pause is a freeze: annotation `agents.kruise.io/freeze`
 * freezes every process of the pod in its cgroup, condition `agents.kruise.io/Frozen` reports it.
 * Annotation `agents.kruise.io/egress` becomes the pod's egress rules. Containers outlive the node
 * process; a node started on the same data directory re-adopts them, or reports them `Failed`
 * (reason `SandboxLost`) when they are gone, so the controller replaces them.
 *
 * Needs root, cgroup v1 (memory, cpu, pids, freezer) or v2, and Debian's runc, iptables,
 * iproute2 and containernetworking-plugins.
 *
 * @example
 * ```ts ignore
 * import { EmbeddedStore } from "@kruise-agents/shared/kube";
 * import { buildImages, startLocalNode } from "@kruise-agents/local-node";
 * const kube = await EmbeddedStore.open({ dataDir: "/var/lib/ka/store" });
 * const node = await startLocalNode({ kube, dataDir: "/var/lib/ka/node", imageLayout: await buildImages() });
 * // ... on shutdown; sandboxes keep running for the next start:
 * await node.stop();
 * ```
 *
 * @module
 */
export { type LocalNode, type LocalNodeOptions, startLocalNode, type StopOptions } from "./node.ts";
export { LocalNodeError, type LocalNodeErrorCode } from "./errors.ts";
export { REASON_LOST, REASON_RUNTIME_EXITED, REASON_START_FAILED } from "./pod_status.ts";
export { REASON_IMAGE_NOT_PRESENT } from "./pod_runner.ts";
export { buildImages, defaultImageLayout } from "./image_layout.ts";
export type { ContainerNode, ContainerNodeConfig } from "./container/mod.ts";
