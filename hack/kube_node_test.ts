/**
 * The real node of `hack/kube.sh up-node` (hack/kube/node.sh), on a state folder of its own:
 * kubelet, containerd, runc, CNI and kube-proxy run a pod from the base sandbox image, the host
 * reaches it at its pod IP and through a ClusterIP Service, and `down` leaves no process, network
 * namespace, mount, container, cgroup, link or iptables chain of the node behind.
 *
 * Network: requests go only to the pod's IP (10.244.0.0/24, the node's bridge) and the Service's
 * ClusterIP (10.0.0.0/24, DNATed by kube-proxy to that pod), both made by this test's cluster.
 */
import assert from "node:assert/strict";
import {
  type CommandResult,
  processesNaming,
  processesWhere,
  runCommand,
} from "@kruise-agents/shared/testing";

const SCRIPT = new URL("./kube.sh", import.meta.url).pathname;
const NODE_NAME = "kruise-agents-node";
const BRIDGE = "cni-kube0";
const CGROUP_ROOT = "kruise-agents-node";
const IMAGE = "kruise-agents/sandbox-base:0.1.0";
const NAMESPACE = "default";

/** Runs `cmd` with `args` (and `env` added to the test's own); never throws on an exit code. */
function run(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CommandResult> {
  return runCommand(cmd, args, { env });
}

async function ok(cmd: string, args: string[], stdin?: string): Promise<string> {
  const out = await runCommand(cmd, args, { stdin });
  assert.equal(out.code, 0, `${cmd} ${args.join(" ")}: ${out.stderr}`);
  return out.stdout;
}

/** Polls `fn` until it returns a value other than undefined, or throws after `ms`. */
async function eventually<T>(
  what: string,
  ms: number,
  fn: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`Timed out after ${ms} ms waiting for ${what}${last ? `: ${last}` : ""}`);
}

/** Status of `GET http://ip:port/health`, for addresses of this test's cluster only. */
async function health(ip: string, port: number): Promise<number> {
  assert.match(ip, /^10\.(244\.0|0\.0)\.\d+$/, `not an address of the test cluster: ${ip}`);
  const response = await fetch(`http://${ip}:${port}/health`, {
    signal: AbortSignal.timeout(3000),
  });
  await response.body?.cancel();
  return response.status;
}

/** Pids of processes in the node's cgroups (any hierarchy). */
function processesInNodeCgroups(): Promise<number[]> {
  return processesWhere(async (pid) =>
    (await Deno.readTextFile(`/proc/${pid}/cgroup`)).includes(`/${CGROUP_ROOT}`)
  );
}

/** Pids of processes whose network namespace is `net:[inode]`. */
function processesInNetns(inode: number): Promise<number[]> {
  return processesWhere(async (pid) =>
    await Deno.readLink(`/proc/${pid}/ns/net`) === `net:[${inode}]`
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function cgroupDirs(): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir("/sys/fs/cgroup")) {
    const dir = `/sys/fs/cgroup/${entry.name}/${CGROUP_ROOT}`;
    if (await exists(dir)) found.push(dir);
  }
  if (await exists(`/sys/fs/cgroup/${CGROUP_ROOT}`)) found.push(`/sys/fs/cgroup/${CGROUP_ROOT}`);
  return found;
}

/** The lines of iptables-save and ip6tables-save that mention the node. */
async function nodeIptablesLines(extra: string[]): Promise<string[]> {
  const lines: string[] = [];
  for (const cmd of ["iptables-save", "ip6tables-save"]) {
    const out = await run(cmd, []);
    for (const line of out.stdout.split("\n")) {
      // The local node's chains (KA*, from `deno task dev`) are another program's: its egress
      // rules name every host route, the node's pod range among them while the node is up.
      if (/^-[AN] KA/.test(line)) continue;
      if (/KUBE-|cni-kube0|10\.244\.0\./.test(line) || extra.some((s) => line.includes(s))) {
        lines.push(`${cmd}: ${line}`);
      }
    }
  }
  return lines;
}

const SYSCTLS = [
  "vm/overcommit_memory",
  "vm/panic_on_oom",
  "kernel/panic",
  "kernel/panic_on_oops",
  "kernel/keys/root_maxkeys",
  "kernel/keys/root_maxbytes",
];

async function sysctls(): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const s of SYSCTLS) values[s] = (await Deno.readTextFile(`/proc/sys/${s}`)).trim();
  return values;
}

