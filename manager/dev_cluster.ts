/**
 * `deno task dev --kubeconfig PATH` (or with `KUBECONFIG` set): the controller and the manager run
 * on this host as in embedded mode, but against a cluster. The cluster's kubelet and container
 * runtime run the sandbox pods (`deno task kube-up` starts such a cluster with a real node on this
 * machine), so neither the embedded store nor the local node is started. Before the controller
 * starts, the chart's CRDs are applied (create, else update) and waited for until Established,
 * then the templates as in embedded mode.
 *
 * The manager's proxy reaches each sandbox at its pod IP, so the host must route to the pod
 * network (on `kube-up`'s node: the bridge `cni-kube0`, 10.244.0.0/24).
 *
 * @module
 */
import { parseAllDocuments } from "yaml";
import {
  createKubernetesClient,
  isAlreadyExists,
  type KubeClient,
  type KubeObject,
  type Resource,
} from "@kruise-agents/shared/kube";
import { poll } from "@kruise-agents/shared/std";
import { conditionIsTrue, type ConditionLike } from "@kruise-agents/shared/api";

/** `apiextensions.k8s.io/v1` `CustomResourceDefinition` objects. */
export const CUSTOM_RESOURCE_DEFINITIONS: Resource = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  plural: "customresourcedefinitions",
  namespaced: false,
};

/** The chart's CRDs, generated from `shared/api` (`deno task crd-gen`). */
export const CRD_DIR: string = new URL("../charts/kruise-agents/crds", import.meta.url).pathname;

/**
 * The cluster dev runs against: `--kubeconfig`, else `KUBECONFIG` (its first file, as kubectl
 * reads the first of a list for writing), else none (embedded mode).
 */
export function devKubeconfig(
  flag: string | undefined,
  env: Record<string, string | undefined>,
): string | undefined {
  if (flag !== undefined && flag !== "") return flag;
  const first = env.KUBECONFIG?.split(":").find((path) => path !== "");
  return first;
}

/** Whether a CRD reports the condition `Established` true. */
function established(crd: KubeObject): boolean {
  const status = crd.status as { conditions?: ConditionLike[] } | undefined;
  return conditionIsTrue(status?.conditions, "Established");
}

/**
 * Creates or updates every CustomResourceDefinition in the YAML files of `dir`, then waits until
 * each is Established (the API server serves its kind only then). Returns the names applied.
 */
export async function applyCrds(
  kube: KubeClient,
  dir: string = CRD_DIR,
  options: { timeoutMs?: number } = {},
): Promise<string[]> {
  const names: string[] = [];
  const files = (await Array.fromAsync(Deno.readDir(dir)))
    .filter((e) => e.isFile && /\.ya?ml$/.test(e.name))
    .map((e) => `${dir}/${e.name}`).sort();
  for (const file of files) {
    for (const doc of parseAllDocuments(await Deno.readTextFile(file))) {
      const crd = doc.toJS() as KubeObject | null;
      if (!crd || crd.kind !== "CustomResourceDefinition" || !crd.metadata?.name) continue;
      try {
        await kube.create(CUSTOM_RESOURCE_DEFINITIONS, crd);
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
        const current = await kube.get(CUSTOM_RESOURCE_DEFINITIONS, "", crd.metadata.name);
        await kube.update(CUSTOM_RESOURCE_DEFINITIONS, { ...current, spec: crd.spec });
      }
      names.push(crd.metadata.name);
    }
  }
  for (const name of names) {
    await poll(`CRD ${name} to be Established`, async () => {
      const crd = await kube.get(CUSTOM_RESOURCE_DEFINITIONS, "", name);
      return established(crd) || undefined;
    }, { timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 200 });
  }
  return names;
}

/** The client of the cluster dev runs against, with the CRDs applied. */
export async function connectCluster(
  kubeconfig: string,
): Promise<{ kube: KubeClient; crds: string[] }> {
  const kube = createKubernetesClient({ kubeconfigPath: kubeconfig });
  const crds = await applyCrds(kube);
  return { kube, crds };
}
