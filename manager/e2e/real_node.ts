/**
 * The real node of `hack/kube.sh up-node` (kubelet, containerd, runc, CNI, kube-proxy) for the
 * end-to-end tests of `deno task dev --kubeconfig`: started on a state folder of the test's own,
 * looked at with kubectl, crictl and the seam, and stopped with `down`. Only one real node runs per
 * machine; `up-node` fails while another state folder's node runs.
 *
 * @module
 */
import {
  isSandboxReady,
  LABEL_SANDBOX_CLAIMED,
  LABEL_SANDBOX_ID,
  LABEL_SANDBOX_POOL,
  parseSandbox,
  type Sandbox as SandboxObject,
} from "@kruise-agents/shared/api";
import { createKubernetesClient, type KubeClient, SANDBOXES } from "@kruise-agents/shared/kube";
import { runCommand } from "@kruise-agents/shared/testing";

const KUBE_SH = new URL("../../hack/kube.sh", import.meta.url).pathname;

/** A container as `crictl ps -o json` lists it. */
export interface CriContainer {
  /** Container ID. */
  id: string;
  /** `CONTAINER_RUNNING`, `CONTAINER_EXITED`, ... */
  state: string;
  /** The kubelet's labels (`io.kubernetes.pod.name`, ...). */
  labels: Record<string, string>;
}

/** A running real node and its control plane. */
export interface RealNode {
  /** The state folder (`KRUISE_AGENTS_KUBE_STATE`). */
  state: string;
  /** The admin kubeconfig `up-node` printed. */
  kubeconfig: string;
  /** The seam on that kubeconfig. */
  kube: KubeClient;
  /** Runs the built kubectl; throws unless it succeeds. */
  kubectl(args: string[]): Promise<string>;
  /** Every container of containerd's `k8s.io` namespace, exited ones included (`crictl ps -a`). */
  containers(): Promise<CriContainer[]>;
  /** `bash hack/kube.sh <command>` on this state folder; throws unless it succeeds. */
  kubeSh(command: string): Promise<string>;
}

/** `bash hack/kube.sh <command>` with the state folder `state`; throws unless it succeeds. */
export async function kubeSh(state: string, command: string): Promise<string> {
  const out = await runCommand("bash", [KUBE_SH, command], {
    env: { KRUISE_AGENTS_KUBE_STATE: state },
  });
  if (out.code !== 0) throw new Error(`kube.sh ${command} exited with ${out.code}: ${out.stderr}`);
  return out.stdout;
}

/** `kube.sh up-node` on `state`: the control plane and the node, Node Ready, images loaded. */
export async function upNode(state: string): Promise<RealNode> {
  const stdout = await kubeSh(state, "up-node");
  const kubeconfig = /^export KUBECONFIG=(.+)$/m.exec(stdout)?.[1];
  if (kubeconfig === undefined) throw new Error(`Cannot find KUBECONFIG in: ${stdout}`);
  const bin = `${state}/bin`;
  const ok = async (cmd: string, args: string[]) => {
    const out = await runCommand(cmd, args);
    if (!out.success) throw new Error(`${cmd} ${args.join(" ")}: ${out.stderr}`);
    return out.stdout;
  };
  return {
    state,
    kubeconfig,
    kube: createKubernetesClient({ kubeconfigPath: kubeconfig }),
    kubectl: (args) => ok(`${bin}/kubectl`, [`--kubeconfig=${kubeconfig}`, ...args]),
    containers: async () => {
      const out = await ok(`${bin}/crictl`, [
        `--config=${state}/node/crictl.yaml`,
        "ps",
        "-a",
        "-o",
        "json",
      ]);
      return (JSON.parse(out) as { containers: CriContainer[] }).containers;
    },
    kubeSh: (command) => kubeSh(state, command),
  };
}

/** The Sandboxes of pool `pool` in `namespace` (claimed or not), not being deleted. */
export async function poolMembers(
  kube: KubeClient,
  pool: string,
  claimed: boolean,
  namespace = "default",
): Promise<SandboxObject[]> {
  const { items } = await kube.list(SANDBOXES, {
    namespace,
    labelSelector: `${LABEL_SANDBOX_POOL}=${pool},${LABEL_SANDBOX_CLAIMED}=${claimed}`,
  });
  return items.map(parseSandbox).filter((s) => !s.metadata.deletionTimestamp);
}

/** The unclaimed Sandboxes of `pool` that are Running and Ready. */
export async function available(kube: KubeClient, pool: string): Promise<SandboxObject[]> {
  return (await poolMembers(kube, pool, false)).filter(isSandboxReady);
}

/** The Sandbox object of an E2B sandbox ID (its `sandbox-id` label), if any. */
export async function sandboxOf(
  kube: KubeClient,
  sandboxId: string,
  namespace = "default",
): Promise<SandboxObject | undefined> {
  const { items } = await kube.list(SANDBOXES, {
    namespace,
    labelSelector: `${LABEL_SANDBOX_ID}=${sandboxId}`,
  });
  return items.map(parseSandbox)[0];
}

/** The containers of pod `pod` among `containers`. */
export function containersOfPod(containers: CriContainer[], pod: string): CriContainer[] {
  return containers.filter((c) => c.labels["io.kubernetes.pod.name"] === pod);
}
