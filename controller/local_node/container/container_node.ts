/**
 * The container runner of the local node: what a kubelet, its container runtime and its CNI do
 * for one pod, composed from the parts in this folder. `prepareNode` (prepare_node.ts) checks the
 * host and installs the node-wide network isolation; the returned {@linkcode ContainerNode} starts a
 * pod's container (image → overlay root → network namespace → CNI → egress rules → runc), reports
 * and pauses it, and stops it leaving nothing behind.
 *
 * What {@linkcode ContainerNode.startContainer} returns is a plain, JSON-serialisable
 * {@linkcode ContainerRecord}: the node saves it and, after a restart, re-adopts the container
 * with {@linkcode ContainerNode.containerState} (containers are not children of the node
 * process; see runc.ts). Leftovers are found by the node's prefix
 * ({@linkcode ContainerNode.leftovers}).
 *
 * @module
 */
import { delay } from "@kruise-agents/shared/std";
import { type CommandRunner, runCommand } from "./_command.ts";
import {
  cgroupDirs,
  cgroupPids,
  freezerState,
  type MemoryUsage,
  memoryUsage,
  removeCgroupDirs,
} from "./cgroups.ts";
import {
  bridgeNetwork,
  type CniAttachment,
  type CniNetworkConfig,
  CniRuntime,
  DEFAULT_CNI_PLUGIN_DIR,
  LOOPBACK_NETWORK,
  parseCniResult,
} from "./cni.ts";
import {
  ANNOTATION_ID,
  ANNOTATION_POD_DIR,
  type ContainerInput,
  type ContainerNodeConfig,
  type ContainerRecord,
  type Leftovers,
  type ListedContainer,
  type NodeNames,
  type PodNames,
  resolvedNames,
  shortIdOf,
} from "./container_types.ts";
import { ContainerError } from "./errors.ts";
import { ImageStore, type UnpackedImage } from "./image_store.ts";
import {
  addPodRules,
  type EgressPolicy,
  type IsolationConfig,
  listChains,
  nodeChains,
  podRules,
  removeIsolation,
  removePodRules,
} from "./isolation_rules.ts";
import { createNetns, deleteNetns, listNetns, mountNetnsSysfs, netnsPath } from "./netns.ts";
import { checkTraversable } from "./node_host.ts";
import { Runc, type RuncState } from "./runc.ts";
import { mountPodRootfs, mountsUnder, podPaths, unmountAll, writeEtcFiles } from "./rootfs.ts";
import { DEFAULT_ID_MAP } from "./runtime_spec.ts";
import { podRuntimeSpec } from "./pod_bundle.ts";

interface AttachedNetwork {
  nsPath: string;
  attachment: CniAttachment;
  etc: Awaited<ReturnType<typeof writeEtcFiles>>;
}

/** The node's container runner; made by `prepareNode` (prepare_node.ts). */
export class ContainerNode {
  #config: ContainerNodeConfig;
  #names: NodeNames;
  #isolation: IsolationConfig;
  #dnsServers: string[];
  #nofile: number;
  #run: CommandRunner;
  #runc: Runc;
  #images: ImageStore;
  #cni: CniRuntime;
  #network: CniNetworkConfig;

