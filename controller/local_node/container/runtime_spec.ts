/**
 * The OCI runtime spec (`config.json`) a pod's container runs with: a pure function of the pod's
 * inputs, so what isolates a sandbox can be read (and tested) in one place.
 *
 * What the spec gives a sandbox, and why:
 * - **Namespaces**: new user, PID, mount, IPC, UTS and cgroup namespaces; the network namespace
 *   is joined by path, because the node creates it (named, `ip netns add`) and wires it with CNI
 *   before the container exists, as a kubelet does with its pod sandbox.
 * - **User namespace**: root inside is host uid 100000 (by default), so `sudo` works inside and
 *   means nothing outside. Since the network namespace belongs to the host's user namespace,
 *   root inside has no `CAP_NET_ADMIN`/`CAP_NET_RAW` over it: it cannot change its address, add
 *   routes, touch firewall rules or forge frames, which keeps the node's per-IP rules sound.
 * - **`noNewPrivileges: false`**: `sudo` (setuid) must work inside; the user namespace, not the
 *   flag, keeps that harmless.
 * - **Capabilities**: containerd's default set, bounding/effective/permitted only (an ambient or
 *   inheritable set would hand them to `user`'s processes too).
 * - **Mounts**: a private `/dev`, `/dev/pts` (new instance), a size-capped `/dev/shm`, `/sys`
 *   read-only with the container's own cgroup below it, per-pod `/etc/hosts`, `/etc/hostname` and `/etc/resolv.conf`; no host path other
 *   than those and the pod's volumes.
 * - **`/sys`**: a fresh sysfs mount needs `CAP_SYS_ADMIN` over the network namespace, which a
 *   user namespace that does not own it lacks (the mount fails with `EPERM`). The node therefore
 *   mounts a sysfs inside the pod's network namespace on the host side ({@linkcode RuntimeSpecInput.sysfsSource})
 *   and the container binds it read-only: the container sees its own network devices, not the
 *   host's, which an rbind of the host's `/sys` would show.
 * - **Resources**: memory limit, CPU shares and quota from millicores, pids limit, and a device
 *   cgroup that allows only the standard `/dev` nodes.
 *
 * @module
 */
import { sandboxSeccompProfile, type SeccompProfile } from "./seccomp_profile.ts";

/** One contiguous id mapping of a user namespace. */
export interface IdMapping {
  /** First id inside the container. */
  containerID: number;
  /** First id on the host. */
  hostID: number;
  /** How many ids. */
  size: number;
}

/** An OCI mount. */
export interface OciMount {
  /** Path inside the container. */
  destination: string;
  /** Filesystem type (`bind` for bind mounts). */
  type: string;
  /** Source device or host path. */
  source: string;
  /** mount(8) options. */
  options?: string[];
}

/** A device cgroup rule. */
export interface DeviceRule {
  /** Allow or deny. */
  allow: boolean;
  /** `c`, `b` or `a`. */
  type?: string;
  /** Major number; absent means any. */
  major?: number;
  /** Minor number; absent means any. */
  minor?: number;
  /** Any of `r`, `w`, `m`. */
  access: string;
}

/** The subset of the OCI runtime spec (1.0.2) the node writes. */
export interface RuntimeSpec {
  /** OCI spec version. */
  ociVersion: string;
  /** The container's process. */
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: {
      bounding: string[];
      effective: string[];
      permitted: string[];
      inheritable: string[];
      ambient: string[];
    };
    rlimits: { type: string; hard: number; soft: number }[];
    noNewPrivileges: boolean;
    oomScoreAdj?: number;
  };
  /** The root filesystem. */
  root: { path: string; readonly: boolean };
  /** UTS hostname. */
  hostname: string;
  /** Mounts, in order. */
  mounts: OciMount[];
  /** Linux specifics. */
  linux: {
    uidMappings: IdMapping[];
    gidMappings: IdMapping[];
    namespaces: { type: string; path?: string }[];
    cgroupsPath: string;
    resources: {
      devices: DeviceRule[];
      memory?: { limit: number };
      cpu?: { shares?: number; quota?: number; period?: number };
      pids?: { limit: number };
    };
    maskedPaths: string[];
    readonlyPaths: string[];
    seccomp?: SeccompProfile;
  };
  /** Free-form annotations (the node records the pod here). */
  annotations?: Record<string, string>;
}

