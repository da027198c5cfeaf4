/**
 * What the node needs from the host, checked before the first pod: the tools it runs, the CNI
 * plugins, the open-files limit it can pass on, the host's own networks (a pod must reach none of
 * them) and directories a container's unprivileged root can traverse.
 *
 * @module
 */
import { type CommandRunner, runCommand } from "./_command.ts";
import { DEFAULT_CNI_PLUGIN_DIR, parseCidr } from "./cni.ts";
import { ContainerError } from "./errors.ts";

/** Checks that runc, ip, iptables and nsenter run and the CNI plugins are installed. */
export async function checkHostTools(
  pluginDirs: readonly string[] = [DEFAULT_CNI_PLUGIN_DIR],
  run: CommandRunner = runCommand,
): Promise<void> {
  const tools = [["runc", "--version"], ["ip", "-V"], ["iptables", "-V"], ["nsenter", "--version"]];
  for (const [tool, flag] of tools) {
    const out = await run(tool!, [flag!]);
    if (out.code !== 0) {
      throw new ContainerError(
        "ToolMissing",
        `Cannot run pods: '${tool}' does not run: ${out.stderr}`,
      );
    }
  }
  for (const plugin of ["bridge", "host-local", "loopback"]) {
    const found = await Promise.all(
      pluginDirs.map((d) => Deno.stat(`${d}/${plugin}`).then(() => true, () => false)),
    );
    if (!found.includes(true)) {
      throw new ContainerError(
        "ToolMissing",
        `Cannot run pods: CNI plugin '${plugin}' is not in ${pluginDirs.join(":")} ` +
          "(install containernetworking-plugins)",
      );
    }
  }
}

/** The hard `RLIMIT_NOFILE` of this process, from `/proc/self/limits`. */
export async function ownNofileLimit(): Promise<number> {
  const text = await Deno.readTextFile("/proc/self/limits");
  const line = text.split("\n").find((l) => l.startsWith("Max open files"));
  const hard = line?.trim().split(/\s+/)[4];
  return hard === undefined || hard === "unlimited" ? 1_048_576 : Number(hard);
}

/**
 * The IPv4 networks of the host's interfaces (the LAN a pod must not reach), other than loopback
 * and the interfaces whose names start with `ownPrefix` (the node's bridge; a test's veths).
 */
export async function hostNetworks(
  ownPrefix: string,
  run: CommandRunner = runCommand,
): Promise<string[]> {
  const out = await run("ip", ["-4", "-o", "addr", "show"]);
  if (out.code !== 0) return [];
  const networks = new Set<string>();
  for (const line of out.stdout.split("\n")) {
    const m = /^\d+:\s+(\S+)\s+inet\s+(\d+\.\d+\.\d+\.\d+)\/(\d+)/.exec(line);
    if (!m || m[1] === "lo" || m[1]?.startsWith(ownPrefix)) continue;
    const { address, prefix } = parseCidr(`${m[2]}/${m[3]}`);
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    const net = (address & mask) >>> 0;
    networks.add(`${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join(".")}/${prefix}`);
  }
  return [...networks];
}

/**
 * runc mounts the root filesystem, `/etc` files and sysfs from inside the container's user
 * namespace, as host uid 100000: every directory above them must let "others" through (`o+x`),
 * or runc fails with a bare "permission denied". Say so plainly instead.
 */
export async function checkTraversable(dir: string): Promise<void> {
  const parts = dir.split("/").filter((p) => p);
  for (let i = 1; i <= parts.length; i++) {
    const path = `/${parts.slice(0, i).join("/")}`;
    const mode = (await Deno.stat(path)).mode ?? 0o755;
    if ((mode & 0o001) === 0) {
      throw new ContainerError(
        "MountFailed",
        `Cannot start a pod in ${dir}: ${path} has mode ${
          (mode & 0o777).toString(8)
        }; the container's root (an unprivileged host uid) needs o+x on every directory above its files`,
      );
    }
  }
}
