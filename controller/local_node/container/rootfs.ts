/**
 * A pod's root filesystem and its files under `/etc`: an overlay mount whose lower layer is the
 * unpacked image (shared by every pod of that image, never written) and whose upper layer is the
 * pod's own directory, so writes anywhere (`apt-get`, `pip install`, `/opt`) work as in E2B and
 * die with the pod.
 *
 * Layout of the pod directory (everything the container runner creates there):
 *
 * ```
 * <podDir>/
 *   bundle/config.json   the OCI runtime spec
 *   bundle/rootfs/       the overlay mount point (the container's /)
 *   upper/ work/         the overlay's writable layer and work directory (owned by host 100000)
 *   etc/hosts etc/hostname etc/resolv.conf   bound into the container, owned by its root
 *   sys/                 a sysfs mounted in the pod's network namespace (see netns.ts)
 *   container.log        the container's stdout and stderr
 * ```
 *
 * @module
 */
import { type CommandRunner, runChecked, runCommand } from "./_command.ts";
import { ContainerError } from "./errors.ts";
import { DEFAULT_ID_MAP, type IdMapping } from "./runtime_spec.ts";

/** The paths of a pod directory. */
export interface PodPaths {
  /** The pod directory. */
  dir: string;
  /** The OCI bundle (holds `config.json`). */
  bundle: string;
  /** The overlay mount point, the container's root. */
  rootfs: string;
  /** The overlay's upper layer. */
  upper: string;
  /** The overlay's work directory. */
  work: string;
  /** The per-pod `/etc` files. */
  etc: { hosts: string; hostname: string; resolvConf: string };
  /** Mount point of the pod's sysfs. */
  sys: string;
  /** The container's stdout and stderr. */
  log: string;
}

/** The paths inside a pod directory (pure). */
export function podPaths(dir: string): PodPaths {
  return {
    dir,
    bundle: `${dir}/bundle`,
    rootfs: `${dir}/bundle/rootfs`,
    upper: `${dir}/upper`,
    work: `${dir}/work`,
    etc: {
      hosts: `${dir}/etc/hosts`,
      hostname: `${dir}/etc/hostname`,
      resolvConf: `${dir}/etc/resolv.conf`,
    },
    sys: `${dir}/sys`,
    log: `${dir}/container.log`,
  };
}

/** One line of `/proc/self/mountinfo`: the mount point, filesystem type and super options. */
export interface MountEntry {
  /** Mount point (unescaped). */
  mountPoint: string;
  /** Filesystem type. */
  fsType: string;
  /** The filesystem's own options (an overlay's `lowerdir=...`; unescaped; "" when absent). */
  superOptions: string;
}

/** Parses `/proc/self/mountinfo` (octal escapes such as `\040` undone). */
export function parseMountinfo(text: string): MountEntry[] {
  const unescape = (s: string) =>
    s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const entries: MountEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    const fields = line.split(" ");
    const sep = fields.indexOf("-");
    const mountPoint = fields[4];
    const fsType = fields[sep + 1];
    if (mountPoint === undefined || sep < 0 || fsType === undefined) continue;
    const superOptions = unescape(fields[sep + 3] ?? "");
    entries.push({ mountPoint: unescape(mountPoint), fsType, superOptions });
  }
  return entries;
}

/** The host's mounts at or below `dir`, deepest first (the order to unmount them in). */
export async function mountsUnder(dir: string): Promise<MountEntry[]> {
  const all = parseMountinfo(await Deno.readTextFile("/proc/self/mountinfo"));
  return all
    .filter((m) => m.mountPoint === dir || m.mountPoint.startsWith(`${dir}/`))
    .reverse();
}

/** Options of {@linkcode mountPodRootfs}. */
export interface OverlayOptions {
  /** Owner of the upper layer (root inside). @default {DEFAULT_ID_MAP} */
  idMap?: IdMapping;
  /** How commands run. @default {runCommand} */
  run?: CommandRunner;
}

function checkOverlayPath(path: string): void {
  // overlayfs splits its options on ',' and its lower dirs on ':'.
  if (/[,:\\\n]/.test(path) || !path.startsWith("/")) {
    throw new RangeError(
      `Cannot mount an overlay on "${path}": absolute paths without , : or \\ only`,
    );
  }
}

/**
 * The overlay mount options (pure). `index=off` because the upper layer is never moved to another
 * lower; `xino` is left to the kernel.
 */
export function overlayOptions(lower: string, paths: PodPaths): string {
  for (const p of [lower, paths.upper, paths.work]) checkOverlayPath(p);
  return `lowerdir=${lower},upperdir=${paths.upper},workdir=${paths.work},index=off`;
}

/**
 * Mounts the pod's overlay at {@linkcode PodPaths.rootfs}; does nothing when it is already
 * mounted (a restarted node re-running a half-done start).
 *
 * @throws {ContainerError} `MountFailed` with mount's message.
 */
