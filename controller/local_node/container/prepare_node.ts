/**
 * Getting a host ready to run pods: checks the cgroup controllers, the tools and the CNI
 * plugins, finds the host's own networks (which no pod may reach) and its name servers, and
 * installs the node-wide isolation chains, before the first {@linkcode ContainerNode} exists.
 *
 * @module
 */
import { runCommand } from "./_command.ts";
import { checkCgroups } from "./cgroups.ts";
import { ContainerNode } from "./container_node.ts";
import { type ContainerNodeConfig, resolvedNames } from "./container_types.ts";
import { BLOCKED_RANGES, type IsolationConfig, setupIsolation } from "./isolation_rules.ts";
import { checkHostTools, hostNetworks, ownNofileLimit } from "./node_host.ts";
import { podNameservers } from "./rootfs.ts";

/**
 * Checks the host and installs the node-wide network isolation; returns the node.
 *
 * @throws {ContainerError} `CgroupsUnavailable` naming the missing controllers, `ToolMissing`
 * naming a missing tool or CNI plugin, `FirewallFailed` naming the sysctl or rule.
 */
export async function prepareNode(config: ContainerNodeConfig): Promise<ContainerNode> {
  const names = resolvedNames(config);
  const run = config.run ?? runCommand;
  await checkCgroups({ parent: names.cgroupParent });
  await checkHostTools(config.pluginDirs, run);
  let dnsServers = config.dnsServers;
  if (dnsServers === undefined) {
    try {
      dnsServers = podNameservers(await Deno.readTextFile("/etc/resolv.conf"));
    } catch {
      dnsServers = [];
    }
  }
  const blocked = [
    ...(config.blockedCidrs ?? BLOCKED_RANGES),
    ...(await hostNetworks(names.prefix, run)),
  ];
  const isolation: IsolationConfig = {
    chainPrefix: names.chainPrefix,
    bridge: names.bridge,
    podSubnet: names.subnet,
    blockedCidrs: [...new Set(blocked)],
    dnsServers,
  };
  await Deno.mkdir(names.runcRoot, { recursive: true, mode: 0o700 });
  await setupIsolation(isolation, run);
  return new ContainerNode(config, isolation, dnsServers, await ownNofileLimit());
}
