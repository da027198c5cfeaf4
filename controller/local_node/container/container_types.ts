/**
 * The container runner's vocabulary: the node's settings, what a pod's container is made of, the
 * JSON record the node keeps of a running one (saved to disk, so a restarted node re-adopts it),
 * and the names derived from a pod's id. Names of everything the node creates derive from the
 * node's `prefix` and a short hash of the pod's id (`ka-3f2a9c41d07e`: runc container, network
 * namespace; `KA-P-3f2a9c41d07e`: iptables chain; `/kruise-agents/ka-3f2a9c41d07e`: cgroup), so a
 * node that lost its records (crash mid-start) can still clean up by id.
 *
 * @module
 */
import type { CommandRunner } from "./_command.ts";
import { DEFAULT_POD_SUBNET } from "./cni.ts";
import type { EgressPolicy } from "./isolation_rules.ts";
import type { RuncStatus } from "./runc.ts";
import type { IdMapping, VolumeMount } from "./runtime_spec.ts";
import type { SeccompProfile } from "./seccomp_profile.ts";

/** The node's settings. Only `imageLayout` is required. */
export interface ContainerNodeConfig {
  /** The OCI image layout that pod images resolve in. */
  imageLayout: string;
  /** Where unpacked images are cached. @default {"/var/lib/kruise-agents/images"} */
  imageCacheDir?: string | undefined;
  /** Runtime state (runc's root, CNI IPAM). @default {"/run/kruise-agents"} */
  stateDir?: string | undefined;
  /**
   * Prefix of the names the node gives what it creates (lower case, 1 to 6 letters or digits):
   * network namespaces and runc containers `<prefix>-<hash>`, the bridge `<prefix>0`, iptables
   * chains in upper case.
   * @default {"ka"}
   */
  prefix?: string | undefined;
  /** The bridge. @default {`${prefix}0`} */
  bridge?: string | undefined;
  /** The pod subnet. @default {DEFAULT_POD_SUBNET} */
  subnet?: string | undefined;
  /** The CNI network name. @default {"kruise-agents"} for prefix "ka", else `${prefix}-pods` */
  networkName?: string | undefined;
  /** The cgroup parent of pods. @default {"/kruise-agents"} */
  cgroupParent?: string | undefined;
  /** The user namespace mapping of every pod. @default {DEFAULT_ID_MAP} */
  idMap?: IdMapping | undefined;
  /** Default pids limit per pod (the kubelet's `podPidsLimit`). @default {1024} */
  pidsLimit?: number | undefined;
  /** `/dev/shm` size. @default {64 MiB} */
  shmBytes?: number | undefined;
  /**
   * `RLIMIT_NOFILE` of pods. A user namespace cannot raise the hard limit, so it is capped at the
   * node process's own hard limit.
   * @default {1048576, capped}
   */
  nofile?: number | undefined;
  /** Name servers pods use and may reach on port 53. @default {from the host's /etc/resolv.conf} */
  dnsServers?: string[] | undefined;
  /**
   * Destinations no pod reaches. The pod subnet and the host's own networks are always added.
   * @default {BLOCKED_RANGES}
   */
  blockedCidrs?: string[] | undefined;
  /** CNI plugin directories. @default {[DEFAULT_CNI_PLUGIN_DIR]} */
  pluginDirs?: string[] | undefined;
  /** Seccomp profile of pods; `null` for none (tests only). @default {sandboxSeccompProfile()} */
  seccomp?: SeccompProfile | null | undefined;
  /** How commands run. @default {runCommand} */
  run?: CommandRunner | undefined;
}

/** What a pod's container is made of. */
export interface ContainerInput {
  /** The pod's identity (uid or sandbox id); every name the node creates derives from it. */
  id: string;
  /** The pod name: the hostname inside. */
  name: string;
  /** A directory the node gives this pod (created if missing). */
  podDir: string;
  /** The image name, resolved in the node's layout. */
  image: string;
  /** Overrides the image's entrypoint (Kubernetes `command`). */
  command?: string[] | undefined;
  /** Overrides the image's cmd (Kubernetes `args`). */
  args?: string[] | undefined;
  /** Environment, on top of the image's. */
  env?: Record<string, string> | undefined;
  /** Working directory. @default {the image's, else "/"} */
  workingDir?: string | undefined;
  /** Memory limit in bytes. */
  memoryBytes?: number | undefined;
  /** CPU limit in millicores. */
  cpuMillis?: number | undefined;
  /** Pids limit. @default {the node's pidsLimit} */
  pidsLimit?: number | undefined;
  /** Host paths bound into the container. */
  volumes?: VolumeMount[] | undefined;
  /** E2B egress settings. */
  egress?: EgressPolicy | undefined;
  /** Extra `/etc/hosts` entries. */
  hostAliases?: { ip: string; hostnames: string[] }[] | undefined;
  /** Annotations recorded in the spec (visible in `runc state`). */
  annotations?: Record<string, string> | undefined;
}