export async function mountPodRootfs(
  lower: string,
  dir: string,
  options: OverlayOptions = {},
): Promise<PodPaths> {
  const paths = podPaths(dir);
  const idMap = options.idMap ?? DEFAULT_ID_MAP;
  for (const d of [paths.bundle, paths.rootfs, paths.upper, paths.work]) {
    await Deno.mkdir(d, { recursive: true });
  }
  // The upper layer's root is the container's "/": owned by its root, mode 0755.
  await Deno.chown(paths.upper, idMap.hostID, idMap.hostID);
  await Deno.chmod(paths.upper, 0o755);
  if ((await mountsUnder(paths.rootfs)).some((m) => m.mountPoint === paths.rootfs)) return paths;
  await runChecked(
    options.run ?? runCommand,
    "mount",
    ["-t", "overlay", "overlay", "-o", overlayOptions(lower, paths), paths.rootfs],
    { code: "MountFailed", what: `Cannot mount the root filesystem of ${dir}` },
  );
  return paths;
}

/**
 * Unmounts every mount at or below `dir` (deepest first); a no-op when none is left. A busy
 * mount (a process of a container that is not dead yet) is detached lazily, so the pod's
 * clean-up never fails half-way; the kernel frees it when the last user goes.
 *
 * @throws {ContainerError} `MountFailed` when a mount stays.
 */
export async function unmountAll(dir: string, run: CommandRunner = runCommand): Promise<void> {
  for (const m of await mountsUnder(dir)) {
    const out = await run("umount", [m.mountPoint]);
    if (out.code !== 0) await run("umount", ["-l", m.mountPoint]);
  }
  const left = await mountsUnder(dir);
  if (left.length > 0) {
    throw new ContainerError(
      "MountFailed",
      `Cannot unmount ${left.map((m) => m.mountPoint).join(", ")}`,
    );
  }
}

/** What goes into a pod's `/etc/hosts`, `/etc/hostname` and `/etc/resolv.conf`. */
export interface EtcInputs {
  /** The hostname (pod name). */
  hostname: string;
  /** The pod IP ("" before it has one). */
  ip: string;
  /** Name servers for resolv.conf. */
  nameservers: readonly string[];
  /** Search domains. */
  searches?: readonly string[];
  /** resolv.conf options (`ndots:5`, ...). */
  options?: readonly string[];
  /** Extra `/etc/hosts` entries (as a pod's `hostAliases`). */
  hostAliases?: readonly { ip: string; hostnames: readonly string[] }[];
}

/** The text of `/etc/hosts` (pure), as the kubelet writes it. */
export function hostsFile(inputs: EtcInputs): string {
  const lines = [
    "# Managed by the kruise-agents local node.",
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "fe00::0\tip6-mcastprefix",
    "fe00::1\tip6-allnodes",
    "fe00::2\tip6-allrouters",
  ];
  if (inputs.ip) lines.push(`${inputs.ip}\t${inputs.hostname}`);
  for (const alias of inputs.hostAliases ?? []) {
    lines.push(`${alias.ip}\t${alias.hostnames.join(" ")}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The text of `/etc/resolv.conf` (pure). */
export function resolvConf(inputs: EtcInputs): string {
  const lines = inputs.nameservers.map((s) => `nameserver ${s}`);
  if (inputs.searches?.length) lines.push(`search ${inputs.searches.join(" ")}`);
  if (inputs.options?.length) lines.push(`options ${inputs.options.join(" ")}`);
  return lines.length ? `${lines.join("\n")}\n` : "";
}

/**
 * Writes the pod's `/etc` files, owned by the container's root (so `sudo` can edit them inside,
 * as in E2B) and readable by everyone.
 */
export async function writeEtcFiles(
  dir: string,
  inputs: EtcInputs,
  idMap: IdMapping = DEFAULT_ID_MAP,
): Promise<PodPaths["etc"]> {
  const { etc } = podPaths(dir);
  await Deno.mkdir(`${dir}/etc`, { recursive: true });
  const files: [string, string][] = [
    [etc.hosts, hostsFile(inputs)],
    [etc.hostname, `${inputs.hostname}\n`],
    [etc.resolvConf, resolvConf(inputs)],
  ];
  for (const [path, text] of files) {
    await Deno.writeTextFile(path, text, { mode: 0o644 });
    await Deno.chmod(path, 0o644);
    await Deno.chown(path, idMap.hostID, idMap.hostID);
  }
  return etc;
}

/**
 * Name servers for pods from the host's resolv.conf text (pure): loopback resolvers
 * (systemd-resolved's 127.0.0.53, dnsmasq on 127.0.0.1) are unreachable from a pod's network
 * namespace and are left out.
 */
export function podNameservers(hostResolvConf: string): string[] {
  const servers: string[] = [];
  for (const line of hostResolvConf.split("\n")) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (!m?.[1]) continue;
    const ip = m[1];
    if (ip.startsWith("127.") || ip === "::1" || ip.includes(":")) continue;
    servers.push(ip);
  }
  return servers;
}