  /** Use `prepareNode`, which checks the host first. */
  constructor(
    config: ContainerNodeConfig,
    isolation: IsolationConfig,
    dnsServers: string[],
    nofileCap: number,
  ) {
    this.#config = config;
    this.#names = resolvedNames(config);
    this.#isolation = isolation;
    this.#dnsServers = dnsServers;
    this.#nofile = Math.min(config.nofile ?? 1_048_576, nofileCap);
    this.#run = config.run ?? runCommand;
    this.#runc = new Runc({ root: this.#names.runcRoot, run: this.#run });
    this.#images = new ImageStore({
      layout: config.imageLayout,
      cacheDir: this.#names.imageCacheDir,
      idMap: config.idMap ?? DEFAULT_ID_MAP,
      run: this.#run,
    });
    this.#cni = new CniRuntime({
      pluginDirs: config.pluginDirs ?? [DEFAULT_CNI_PLUGIN_DIR],
      run: this.#run,
    });
    this.#network = bridgeNetwork({
      name: this.#names.networkName,
      bridge: this.#names.bridge,
      subnet: this.#names.subnet,
      dataDir: this.#names.ipamDir,
    });
  }

  /** The node's runc (for callers that need a command this class does not wrap). */
  get runc(): Runc {
    return this.#runc;
  }

  /** The node's images. */
  get images(): ImageStore {
    return this.#images;
  }

  /** The bridge's name. */
  get bridge(): string {
    return this.#names.bridge;
  }

  /** The names derived from a pod id. */
  async namesOf(id: string): Promise<PodNames> {
    const shortId = await shortIdOf(id);
    const containerId = `${this.#names.prefix}-${shortId}`;
    return {
      shortId,
      containerId,
      netns: containerId,
      cgroupsPath: `${this.#names.cgroupParent}/${containerId}`,
      chain: `${this.#names.chainPrefix}-P-${shortId}`,
    };
  }

  /**
   * Starts a pod's container and returns its record. On any failure everything created so far
   * is removed (as by {@linkcode ContainerNode.stopContainer}) before the error is thrown.
   *
   * @throws {ContainerError} `ImageNotFound` (put it on the pod status), or the code of the step
   * that failed; a runc failure's message ends with the container log's last lines.
   * @throws {RangeError} For bad limits, paths or egress entries.
   */
  async startContainer(input: ContainerInput): Promise<ContainerRecord> {
    const t0 = performance.now();
    const n = await this.namesOf(input.id);
    const egress = input.egress ?? {};
    // Validate the egress entries before anything is created.
    podRules(this.#isolation, { shortId: n.shortId, ip: "0.0.0.0" }, egress);
    if (await this.#runc.stateOrUndefined(n.containerId)) {
      throw new ContainerError(
        "RuncFailed",
        `Cannot start pod ${input.id}: container ${n.containerId} already exists`,
      );
    }
    try {
      const image = await this.#images.unpack(input.image);
      const t1 = performance.now();
      await this.#prepareRootfs(input, image.rootfs);
      const t2 = performance.now();
      const network = await this.#attachNetwork(input, n, egress);
      const t3 = performance.now();
      await this.#writeBundle(input, n, image, network);
      const t4 = performance.now();
      const { pid, startedAt } = await this.#launch(input, n);
      const t6 = performance.now();
      return {
        version: 1,
        id: input.id,
        name: input.name,
        shortId: n.shortId,
        containerId: n.containerId,
        podDir: input.podDir,
        netns: n.netns,
        ip: network.attachment.ip,
        gateway: network.attachment.gateway,
        prefixLength: network.attachment.prefixLength,
        hostInterface: network.attachment.hostInterface,
        cniResult: network.attachment.result,
        cgroupsPath: n.cgroupsPath,
        image: { name: input.image, digest: image.digest },
        egress,
        pid,
        createdAt: new Date().toISOString(),
        timings: {
          imageMs: t1 - t0,
          rootfsMs: t2 - t1,
          networkMs: t3 - t2,
          createMs: startedAt - t4,
          startMs: t6 - startedAt,
          createToRunningMs: t6 - t4,
          totalMs: t6 - t0,
        },
      };
    } catch (error) {
      try {
        await this.stopContainer({ id: input.id, podDir: input.podDir });
      } catch (cleanup) {
        console.error(`local node: clean-up after a failed start of ${input.id} failed:`, cleanup);
      }
      throw error;
    }
  }

  /** The pod directory (traversable by the container's root), its overlay root and volumes. */
  async #prepareRootfs(input: ContainerInput, lower: string): Promise<void> {
    const idMap = this.#config.idMap ?? DEFAULT_ID_MAP;
    await Deno.mkdir(input.podDir, { recursive: true, mode: 0o711 });
    await Deno.chmod(input.podDir, 0o711);
    await checkTraversable(input.podDir);
    await mountPodRootfs(lower, input.podDir, { idMap, run: this.#run });
    for (const volume of input.volumes ?? []) {
      // An emptyDir-style volume the node made: owned by the container's root, as a kubelet's.
      if (!volume.source.startsWith(`${input.podDir}/`)) continue;
      await Deno.mkdir(volume.source, { recursive: true, mode: 0o777 });
      await Deno.chown(volume.source, idMap.hostID, idMap.hostID);
    }
  }

  /** Network namespace, CNI (loopback and eth0), the pod's firewall chain, sysfs, /etc files. */
  async #attachNetwork(
    input: ContainerInput,
    n: PodNames,
    egress: EgressPolicy,
  ): Promise<AttachedNetwork> {
    const nsPath = await createNetns(n.netns, this.#run);
    const rt = { containerId: n.containerId, netns: nsPath };
    await this.#cni.add(LOOPBACK_NETWORK, { ...rt, ifName: "lo" });
    const attachment: CniAttachment = parseCniResult(
      await this.#cni.add(this.#network, { ...rt, ifName: "eth0" }),
    );
    await addPodRules(
      this.#isolation,
      { shortId: n.shortId, ip: attachment.ip, hostInterface: attachment.hostInterface },
      egress,
      this.#run,
    );
    await mountNetnsSysfs(n.netns, podPaths(input.podDir).sys, this.#run);
    const etc = await writeEtcFiles(input.podDir, {
      hostname: input.name,
      ip: attachment.ip,
      nameservers: this.#dnsServers,
      hostAliases: input.hostAliases ?? [],
    }, this.#config.idMap ?? DEFAULT_ID_MAP);
    return { nsPath, attachment, etc };
  }

  /** The OCI bundle's config.json (see {@linkcode podRuntimeSpec}). */
  async #writeBundle(
    input: ContainerInput,
    n: PodNames,
    image: UnpackedImage,
    network: AttachedNetwork,
  ): Promise<void> {
    const spec = podRuntimeSpec(input, image.config, {
      names: n,
      netnsPath: network.nsPath,
      etcFiles: network.etc,
      config: this.#config,
      nofile: this.#nofile,
    });
    const path = `${podPaths(input.podDir).bundle}/config.json`;
    await Deno.writeTextFile(path, JSON.stringify(spec, null, 2), { mode: 0o600 });
  }

  /** `runc create` then `runc start`; the init's host PID once it runs. */
  async #launch(input: ContainerInput, n: PodNames): Promise<{ pid: number; startedAt: number }> {
    const paths = podPaths(input.podDir);
    try {
      await this.#runc.create(n.containerId, paths.bundle, { logFile: paths.log });
    } catch (error) {
      throw await this.#withLog(error, paths.log);
    }
    const startedAt = performance.now();
    await this.#runc.start(n.containerId);
    const state = await this.#runc.state(n.containerId);
    if (state.status !== "running") {
      throw await this.#withLog(
        new ContainerError(
          "RuncFailed",
          `Cannot start pod ${input.id}: its process exited at once`,
        ),
        paths.log,
      );
    }
    return { pid: state.pid, startedAt };
  }

  /**
   * Whether the pod's container still has processes (its init may have died, leaving an empty
   * cgroup): a cheap read of cgroupfs, cheap enough for a liveness loop over every pod, where
   * each `runc state` would cost ~25 ms.
   */
  async alive(record: Pick<ContainerRecord, "cgroupsPath" | "pid">): Promise<boolean> {
    try {
      return (await cgroupPids(record.cgroupsPath)).includes(record.pid);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    }
  }

  /**
   * Replaces the pod's egress rules (E2B's `allow_internet_access`, `network.denyOut` and
   * `allowOut`, set at claim time on a sandbox already running); returns the updated record.
   *
   * @throws {RangeError} For a bad egress entry; the old rules stay.
   */
  async setEgress(record: ContainerRecord, egress: EgressPolicy): Promise<ContainerRecord> {
    const pod = { shortId: record.shortId, ip: record.ip, hostInterface: record.hostInterface };
    podRules(this.#isolation, pod, egress); // validates before anything changes
    await removePodRules(this.#isolation, record.shortId, this.#run);
    await addPodRules(this.#isolation, pod, egress, this.#run);
    return { ...record, egress };
  }

  async #withLog(error: unknown, log: string): Promise<unknown> {
    if (!(error instanceof Error)) return error;
    try {
      const text = await Deno.readTextFile(log);
      const tail = text.trim().split("\n").slice(-5).join(" | ");
      if (tail) error.message += ` (container log: ${tail.slice(-1000)})`;
    } catch { /* no log */ }
    return error;
  }

  /** runc's view of a pod's container, or undefined when there is none (re-adoption check). */
  async containerState(id: string): Promise<RuncState | undefined> {
    return await this.#runc.stateOrUndefined((await this.namesOf(id)).containerId);
  }

  /**
   * Freezes every process of the pod with `runc pause` (the cgroup freezer, whatever PID
   * namespace a process made for itself). Idempotent. The paused check reads the freezer state
   * from cgroupfs rather than asking `runc state`: each runc call costs ~25 ms here, and pause
   * and resume have a 50 ms budget.
   *
   * @throws {ContainerError} `ContainerNotFound` when the pod has no container.
   */
  async pause(id: string): Promise<void> {
    const n = await this.namesOf(id);
    if ((await this.#freezer(id, n.cgroupsPath)) === "FROZEN") return;
    await this.#runc.pause(n.containerId);
  }

  /**
   * Thaws the pod (`runc resume`). Idempotent.
   *
   * @throws {ContainerError} `ContainerNotFound` when the pod has no container.
   */
  async resume(id: string): Promise<void> {
    const n = await this.namesOf(id);
    if ((await this.#freezer(id, n.cgroupsPath)) === "THAWED") return;
    await this.#runc.resume(n.containerId);
  }

  async #freezer(id: string, cgroupsPath: string): Promise<string> {
    try {
      return await freezerState(cgroupsPath);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new ContainerError(
          "ContainerNotFound",
          `Cannot pause or resume pod ${id}: no container`,
        );
      }
      throw error;
    }
  }

  /** The pod's memory, from its cgroup. */
  async memory(id: string): Promise<MemoryUsage> {
    return await memoryUsage((await this.namesOf(id)).cgroupsPath);
  }

  /**
   * Stops a pod and removes everything the node created for it: the container (killed, even
   * when paused), its cgroup, its firewall chain, its CNI attachment (the IP is released), its
   * sysfs and root filesystem mounts, its network namespace and the node's files in its pod
   * directory (the directory itself stays). Idempotent, and safe on a half-created pod: it needs
   * only the id and the pod directory, every other name derives from the id. With `graceMs`,
   * the container's init gets SIGTERM and that long to exit before it is killed.
   *
   * @throws {ContainerError} The first step that failed, after trying every other step.
   */
  async stopContainer(
    pod: Pick<ContainerRecord, "id" | "podDir"> & Partial<ContainerRecord>,
    options: { graceMs?: number | undefined } = {},
  ): Promise<void> {
    const n = await this.namesOf(pod.id);
    const errors: unknown[] = [];
    const step = async (what: () => Promise<void>) => {
      try {
        await what();
      } catch (error) {
        errors.push(error);
      }
    };
    await step(() => this.#runc.terminate(n.containerId, options));
    await step(async () => {
      // runc removes the cgroup; a cgroup of processes that were slow to die may stay a moment.
      for (let i = 0; (await cgroupDirs(n.cgroupsPath)).length > 0; i++) {
        try {
          await removeCgroupDirs(n.cgroupsPath);
        } catch (error) {
          if (i > 50) throw error;
          await delay(20);
        }
      }
    });
    await step(() => removePodRules(this.#isolation, n.shortId, this.#run));
    await step(async () => {
      const nsPath = (await listNetns(n.netns)).includes(n.netns) ? netnsPath(n.netns) : "";
      const rt = { containerId: n.containerId, netns: nsPath };
      await this.#cni.del(this.#network, { ...rt, ifName: "eth0" }, pod.cniResult);
      await this.#cni.del(LOOPBACK_NETWORK, { ...rt, ifName: "lo" });
    });
    await step(() => unmountAll(pod.podDir, this.#run));
    await step(() => deleteNetns(n.netns, this.#run));
    await step(async () => {
      if ((await mountsUnder(pod.podDir)).length > 0) return; // never recurse into a mount
      const paths = podPaths(pod.podDir);
      for (
        const p of [
          paths.bundle,
          paths.upper,
          paths.work,
          `${pod.podDir}/etc`,
          paths.sys,
          paths.log,
        ]
      ) {
        await Deno.remove(p, { recursive: true }).catch((e) => {
          if (!(e instanceof Deno.errors.NotFound)) throw e;
        });
      }
    });
    if (errors.length > 0) throw errors[0];
  }

  /** Every container under the node's runc root (re-adoption after a restart). */
  async listContainers(): Promise<ListedContainer[]> {
    return (await this.#runc.list()).map((s) => ({
      id: s.annotations[ANNOTATION_ID] ?? "",
      containerId: s.id,
      status: s.status,
      pid: s.pid,
      podDir: s.annotations[ANNOTATION_POD_DIR] ?? "",
    }));
  }

  /** What exists under the node's prefix: to check a clean-up, or to find orphans. */
  async leftovers(): Promise<Leftovers> {
    const p = this.#names.prefix;
    const chains = nodeChains(this.#names.chainPrefix);
    const nodeWide = new Set(Object.values(chains));
    const cgroups: string[] = [];
    for (const dir of await cgroupDirs(this.#names.cgroupParent)) {
      for await (const e of Deno.readDir(dir)) {
        if (e.isDirectory && e.name.startsWith(`${p}-`)) cgroups.push(`${dir}/${e.name}`);
      }
    }
    return {
      containers: (await this.#runc.list()).map((s) => s.id).filter((id) => id.startsWith(`${p}-`)),
      netns: await listNetns(`${p}-`),
      chains: (await listChains(this.#names.chainPrefix, 4, this.#run)).filter((c) =>
        !nodeWide.has(c)
      ),
      cgroups,
    };
  }

  /**
   * Removes the node-wide set-up: the isolation chains, the bridge and the IPAM state. For
   * uninstalling and for tests; stop every pod first.
   */
  async teardown(): Promise<void> {
    await removeIsolation(this.#isolation, this.#run);
    const out = await this.#run("ip", ["link", "show", this.#names.bridge]);
    if (out.code === 0) await this.#run("ip", ["link", "delete", this.#names.bridge]);
    await Deno.remove(`${this.#names.ipamDir}/${this.#names.networkName}`, { recursive: true })
      .catch(() => {});
    for (const dir of await cgroupDirs(this.#names.cgroupParent)) {
      await Deno.remove(dir).catch(() => {});
    }
  }
}
