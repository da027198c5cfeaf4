/**
 * `deno task deploy`: installs or upgrades charts/kruise-agents into the current kube context with
 * the values a person passes, applies the CRDs first (helm installs a chart's `crds/` once and never
 * upgrades them), waits until the manager answers through the API server's service proxy, and
 * prints the `export E2B_...` lines (stdout; progress goes to stderr), so
 * `eval "$(deno task deploy ...)"` sets up a shell. helm comes from `hack/tools.sh` (built from the
 * Go module proxy once per machine) and talks to the cluster with the same kubeconfig.
 *
 * @module
 */
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { parse as parseYaml } from "yaml";
import { kubeFetch } from "@kruise-agents/shared/kube";
import { generateApiKey } from "@kruise-agents/manager";
import { poll } from "@kruise-agents/shared/std";
import { CHART, chartTools } from "./chart_kit.ts";
import {
  DEPLOY_USAGE,
  type DeployConfig,
  deployExports,
  exposureOf,
  helmArgs,
  keyTeam,
  parseDeployConfig,
  type ServiceView,
} from "./deploy_config.ts";

const FIELD_MANAGER = "kruise-agents-deploy";

function say(message: string): void {
  console.error(`deploy: ${message}`);
}

/** Runs helm with the person's environment; stdout returned, stderr passed through. */
async function helm(config: DeployConfig, args: string[]): Promise<{ ok: boolean; out: string }> {
  const { helm } = await chartTools();
  const kube = config.kubeconfig ? ["--kubeconfig", config.kubeconfig] : [];
  const out = await new Deno.Command(helm, {
    args: [...args, ...kube],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  return { ok: out.success, out: new TextDecoder().decode(out.stdout) };
}

/**
 * Server-side applies every CRD of the chart, as its YAML is (see `kubeFetch` for why not through
 * the typed client), and waits until each is Established.
 */
async function applyCrds(config: DeployConfig): Promise<void> {
  const send = kubeFetch(config.kubeconfig);
  const base = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
  for await (const entry of Deno.readDir(`${CHART}/crds`)) {
    if (!entry.name.endsWith(".yaml")) continue;
    const text = await Deno.readTextFile(`${CHART}/crds/${entry.name}`);
    const name = (parseYaml(text) as { metadata: { name: string } }).metadata.name;
    const res = await send(`${base}/${name}?fieldManager=${FIELD_MANAGER}&force=true`, {
      method: "PATCH",
      body: text,
      contentType: "application/apply-patch+yaml",
    });
    const answer = await res.text();
    if (!res.ok) throw new Error(`Cannot apply CRD ${name}: HTTP ${res.status} ${answer}`);
    await poll(`CRD ${name} Established`, async () => {
      const got = await send(`${base}/${name}`);
      const crd = await got.json() as {
        status?: { conditions?: { type: string; status: string }[] };
      };
      return crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")
        ? true
        : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    say(`applied CRD ${name}`);
  }
}

/** The merged `apiKeys` of the person's values files (what {@linkcode keyTeam} looks at). */
async function userApiKeys(config: DeployConfig) {
  let apiKeys: { keys?: unknown[]; existingSecret?: string } = {};
  for (const file of config.values) {
    const doc = parseYaml(await Deno.readTextFile(file)) as { apiKeys?: typeof apiKeys } | null;
    if (doc?.apiKeys) apiKeys = { ...apiKeys, ...doc.apiKeys };
  }
  return { apiKeys };
}

/** The manager's two Services of the release, as {@linkcode ServiceView}s. */
async function managerServices(kc: KubeConfig, config: DeployConfig) {
  const core = kc.makeApiClient(CoreV1Api);
  const list = await core.listNamespacedService({
    namespace: config.namespace,
    labelSelector:
      `app.kubernetes.io/instance=${config.release},app.kubernetes.io/component=manager`,
  });
  const views: ServiceView[] = list.items.map((s) => {
    const port = s.spec?.ports?.[0];
    const ingress = s.status?.loadBalancer?.ingress?.[0];
    const lb = ingress?.ip ?? ingress?.hostname;
    return {
      name: s.metadata?.name ?? "",
      type: s.spec?.type ?? "ClusterIP",
      port: port?.port ?? 0,
      ...(port?.nodePort ? { nodePort: port.nodePort } : {}),
      ...(lb ? { loadBalancer: lb } : {}),
    };
  });
  const api = views.find((v) => v.name.endsWith("-api"));
  const proxy = views.find((v) => v.name.endsWith("-proxy"));
  if (!api || !proxy) {
    throw new Error(
      `Cannot find the manager's Services in ${config.namespace} (found: ${
        views.map((v) => v.name).join(", ") || "none"
      })`,
    );
  }
  return { api, proxy };
}

/** The first node's InternalIP (for NodePort exports). */
async function nodeAddress(kc: KubeConfig): Promise<string | undefined> {
  const nodes = await kc.makeApiClient(CoreV1Api).listNode();
  return nodes.items[0]?.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
}

/** Polls the manager's `/health` (204) through the API server's service proxy. */
async function waitForManager(config: DeployConfig, api: ServiceView) {
  const send = kubeFetch(config.kubeconfig);
  const path = `/api/v1/namespaces/${config.namespace}/services/${api.name}:api/proxy/health`;
  let last = "";
  await poll(`the manager's /health (${api.name})`, async () => {
    try {
      const res = await send(path);
      last = `HTTP ${res.status} ${(await res.text()).slice(0, 200)}`;
      return res.status === 204 ? true : undefined;
    } catch (error) {
      last = String(error);
      return undefined;
    }
  }, { timeoutMs: config.timeoutSeconds * 1000, intervalMs: 1000 }).catch((error) => {
    throw new Error(`${error.message} (last: ${last})`);
  });
}

/** The whole deploy; resolves to the lines for stdout. */
export async function deploy(config: DeployConfig): Promise<string[]> {
  const kc = new KubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else kc.loadFromDefault();
  say(`context ${kc.getCurrentContext()}, release ${config.release} in ${config.namespace}`);
  await applyCrds(config);
  const status = await helm(config, ["status", config.release, "--namespace", config.namespace]);
  const team = keyTeam(config, status.ok, await userApiKeys(config));
  let apiKey: string | undefined;
  let keyFile: string | undefined;
  if (team !== undefined) {
    const minted = await generateApiKey({ team, name: `deploy-${team}` });
    apiKey = minted.key;
    keyFile = await Deno.makeTempFile({ prefix: "kruise-agents-key-", suffix: ".json" });
    await Deno.writeTextFile(keyFile, JSON.stringify({ apiKeys: { keys: [minted.record] } }));
    say(`minted an API key of team ${team} (printed once, below)`);
  }
  try {
    say(`helm upgrade --install (waits until the workloads are ready)`);
    const up = await helm(config, helmArgs(config, CHART, keyFile));
    if (!up.ok) throw new Error("helm upgrade --install failed (its output is above)");
  } finally {
    if (keyFile) await Deno.remove(keyFile).catch(() => {});
  }
  const { api, proxy } = await managerServices(kc, config);
  await waitForManager(config, api);
  say("the manager answers");
  const got = await helm(config, [
    "get",
    "values",
    config.release,
    "--namespace",
    config.namespace,
    "--all",
    "--output",
    "json",
  ]);
  if (!got.ok) throw new Error("helm get values failed");
  const exposure = exposureOf(config, JSON.parse(got.out), api, proxy, await nodeAddress(kc));
  say(`reach it by ${exposure.kind}`);
  return deployExports(exposure, apiKey);
}

if (import.meta.main) {
  let config: DeployConfig;
  try {
    config = parseDeployConfig(Deno.args, Deno.env.toObject());
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${DEPLOY_USAGE}`);
    Deno.exit(2);
  }
  if (config.help) {
    console.log(DEPLOY_USAGE);
    Deno.exit(0);
  }
  try {
    for (const line of await deploy(config)) console.log(line);
  } catch (error) {
    console.error(`deploy: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
