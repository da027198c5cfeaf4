/**
 * Named network namespaces, one per pod, created by the node before the container (as a kubelet's
 * pod sandbox holds the network namespace that the pod's containers join). Named with a
 * recognisable prefix (`ka-<short id>`) under `/run/netns`, so `ip netns` shows them and a
 * clean-up (or a test) finds every leftover.
 *
 * Because the namespace belongs to the host's user namespace, root inside the container has no
 * privilege over it. Two consequences handled here:
 * - the sysctls a container would set for itself are set by the node, once, from the host side
 *   ({@linkcode POD_NETNS_SYSCTLS}): unprivileged ports from 0 (a sandbox's root can serve on
 *   :80), ICMP echo sockets for every group (`ping` works without raw sockets), and IPv6 off on
 *   the pod's interface (the pod network is IPv4; no link-local path to the host);
 * - a fresh sysfs cannot be mounted from inside, so the node mounts one from inside the
 *   namespace on the host side ({@linkcode mountNetnsSysfs}) and the container binds it.
 *
 * Tools: `ip` (iproute2) and `nsenter`/`mount` (util-linux); Deno cannot call setns itself.
 *
 * @module
 */
import { type CommandRunner, runChecked, runCommand } from "./_command.ts";

/** Where `ip netns` keeps named network namespaces. */
export const NETNS_DIR = "/run/netns";

/** The sysctls the node sets in every pod's network namespace, from the host side. */
export const POD_NETNS_SYSCTLS: Readonly<Record<string, string>> = {
  // New interfaces (the pod's eth0) get no IPv6; loopback keeps ::1, which programs that bind
  // "localhost" on both families expect.
  "net/ipv6/conf/default/disable_ipv6": "1",
  "net/ipv4/ip_unprivileged_port_start": "0",
  "net/ipv4/ping_group_range": "0 2147483647",
};

/** The path of a named network namespace. */
export function netnsPath(name: string): string {
  return `${NETNS_DIR}/${name}`;
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(name)) {
    throw new RangeError(`Cannot use network namespace name "${name}": [A-Za-z0-9_.-] only`);
  }
}

/** The named network namespaces whose names start with `prefix`. */
export async function listNetns(prefix: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(NETNS_DIR)) {
      if (entry.name.startsWith(prefix)) names.push(entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names.sort();
}

/**
 * Creates a named network namespace (idempotent: an existing one is kept) and sets
 * {@linkcode POD_NETNS_SYSCTLS} in it.
 *
 * @throws {ContainerError} `NetnsFailed` with ip's message.
 */
export async function createNetns(name: string, run: CommandRunner = runCommand): Promise<string> {
  checkName(name);
  const path = netnsPath(name);
  if (!(await listNetns(name)).includes(name)) {
    await runChecked(run, "ip", ["netns", "add", name], {
      code: "NetnsFailed",
      what: `Cannot create network namespace ${name}`,
    });
  }
  await setNetnsSysctls(name, POD_NETNS_SYSCTLS, run);
  return path;
}

/** Writes sysctls (`/proc/sys` paths relative to it) inside a named network namespace. */
export async function setNetnsSysctls(
  name: string,
  sysctls: Readonly<Record<string, string>>,
  run: CommandRunner = runCommand,
): Promise<void> {
  checkName(name);
  const script =
    'while [ $# -gt 0 ]; do printf "%s" "$2" > "/proc/sys/$1" || exit 1; shift 2; done';
  await runChecked(
    run,
    "nsenter",
    [
      `--net=${netnsPath(name)}`,
      "--",
      "/bin/sh",
      "-c",
      script,
      "sh",
      ...Object.entries(sysctls).flat(),
    ],
    { code: "NetnsFailed", what: `Cannot set sysctls in network namespace ${name}` },
  );
}

/**
 * Mounts a read-only sysfs that belongs to the network namespace at `target` on the host, for
 * the container to bind at `/sys`. The mount keeps the namespace alive: unmount it (see
 * rootfs.ts `unmountAll`) before deleting the namespace, or its devices outlive the pod.
 */
export async function mountNetnsSysfs(
  name: string,
  target: string,
  run: CommandRunner = runCommand,
): Promise<void> {
  checkName(name);
  await Deno.mkdir(target, { recursive: true });
  await runChecked(
    run,
    "nsenter",
    [
      `--net=${netnsPath(name)}`,
      "--",
      "mount",
      "-t",
      "sysfs",
      "-o",
      "ro,nosuid,nodev,noexec",
      "sysfs",
      target,
    ],
    { code: "MountFailed", what: `Cannot mount the sysfs of network namespace ${name}` },
  );
}

/**
 * Deletes a named network namespace; a no-op when it is gone. Its interfaces (the pod end of
 * the veth pair, and with it the host end) go with it.
 *
 * @throws {ContainerError} `NetnsFailed` with ip's message.
 */
export async function deleteNetns(name: string, run: CommandRunner = runCommand): Promise<void> {
  checkName(name);
  if (!(await listNetns(name)).includes(name)) return;
  await runChecked(run, "ip", ["netns", "delete", name], {
    code: "NetnsFailed",
    what: `Cannot delete network namespace ${name}`,
  });
}