/** A host directory or file bound into the container (a pod volume). */
export interface VolumeMount {
  /** Host path. */
  source: string;
  /** Path inside the container. */
  destination: string;
  /** Mount read-only. @default {false} */
  readOnly?: boolean;
}

/** What a pod's container is made of. */
export interface RuntimeSpecInput {
  /** The hostname inside (the pod name). */
  hostname: string;
  /** The command: entrypoint and arguments. */
  args: string[];
  /** Environment variables. `PATH` defaults to the usual Debian one, `HOSTNAME` to the hostname. */
  env?: Record<string, string>;
  /** Working directory. @default {"/"} */
  cwd?: string;
  /** Host path of the (already mounted, writable) root filesystem. */
  rootfs: string;
  /** Path of the network namespace to join (`/run/netns/ka-...`). */
  netnsPath: string;
  /** The cgroup path, relative to each controller's mount (`/kruise-agents/<id>`). */
  cgroupsPath: string;
  /**
   * The user namespace mapping, used for both uids and gids.
   * @default {{ containerID: 0, hostID: 100000, size: 65536 }}
   */
  idMap?: IdMapping;
  /** Memory limit in bytes; no limit when absent. */
  memoryBytes?: number;
  /** CPU limit in millicores (1000 = one core); shares and quota derive from it. */
  cpuMillis?: number;
  /** The pids limit (the kubelet's `podPidsLimit`). */
  pidsLimit?: number;
  /** Size of `/dev/shm` in bytes. @default {64 MiB} */
  shmBytes?: number;
  /** Host files bound at `/etc/hosts`, `/etc/hostname`, `/etc/resolv.conf`. */
  etcFiles?: { hosts: string; hostname: string; resolvConf: string };
  /**
   * A sysfs mounted inside the pod's network namespace, bound read-only at `/sys`. When absent
   * the spec asks for a fresh sysfs mount, which works only when the container's user
   * namespace owns its network namespace.
   */
  sysfsSource?: string;
  /** Extra bind mounts (pod volumes). */
  volumes?: VolumeMount[];
  /** `RLIMIT_NOFILE`, soft and hard. @default {1048576} */
  nofile?: number;
  /**
   * The seccomp profile; `null` for none (tests only).
   * @default {sandboxSeccompProfile()}
   */
  seccomp?: SeccompProfile | null;
  /** Annotations to record in the spec. */
  annotations?: Record<string, string>;
}

/** containerd's default capability set (`oci.DefaultCaps`), which Docker also grants. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_FSETID",
  "CAP_FOWNER",
  "CAP_MKNOD",
  "CAP_NET_RAW",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETFCAP",
  "CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT",
  "CAP_KILL",
  "CAP_AUDIT_WRITE",
];

/** Paths hidden from the container (the OCI and containerd defaults). */
export const MASKED_PATHS: readonly string[] = [
  "/proc/acpi",
  "/proc/asound",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/proc/scsi",
  "/sys/firmware",
  "/sys/devices/virtual/powercap",
];

/** Paths made read-only in the container (the OCI and containerd defaults). */
export const READONLY_PATHS: readonly string[] = [
  "/proc/bus",
  "/proc/fs",
  "/proc/irq",
  "/proc/sys",
  "/proc/sysrq-trigger",
];

/** The default id mapping: root inside is host 100000, 65536 ids. */
export const DEFAULT_ID_MAP: Readonly<IdMapping> = { containerID: 0, hostID: 100000, size: 65536 };

/** The default `/dev/shm` size: 64 MiB, as Docker and containerd. */
export const DEFAULT_SHM_BYTES = 64 * 1024 * 1024;

