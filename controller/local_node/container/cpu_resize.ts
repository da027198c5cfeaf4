/**
 * In-place CPU resize of a running pod's container: what the kubelet does through the CRI when a
 * pod's `resize` subresource changes its CPU, done here with `runc update`. The container keeps
 * running; only its cgroup's weight and CFS quota change.
 *
 * @module
 */
import { type CpuSettings, cpuSettings } from "./cgroups.ts";
import type { ContainerNode } from "./container_node.ts";
import { CPU_PERIOD_US, cpuQuota, cpuShares } from "./runtime_spec.ts";

/**
 * Resizes the pod's CPU in place: `millis` of CPU as both the weight and the CFS quota, as the
 * container was started with (`undefined`: no limit, the default weight). Returns the settings
 * its cgroup then has.
 *
 * @throws {ContainerError} `ContainerNotFound` when the pod has no container.
 */
export async function resizePodCpu(
  node: ContainerNode,
  id: string,
  millis: number | undefined,
): Promise<CpuSettings> {
  const n = await node.namesOf(id);
  await node.runc.updateCpu(n.containerId, {
    shares: millis === undefined ? 1024 : cpuShares(millis),
    quota: millis === undefined ? -1 : cpuQuota(millis),
    period: CPU_PERIOD_US,
  });
  return await cpuSettings(n.cgroupsPath);
}

/** The pod's CPU settings as its cgroup has them. */
export async function podCpuSettings(node: ContainerNode, id: string): Promise<CpuSettings> {
  return await cpuSettings((await node.namesOf(id)).cgroupsPath);
}
