/**
 * The container runner of the local node: each pod an OCI container under runc, in its own user,
 * PID, mount, IPC, UTS, cgroup and network namespaces, on a per-pod overlay of a locally built
 * OCI image, with the pod's memory, CPU and pids limits, the cgroup freezer for pause, and pod
 * networking by the CNI plugins behind iptables rules that keep sandboxes from each other, from
 * the host and from private ranges.
 *
 * The node calls {@linkcode prepareNode} once, then {@linkcode ContainerNode.startContainer},
 * `pause`, `resume`, `containerState`, `stopContainer` and `listContainers`; the building blocks
 * are exported for tests and tools.
 *
 * Needs root, cgroup v1 (or v2) with memory, cpu, pids, freezer and devices, and the Debian
 * packages runc, umoci, iptables, iproute2, util-linux and containernetworking-plugins.
 *
 * @example
 * ```ts ignore
 * import { prepareNode } from "./mod.ts";
 * const node = await prepareNode({ imageLayout: "/var/lib/kruise-agents/oci" });
 * const record = await node.startContainer({
 *   id: "sbx-1", name: "sbx-1", podDir: "/var/lib/kruise-agents/pods/sbx-1",
 *   image: "base", memoryBytes: 512 * 1024 * 1024, cpuMillis: 1000,
 * });
 * await node.pause(record.id);
 * await node.resume(record.id);
 * await node.stopContainer(record);
 * ```
 *
 * @module
 */
export { ContainerNode } from "./container_node.ts";
export { podCpuSettings, resizePodCpu } from "./cpu_resize.ts";
export { prepareNode } from "./prepare_node.ts";
export * from "./container_types.ts";
export { CniError, ContainerError, type ContainerErrorCode, RuncError } from "./errors.ts";
export { BLOCKED_RANGES, type EgressPolicy } from "./isolation_rules.ts";
export {
  type CgroupVersion,
  checkCgroups,
  type CheckCgroupsOptions,
  type CpuSettings,
  cpuSettings,
  freezerState,
  type MemoryUsage,
  memoryUsage,
} from "./cgroups.ts";
export {
  type ImageConfig,
  ImageStore,
  type IndexEntry,
  normalizeImageName,
  type PruneOptions,
  type UnpackedImage,
} from "./image_store.ts";
export { type CreateOptions, Runc, type RuncState, type RuncStatus } from "./runc.ts";
export {
  buildRuntimeSpec,
  type DeviceRule,
  type IdMapping,
  type OciMount,
  type RuntimeSpec,
  type RuntimeSpecInput,
  type VolumeMount,
} from "./runtime_spec.ts";
export {
  sandboxSeccompProfile,
  type SeccompOptions,
  type SeccompProfile,
  type SeccompRule,
} from "./seccomp_profile.ts";
export type { CommandOptions, CommandOutput, CommandRunner } from "./_command.ts";
export { type MountEntry, mountsUnder } from "./rootfs.ts";
export { checkTraversable } from "./node_host.ts";