/** The default CFS period in microseconds. */
export const CPU_PERIOD_US = 100_000;

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * The device cgroup: deny everything, then allow the nodes a container's `/dev` has. runc
 * creates these nodes as bind mounts of the host's in a user namespace; the rules decide whether
 * they can be opened.
 */
export const DEVICE_RULES: readonly DeviceRule[] = [
  { allow: false, access: "rwm" },
  { allow: true, type: "c", major: 1, minor: 3, access: "rwm" }, // null
  { allow: true, type: "c", major: 1, minor: 5, access: "rwm" }, // zero
  { allow: true, type: "c", major: 1, minor: 7, access: "rwm" }, // full
  { allow: true, type: "c", major: 1, minor: 8, access: "rwm" }, // random
  { allow: true, type: "c", major: 1, minor: 9, access: "rwm" }, // urandom
  { allow: true, type: "c", major: 5, minor: 0, access: "rwm" }, // tty
  { allow: true, type: "c", major: 5, minor: 2, access: "rwm" }, // ptmx
  { allow: true, type: "c", major: 136, access: "rwm" }, // pts/*
];

/**
 * CPU shares (cgroup v1 `cpu.shares`) for a number of millicores, as the kubelet computes them:
 * 1024 per core, at least 2.
 */
export function cpuShares(millis: number): number {
  return Math.max(2, Math.floor((millis * 1024) / 1000));
}

/** The CFS quota in microseconds per {@linkcode CPU_PERIOD_US} for millicores (at least 1 ms). */
export function cpuQuota(millis: number): number {
  return Math.max(1000, Math.floor((millis * CPU_PERIOD_US) / 1000));
}

function checkPositive(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
    throw new RangeError(
      `Cannot build the runtime spec as '${name}' must be a positive integer: current value is ${value}`,
    );
  }
}

function bind(source: string, destination: string, readOnly: boolean): OciMount {
  return {
    destination,
    type: "bind",
    source,
    options: ["rbind", "rprivate", readOnly ? "ro" : "rw", "nosuid", "nodev"],
  };
}

/**
 * Builds the runtime spec of a pod's container.
 *
 * @throws {RangeError} When a limit is not a positive integer or a path is not absolute.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const spec = buildRuntimeSpec({
 *   hostname: "sbx-1",
 *   args: ["/bin/sh"],
 *   rootfs: "/pods/1/rootfs",
 *   netnsPath: "/run/netns/ka-1",
 *   cgroupsPath: "/kruise-agents/1",
 *   memoryBytes: 512 * 1024 * 1024,
 * });
 * assert.equal(spec.linux.uidMappings[0]?.hostID, 100000);
 * ```
 */
export function buildRuntimeSpec(input: RuntimeSpecInput): RuntimeSpec {
  checkInput(input);
  const idMap = input.idMap ?? DEFAULT_ID_MAP;
  const env = { PATH: DEFAULT_PATH, HOSTNAME: input.hostname, ...input.env };
  const nofile = input.nofile ?? 1_048_576;
  const caps = [...DEFAULT_CAPABILITIES];
  const spec: RuntimeSpec = {
    ociVersion: "1.0.2",
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: [...input.args],
      env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      cwd: input.cwd ?? "/",
      capabilities: {
        bounding: caps,
        effective: caps,
        permitted: caps,
        inheritable: [],
        ambient: [],
      },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: nofile, soft: nofile }],
      noNewPrivileges: false,
    },
    root: { path: input.rootfs, readonly: false },
    hostname: input.hostname,
    mounts: [...standardMounts(input), ...podMounts(input)],
    linux: {
      uidMappings: [{ ...idMap }],
      gidMappings: [{ ...idMap }],
      namespaces: [
        { type: "pid" },
        { type: "network", path: input.netnsPath },
        { type: "ipc" },
        { type: "uts" },
        { type: "mount" },
        { type: "user" },
        { type: "cgroup" },
      ],
      cgroupsPath: input.cgroupsPath,
      resources: resourcesOf(input),
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
    },
  };
  const seccomp = input.seccomp === undefined ? sandboxSeccompProfile() : input.seccomp;
  if (seccomp !== null) spec.linux.seccomp = seccomp;
  if (input.annotations) spec.annotations = { ...input.annotations };
  return spec;
}