/** Milliseconds spent in each step of a start. */
export interface StartTimings {
  /** Resolving (and the first time unpacking) the image. */
  imageMs: number;
  /** Mounting the overlay and writing /etc files. */
  rootfsMs: number;
  /** Network namespace, CNI ADD, sysfs and egress rules. */
  networkMs: number;
  /** `runc create`. */
  createMs: number;
  /** `runc start`. */
  startMs: number;
  /** `runc create` to the process running (create + start). */
  createToRunningMs: number;
  /** The whole start. */
  totalMs: number;
}

/** What the node keeps about a running container: plain JSON, saved to re-adopt it. */
export interface ContainerRecord {
  /** Record format version. */
  version: 1;
  /** The pod's id. */
  id: string;
  /** The pod name (hostname). */
  name: string;
  /** The short hash that names things. */
  shortId: string;
  /** The runc container id. */
  containerId: string;
  /** The pod directory. */
  podDir: string;
  /** The network namespace name. */
  netns: string;
  /** The pod IP. */
  ip: string;
  /** The gateway (bridge address). */
  gateway: string;
  /** Prefix length of the pod IP. */
  prefixLength: number;
  /** Host end of the pod's veth. */
  hostInterface: string;
  /** The CNI `ADD` result, for `DEL`/`CHECK`. */
  cniResult: unknown;
  /** The pod's cgroup path. */
  cgroupsPath: string;
  /** The image as resolved. */
  image: { name: string; digest: string };
  /** The egress settings applied. */
  egress: EgressPolicy;
  /** Host PID of the container's init at start. */
  pid: number;
  /** When it started (ISO 8601). */
  createdAt: string;
  /** Step timings of the start. */
  timings: StartTimings;
}

/** A container under the node's runc root, as {@linkcode ContainerNode.listContainers} sees it. */
export interface ListedContainer {
  /** The pod id (from the spec's annotations; "" for a foreign container). */
  id: string;
  /** The runc container id. */
  containerId: string;
  /** runc's status. */
  status: RuncStatus;
  /** Host PID of the init (0 when stopped). */
  pid: number;
  /** The pod directory (from the annotations). */
  podDir: string;
}

/** What a clean-up left behind, found by the node's prefix. */
export interface Leftovers {
  /** runc containers. */
  containers: string[];
  /** Network namespaces. */
  netns: string[];
  /** Per-pod iptables chains. */
  chains: string[];
  /** Pod cgroups (one entry per controller directory). */
  cgroups: string[];
}

/** The annotation that carries the pod id. */
export const ANNOTATION_ID = "agents.kruise.io/pod-id";
/** The annotation that carries the pod directory. */
export const ANNOTATION_POD_DIR = "agents.kruise.io/pod-dir";

/** The short hash of a pod id (pure, async because Web Crypto is): 12 hex digits. */
export async function shortIdOf(id: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(id));
  return Array.from(new Uint8Array(digest).slice(0, 6), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** The names of what a node creates, resolved from its settings. */
export interface NodeNames {
  /** Prefix of network namespaces and runc containers. */
  prefix: string;
  /** Prefix of iptables chains. */
  chainPrefix: string;
  /** The bridge. */
  bridge: string;
  /** The pod subnet. */
  subnet: string;
  /** The CNI network name. */
  networkName: string;
  /** The cgroup parent of pods. */
  cgroupParent: string;
  /** Runtime state. */
  stateDir: string;
  /** runc's root. */
  runcRoot: string;
  /** CNI IPAM state. */
  ipamDir: string;
  /** Unpacked images. */
  imageCacheDir: string;
}

/** The names of `config`'s node; throws `RangeError` for a bad prefix. */
export function resolvedNames(config: ContainerNodeConfig): NodeNames {
  const prefix = config.prefix ?? "ka";
  if (!/^[a-z][a-z0-9]{0,5}$/.test(prefix)) {
    throw new RangeError(`Cannot use node prefix "${prefix}": 1 to 6 of [a-z0-9], a letter first`);
  }
  const stateDir = config.stateDir ?? "/run/kruise-agents";
  return {
    prefix,
    chainPrefix: prefix.toUpperCase(),
    bridge: config.bridge ?? `${prefix}0`,
    subnet: config.subnet ?? DEFAULT_POD_SUBNET,
    networkName: config.networkName ?? (prefix === "ka" ? "kruise-agents" : `${prefix}-pods`),
    cgroupParent: config.cgroupParent ?? "/kruise-agents",
    stateDir,
    runcRoot: `${stateDir}/runc`,
    ipamDir: `${stateDir}/cni/networks`,
    imageCacheDir: config.imageCacheDir ?? "/var/lib/kruise-agents/images",
  };
}

/** The names derived from a pod id. */
export interface PodNames {
  /** 12 hex digits of the id's hash. */
  shortId: string;
  /** The runc container. */
  containerId: string;
  /** The network namespace. */
  netns: string;
  /** The cgroup. */
  cgroupsPath: string;
  /** The pod's iptables chain. */
  chain: string;
}
