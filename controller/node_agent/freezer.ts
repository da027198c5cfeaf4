/**
 * The cgroup freezer of a Kubernetes pod, the node agent's edge to the kernel. Freezing the pod's
 * cgroup freezes every process in every container of the pod (the kernel freezes descendant
 * cgroups with their parent), however the process was started: a `sudo unshare --pid` child
 * stops too. Memory, PIDs, open files and sockets stay as they are; a thaw lets them run on.
 *
 * Where the pod's cgroup is: under the kubelet's `cgroupRoot`, in the QoS class's cgroup, named
 * after the pod UID, as the kubelet lays it out for either cgroup driver:
 * - `cgroupfs`: `kubepods/pod<uid>`, `kubepods/burstable/pod<uid>`, `kubepods/besteffort/pod<uid>`;
 * - `systemd`: `kubepods.slice/kubepods-pod<uid_>.slice`, and the `burstable`/`besteffort`
 *   slices likewise (`uid_`: the UID with `-` as `_`).
 *
 * cgroup v1 (this machine) writes `FROZEN`/`THAWED` to `freezer.state` in the freezer hierarchy
 * and waits until it reads `FROZEN` (the kernel reports `FREEZING` meanwhile); cgroup v2 writes
 * `1`/`0` to `cgroup.freeze` and reads `frozen 1` from `cgroup.events`.
 *
 * @module
 */
import { delay, pathExists } from "@kruise-agents/shared/std";

/** A pod's freezer state: `missing` when the pod has no cgroup on this node (yet, or any more). */
export type FreezerState = "frozen" | "thawed" | "missing";

/** The freezer of the pods on this node, by pod UID. */
export interface PodFreezer {
  /** The pod's state. */
  state(podUid: string): Promise<FreezerState>;
  /** Freezes the pod and resolves once every process is frozen; throws if it has no cgroup. */
  freeze(podUid: string, signal?: AbortSignal): Promise<void>;
  /** Thaws the pod; throws if it has no cgroup. */
  thaw(podUid: string): Promise<void>;
}

/** Options of {@linkcode cgroupFreezer}. */
export interface CgroupFreezerOptions {
  /** Where the cgroup file systems are mounted. @default {"/sys/fs/cgroup"} */
  mount?: string | undefined;
  /** The kubelet's `cgroupRoot` (its pods' parent cgroup). @default {"/"} */
  kubeletRoot?: string | undefined;
  /** How often a freeze in progress is polled, ms. @default {2} */
  pollMs?: number | undefined;
  /** How long a freeze may take before it is given up (and the pod thawed), ms. @default {5000} */
  freezeTimeoutMs?: number | undefined;
}

/** The pod cgroup names the kubelet uses, relative to its root, for both drivers. */
export function podCgroupCandidates(podUid: string): string[] {
  const u = podUid.replaceAll("-", "_");
  return [
    `kubepods/pod${podUid}`,
    `kubepods/burstable/pod${podUid}`,
    `kubepods/besteffort/pod${podUid}`,
    `kubepods.slice/kubepods-pod${u}.slice`,
    `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${u}.slice`,
    `kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${u}.slice`,
  ];
}

async function readTrimmed(path: string): Promise<string> {
  return (await Deno.readTextFile(path)).trim();
}

/** The two kernel interfaces: where the pods are, and how a freeze is written and read. */
interface Layout {
  base: string;
  write(dir: string, frozen: boolean): Promise<void>;
  read(dir: string): Promise<"frozen" | "freezing" | "thawed">;
}

const V1: Omit<Layout, "base"> = {
  write: (dir, frozen) => Deno.writeTextFile(`${dir}/freezer.state`, frozen ? "FROZEN" : "THAWED"),
  async read(dir) {
    const state = await readTrimmed(`${dir}/freezer.state`);
    return state === "FROZEN" ? "frozen" : state === "FREEZING" ? "freezing" : "thawed";
  },
};

const V2: Omit<Layout, "base"> = {
  write: (dir, frozen) => Deno.writeTextFile(`${dir}/cgroup.freeze`, frozen ? "1" : "0"),
  async read(dir) {
    const events = await Deno.readTextFile(`${dir}/cgroup.events`);
    if (/^frozen 1$/m.test(events)) return "frozen";
    return (await readTrimmed(`${dir}/cgroup.freeze`)) === "1" ? "freezing" : "thawed";
  },
};

/**
 * The freezer of the kernel's cgroups: v2 when the mount is a unified hierarchy, else v1's
 * freezer hierarchy. Throws at once when neither can be written, so that the agent says clearly
 * at start that this node cannot freeze.
 */
export async function cgroupFreezer(options: CgroupFreezerOptions = {}): Promise<PodFreezer> {
  const mount = options.mount ?? "/sys/fs/cgroup";
  const root = (options.kubeletRoot ?? "/").replace(/^\/+|\/+$/g, "");
  let layout: Layout;
  if (await pathExists(`${mount}/cgroup.controllers`)) {
    layout = { ...V2, base: root ? `${mount}/${root}` : mount };
  } else if (
    await pathExists(`${mount}/freezer/freezer.state`) || await pathExists(`${mount}/freezer/tasks`)
  ) {
    layout = { ...V1, base: root ? `${mount}/freezer/${root}` : `${mount}/freezer` };
  } else {
    throw new Error(
      `Cannot freeze pods on this node: no cgroup v2 hierarchy and no v1 freezer under ${mount}`,
    );
  }
  const pollMs = options.pollMs ?? 2;
  const timeoutMs = options.freezeTimeoutMs ?? 5000;
  const dirs = new Map<string, string>();
  const dirOf = async (uid: string): Promise<string | undefined> => {
    const known = dirs.get(uid);
    if (known !== undefined && await pathExists(known)) return known;
    dirs.delete(uid);
    for (const candidate of podCgroupCandidates(uid)) {
      const dir = `${layout.base}/${candidate}`;
      if (await pathExists(dir)) {
        dirs.set(uid, dir);
        return dir;
      }
    }
    return undefined;
  };
  const need = async (uid: string): Promise<string> => {
    const dir = await dirOf(uid);
    if (dir === undefined) throw new Error(`pod ${uid} has no cgroup under ${layout.base}`);
    return dir;
  };
  return {
    async state(uid) {
      const dir = await dirOf(uid);
      if (dir === undefined) return "missing";
      return (await layout.read(dir)) === "frozen" ? "frozen" : "thawed";
    },
    async freeze(uid, signal) {
      const dir = await need(uid);
      await layout.write(dir, true);
      const deadline = Date.now() + timeoutMs;
      while ((await layout.read(dir)) !== "frozen") {
        if (Date.now() > deadline || signal?.aborted) {
          await layout.write(dir, false);
          throw new Error(`pod ${uid} did not freeze within ${timeoutMs} ms; thawed it again`);
        }
        // v1 reports FREEZING until every task has stopped; writing again retries stragglers.
        await layout.write(dir, true);
        await delay(pollMs);
      }
    },
    async thaw(uid) {
      await layout.write(await need(uid), false);
    },
  };
}