/** Throws `RangeError` for a non-positive limit, a relative path or an empty command. */
function checkInput(input: RuntimeSpecInput): void {
  checkPositive("memoryBytes", input.memoryBytes);
  checkPositive("cpuMillis", input.cpuMillis);
  checkPositive("pidsLimit", input.pidsLimit);
  checkPositive("shmBytes", input.shmBytes);
  checkPositive("nofile", input.nofile);
  const paths = [["rootfs", input.rootfs], ["netnsPath", input.netnsPath], [
    "cgroupsPath",
    input.cgroupsPath,
  ]];
  for (const [name, path] of paths) {
    if (!path?.startsWith("/")) {
      throw new RangeError(
        `Cannot build the runtime spec as '${name}' must be absolute: "${path}"`,
      );
    }
  }
  if (input.args.length === 0) {
    throw new RangeError("Cannot build the runtime spec as 'args' is empty");
  }
}

/** /proc, a private /dev (pts, shm with its size, mqueue), /sys read-only, the pod's cgroup. */
function standardMounts(input: RuntimeSpecInput): OciMount[] {
  const noExec = ["nosuid", "noexec", "nodev"];
  return [
    { destination: "/proc", type: "proc", source: "proc", options: noExec },
    {
      destination: "/dev",
      type: "tmpfs",
      source: "tmpfs",
      options: ["nosuid", "strictatime", "mode=755", "size=65536k"],
    },
    {
      destination: "/dev/pts",
      type: "devpts",
      source: "devpts",
      options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
    },
    {
      destination: "/dev/shm",
      type: "tmpfs",
      source: "shm",
      options: [...noExec, "mode=1777", `size=${input.shmBytes ?? DEFAULT_SHM_BYTES}`],
    },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: noExec },
    input.sysfsSource === undefined
      ? { destination: "/sys", type: "sysfs", source: "sysfs", options: [...noExec, "ro"] }
      : {
        destination: "/sys",
        type: "bind",
        source: input.sysfsSource,
        options: ["rbind", "rprivate", "ro", ...noExec],
      },
    // The container's own cgroup (the cgroup namespace makes it the root), read-only: tools
    // inside read their memory limit and usage there.
    { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["ro", ...noExec] },
  ];
}

/** The pod's /etc files and volumes, as bind mounts. */
function podMounts(input: RuntimeSpecInput): OciMount[] {
  const mounts: OciMount[] = [];
  if (input.etcFiles) {
    mounts.push(
      bind(input.etcFiles.hosts, "/etc/hosts", false),
      bind(input.etcFiles.hostname, "/etc/hostname", false),
      bind(input.etcFiles.resolvConf, "/etc/resolv.conf", false),
    );
  }
  for (const volume of input.volumes ?? []) {
    if (!volume.source.startsWith("/") || !volume.destination.startsWith("/")) {
      throw new RangeError(
        `Cannot build the runtime spec as a volume's paths must be absolute: "${volume.source}" -> "${volume.destination}"`,
      );
    }
    mounts.push(bind(volume.source, volume.destination, volume.readOnly ?? false));
  }
  return mounts;
}

/** The cgroup limits: memory, CPU (shares, quota, period), pids, and the device rules. */
function resourcesOf(input: RuntimeSpecInput): RuntimeSpec["linux"]["resources"] {
  const resources: RuntimeSpec["linux"]["resources"] = { devices: [...DEVICE_RULES] };
  if (input.memoryBytes !== undefined) resources.memory = { limit: input.memoryBytes };
  if (input.cpuMillis !== undefined) {
    resources.cpu = {
      shares: cpuShares(input.cpuMillis),
      quota: cpuQuota(input.cpuMillis),
      period: CPU_PERIOD_US,
    };
  }
  if (input.pidsLimit !== undefined) resources.pids = { limit: input.pidsLimit };
  return resources;
}
