/**
 * The local node: the kubelet stand-in of single-machine mode (and of tests against a real
 * kube-apiserver with no kubelet). It runs each of its Pods as an agent-runtime inside its own
 * mount and PID namespace, on its own loopback address 127.77.x.y, on the standard ports 49983
 * (envd) and 49999 (code interpreter), and writes pod status back through the client seam.
 *
 * Which pods: those bound to the node (`spec.nodeName` = node name) and unbound sandbox pods
 * (`agents.kruise.io/created-by=sandbox`). The code interpreter is on when the pod serves 49999
 * (a container port, probe or `PORT` env of 49999). Pause is a freeze: annotation
 * `agents.kruise.io/freeze=true` stops every process of the sandbox, condition
 * `agents.kruise.io/Frozen` reports it. Sandboxes outlive the node process; a node started on the
 * same data directory re-adopts them, or reports them `Failed` (reason `SandboxLost`) when their
 * processes are gone, so the controller replaces them.
 *
 * Needs root (namespaces, mounts, chown), `unshare`/`setsid`/`setpriv` (util-linux), `mount`,
 * and a `user` account.
 *
 * @example
 * ```ts ignore
 * import { EmbeddedStore } from "@kruise-agents/shared/kube";
 * import { startLocalNode } from "./mod.ts";
 * const kube = await EmbeddedStore.open({ dataDir: ".data/kube" });
 * const node = await startLocalNode({ kube, dataDir: ".data/node" });
 * // ... on shutdown; sandboxes keep running for the next start:
 * await node.stop();
 * ```
 *
 * @module
 */
export { type LocalNode, type LocalNodeOptions, startLocalNode, type StopOptions } from "./node.ts";
export { LocalNodeError, type LocalNodeErrorCode } from "./errors.ts";
export { REASON_LOST, REASON_RUNTIME_EXITED, REASON_START_FAILED } from "./pod_status.ts";