Deno.test({
  name:
    "kube.sh up-node: Node Ready, a sandbox pod answers at its pod IP and ClusterIP; down leaves nothing of the node",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const parent = await Deno.makeTempDir({ prefix: "kube-node-test-" });
    const state = `${parent}/kube`;
    const env = { KRUISE_AGENTS_KUBE_STATE: state };
    const sysctlsBefore = await sysctls();
    // Folders the kubelet hard-codes; `down` removes them when the node made them.
    const hostFolders = ["/var/lib/kubelet", "/var/log/containers"];
    const hostFoldersBefore = await Promise.all(hostFolders.map(exists));
    try {
      const up = await run("bash", [SCRIPT, "up-node"], env);
      assert.equal(up.code, 0, up.stderr);
      const kubeconfig = /^export KUBECONFIG=(.+)$/m.exec(up.stdout)?.[1];
      assert.equal(kubeconfig, `${state}/kubeconfig`);
      const bin = `${state}/bin`;
      const kubectl = (args: string[], stdin?: string) =>
        ok(`${bin}/kubectl`, [`--kubeconfig=${kubeconfig}`, ...args], stdin);
      const crictl = (args: string[]) =>
        ok(`${bin}/crictl`, [`--config=${state}/node/crictl.yaml`, ...args]);

      // kubectl get nodes: the node, Ready.
      const nodes = await kubectl(["get", "nodes", "--no-headers"]);
      assert.match(nodes, new RegExp(`^${NODE_NAME}\\s+Ready\\s`, "m"), nodes);

      // A plain pod from the base sandbox image, its command left to the image.
      const token = crypto.randomUUID();
      const pod = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "node-test-base", namespace: NAMESPACE, labels: { app: "node-test" } },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 5,
          containers: [{
            name: "runtime",
            image: IMAGE,
            imagePullPolicy: "Never",
            env: [{ name: "KRUISE_AGENTS_ACCESS_TOKEN", value: token }],
            ports: [{ containerPort: 49983 }],
          }],
        },
      };
      await kubectl(["apply", "-f", "-"], JSON.stringify(pod));
      await kubectl([
        "wait",
        "-n",
        NAMESPACE,
        "--for=jsonpath={.status.phase}=Running",
        "pod/node-test-base",
        "--timeout=180s",
      ]);
      const podIp = (await kubectl([
        "get",
        "-n",
        NAMESPACE,
        "pod/node-test-base",
        "-o",
        "jsonpath={.status.podIP}",
      ])).trim();
      assert.match(podIp, /^10\.244\.0\.\d+$/);
      assert.equal(
        await eventually("GET /health at the pod IP", 60_000, async () => {
          const status = await health(podIp, 49983);
          return status === 204 ? status : undefined;
        }),
        204,
      );

      // crictl lists the container, and its pod sandbox holds a network namespace.
      const containers = JSON.parse(
        await crictl(["ps", "-o", "json", "--label", "io.kubernetes.pod.name=node-test-base"]),
      ).containers as { id: string; metadata: { name: string }; state: string }[];
      assert.equal(containers.length, 1, JSON.stringify(containers));
      assert.equal(containers[0]!.metadata.name, "runtime");
      assert.equal(containers[0]!.state, "CONTAINER_RUNNING");
      const inspect = JSON.parse(await crictl(["inspect", containers[0]!.id]));
      const containerPid = inspect.info.pid as number;
      assert.ok(containerPid > 0);
      const netnsInode = (await Deno.stat(`/proc/${containerPid}/ns/net`)).ino!;
      const selfNetns = (await Deno.stat("/proc/self/ns/net")).ino!;
      assert.notEqual(netnsInode, selfNetns, "the pod has a network namespace of its own");

      // A ClusterIP Service in front of it answers from the host through kube-proxy.
      const service = {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "node-test", namespace: NAMESPACE },
        spec: {
          type: "ClusterIP",
          selector: { app: "node-test" },
          ports: [{ port: 80, targetPort: 49983, protocol: "TCP" }],
        },
      };
      await kubectl(["apply", "-f", "-"], JSON.stringify(service));
      const clusterIp = (await kubectl([
        "get",
        "-n",
        NAMESPACE,
        "service/node-test",
        "-o",
        "jsonpath={.spec.clusterIP}",
      ])).trim();
      assert.match(clusterIp, /^10\.0\.0\.\d+$/);
      assert.equal(
        await eventually("GET /health at the ClusterIP", 60_000, async () => {
          const status = await health(clusterIp, 80);
          return status === 204 ? status : undefined;
        }),
        204,
      );
      assert.ok(
        (await nodeIptablesLines([])).some((l) => l.includes(clusterIp)),
        "kube-proxy's rules",
      );

      // down: nothing of the node is left.
      const down = await run("bash", [SCRIPT, "down"], env);
      assert.equal(down.code, 0, down.stderr);
      assert.deepEqual(await processesNaming(state), [], "processes naming the state folder");
      assert.deepEqual(await processesInNodeCgroups(), [], "processes in the node's cgroups");
      assert.equal(await exists(`/proc/${containerPid}`), false, "the container's process");
      assert.deepEqual(await processesInNetns(netnsInode), [], "processes in the pod's netns");
      const mountinfo = await Deno.readTextFile("/proc/self/mountinfo");
      assert.deepEqual(
        mountinfo.split("\n").filter((l) => l.includes(state) || l.includes(`net:[${netnsInode}]`)),
        [],
        "mounts of the node (rootfs, netns, volumes)",
      );
      assert.deepEqual(await cgroupDirs(), [], "the node's cgroups");
      assert.notEqual((await run("ip", ["link", "show", BRIDGE])).code, 0, "the bridge");
      assert.doesNotMatch((await run("ip", ["route"])).stdout, /cni-kube0|10\.244\.0\./);
      assert.doesNotMatch((await run("ip", ["-o", "link"])).stdout, /master cni-kube0/);
      assert.deepEqual(await nodeIptablesLines([clusterIp]), [], "iptables chains and rules");
      assert.equal(await exists(state), false, "the state folder");
      assert.equal(await exists("/run/kruise-agents-kube/node"), false, "the node claim");
      assert.equal(await exists("/run/kruise-agents-kube/shims"), false, "the shims' sockets");
      assert.deepEqual(
        await Promise.all(hostFolders.map(exists)),
        hostFoldersBefore,
        hostFolders.join(),
      );
      assert.deepEqual(await sysctls(), sysctlsBefore, "the sysctls the kubelet changed");
    } finally {
      const down = await run("bash", [SCRIPT, "down"], env);
      if (down.code !== 0) console.error(down.stderr);
      await Deno.remove(parent, { recursive: true }).catch(() => {});
    }
  },
});
