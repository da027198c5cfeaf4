/**
 * The Helm chart against a real kube-apiserver (the shared test control plane, CRDs applied):
 * kubeconform with schemas made from that server's OpenAPI and our CRDs; a server-side dry-run
 * apply of every rendered object; and a real `helm install`, `upgrade` and `uninstall`, which
 * proves that the token key and the API keys survive upgrades and uninstall (`lookup` and
 * `helm.sh/resource-policy: keep`) and, through SubjectAccessReviews, that the installed RBAC lets
 * each program make exactly the calls its source makes.
 */
import assert from "node:assert/strict";
import { kubeEnvWithCrds } from "@kruise-agents/shared/testing";
import { ApiKeyStore } from "@kruise-agents/manager";
import { ApiClient } from "./chart_api.ts";
import { CHART, chartTools, helm, keygen, parseObjects, ROOT } from "./chart_kit.ts";
import { programRules, type Rule } from "./chart_kube_usage.ts";
import { injectionConfig, injectRuntimes } from "../controller/sandbox/injection.ts";
import {
  type CrdLike,
  schemasFromCrds,
  schemasFromOpenApi,
  writeSchemas,
} from "./chart_schemas.ts";

/** Namespaces of one test: the release's and a team's, created for real and removed after. */
async function withNamespaces(
  api: ApiClient,
  fn: (release: string, team: string) => Promise<void>,
): Promise<void> {
  const suffix = crypto.randomUUID().slice(0, 8);
  const [release, team] = [`chart-${suffix}`, `chart-team-${suffix}`];
  await api.createNamespace(release);
  await api.createNamespace(team);
  try {
    await fn(release, team);
  } finally {
    await api.deleteNamespace(release);
    await api.deleteNamespace(team);
  }
}

/** Everything the chart can render: domain, an API key, TLS, examples, a team namespace. */
function fullValues(team: string, entry: unknown): Record<string, unknown> {
  return {
    domain: "e2b.example.com",
    apiKeys: { keys: [entry], teams: { [team]: { maxSandboxes: 5 } } },
    ingress: { enabled: true, className: "nginx", tls: { secretName: "e2b-tls" } },
    templates: { examples: { enabled: true } },
    networkPolicy: {
      sandbox: { namespaces: [team], internetEgress: { clusterCIDRs: ["100.64.0.0/10"] } },
    },
  };
}

async function render(namespace: string, values: unknown): Promise<string> {
  const run = await helm(
    ["template", "ka", CHART, "--namespace", namespace, "--include-crds", "--values", "-"],
    { stdin: JSON.stringify(values) },
  );
  if (!run.success) throw new Error(`helm template failed: ${run.stderr}`);
  return run.stdout;
}

Deno.test("kubeconform validates every rendered object against the API server's own schemas", async () => {
  const [{ kubeconform }, env] = await Promise.all([chartTools(), kubeEnvWithCrds()]);
  const api = new ApiClient(env);
  const dir = await Deno.makeTempDir({ prefix: "chart-schemas-" });
  try {
    const openapi = await api.ok("GET", "/openapi/v2");
    const crds: CrdLike[] = [];
    for await (const entry of Deno.readDir(`${CHART}/crds`)) {
      crds.push(...parseObjects(await Deno.readTextFile(`${CHART}/crds/${entry.name}`)) as never[]);
    }
    const location = await writeSchemas(
      dir,
      new Map([
        ...schemasFromOpenApi(openapi as never),
        ...schemasFromCrds(crds),
      ]),
    );
    const { entry } = await keygen("team-a");
    for (const values of [{}, fullValues("team-a", entry)]) {
      const manifests = await render("kruise-system", values);
      await Deno.writeTextFile(`${dir}/manifests.yaml`, manifests);
      const out = await new Deno.Command(kubeconform, {
        args: ["-strict", "-summary", "-verbose", "-output", "json", "-schema-location", location]
          .concat([`${dir}/manifests.yaml`]),
        stdout: "piped",
        stderr: "piped",
      }).output();
      const report = JSON.parse(new TextDecoder().decode(out.stdout));
      const statuses =
        (report.resources as { kind: string; name: string; status: string; msg: string }[])
          .map((r) => `${r.kind}/${r.name}: ${r.status}${r.msg ? ` ${r.msg}` : ""}`);
      assert.ok(out.success, statuses.join("\n"));
      // Nothing skipped for want of a schema: every object was checked and is valid.
      assert.equal(report.summary.valid, parseObjects(manifests).length, statuses.join("\n"));
      assert.deepEqual([report.summary.invalid, report.summary.errors, report.summary.skipped], [
        0,
        0,
        0,
      ]);
    }
  } finally {
    api.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a server-side dry-run apply accepts every rendered object", async () => {
  const env = await kubeEnvWithCrds();
  const api = new ApiClient(env);
  try {
    await withNamespaces(api, async (release, team) => {
      const { entry } = await keygen(team);
      for (const values of [{}, fullValues(team, entry)]) {
        const objects = parseObjects(await render(release, values));
        const refused: string[] = [];
        for (const object of objects) {
          const { status, body } = await api.dryRunApply(object);
          if (status !== 200 && status !== 201) {
            refused.push(`${object.kind}/${object.metadata.name}: ${status} ${body.message}`);
          }
        }
        assert.deepEqual(refused, []);
        assert.ok(objects.length >= 19, `${objects.length} objects`);
      }
    });
  } finally {
    api.close();
  }
});

Deno.test("a plain Debian pod with the chart's agent-runtime injection passes strict validation", async () => {
  const env = await kubeEnvWithCrds();
  const api = new ApiClient(env);
  try {
    await withNamespaces(api, async (release, team) => {
      const cm = parseObjects(await render(release, {}))
        .find((o) => o.kind === "ConfigMap" && o.metadata.name === "sandbox-injection-config");
      assert.ok(cm, "no injection ConfigMap rendered");
      const config = injectionConfig(`${release}/sandbox-injection-config`, cm as never);
      const template = { spec: { containers: [{ name: "sandbox", image: "debian:12" }] } };
      const { spec } = injectRuntimes(template, [{ name: "agent-runtime" }], config);
      const pod = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "injected", namespace: team },
        spec,
      };
      const { status, body } = await api.dryRunApply(pod);
      assert.ok(status === 200 || status === 201, `${status} ${body.message}`);
      assert.deepEqual(body.spec.initContainers.map((c: { name: string }) => c.name), [
        "agent-runtime-install",
      ]);
    });
  } finally {
    api.close();
  }
});

/** The keys file of the installed API-key Secret. */
async function storedKeys(api: ApiClient, namespace: string, name: string) {
  const secret = await api.ok("GET", `/api/v1/namespaces/${namespace}/secrets/${name}`);
  return { secret, text: atob(secret.data["keys.yaml"]) };
}

async function helmOk(args: string[], values: unknown, kubeconfig: string): Promise<void> {
  const run = await helm([...args, "--kubeconfig", kubeconfig, "--values", "-"], {
    stdin: JSON.stringify(values),
  });
  if (!run.success) throw new Error(`helm ${args.join(" ")} failed: ${run.stderr}`);
}

Deno.test("helm upgrade keeps the token key and every stored API key; uninstall keeps both Secrets", async () => {
  const env = await kubeEnvWithCrds();
  const api = new ApiClient(env);
  try {
    await withNamespaces(api, async (ns, team) => {
      const [a, b, c] = await Promise.all([keygen(team), keygen(team), keygen(team)]);
      const release = ns.replace("chart-", "ka-");
      const base = ["--namespace", ns, "--skip-crds"];
      const fullname = `${release}-kruise-agents`;
      const sandboxPolicy = { networkPolicy: { sandbox: { namespaces: [ns, team] } } };
      try {
        await helmOk(["install", release, CHART, ...base], {
          ...sandboxPolicy,
          apiKeys: { keys: [a.entry] },
        }, env.kubeconfig);
        const tokenPath = `/api/v1/namespaces/${ns}/secrets/${fullname}-token-key`;
        const tokenKey = (await api.ok("GET", tokenPath)).data["token-key"];
        // A key added by hand, as `kubectl edit secret` would.
        const first = await storedKeys(api, ns, `${fullname}-api-keys`);
        const edited = first.text.replace("keys:\n", `keys:\n- ${JSON.stringify(b.entry)}\n`);
        await api.ok("PUT", `/api/v1/namespaces/${ns}/secrets/${fullname}-api-keys`, {
          body: { ...first.secret, data: { "keys.yaml": btoa(edited) } },
        });
        await helmOk(["upgrade", release, CHART, ...base], {
          ...sandboxPolicy,
          apiKeys: { keys: [a.entry, c.entry], teams: { [team]: { maxSandboxes: 3 } } },
        }, env.kubeconfig);
        assert.equal((await api.ok("GET", tokenPath)).data["token-key"], tokenKey);
        let store = ApiKeyStore.fromText((await storedKeys(api, ns, `${fullname}-api-keys`)).text);
        for (const { key } of [a, b, c]) {
          assert.equal((await store.authenticate(key))?.maxSandboxes, 3, key);
        }
        await assertRbac(api, ns, team, fullname);
        await helmOk(["upgrade", release, CHART, ...base], {
          ...sandboxPolicy,
          apiKeys: { keys: [a.entry, c.entry], revoke: [b.entry.id] },
        }, env.kubeconfig);
        store = ApiKeyStore.fromText((await storedKeys(api, ns, `${fullname}-api-keys`)).text);
        assert.deepEqual(
          await Promise.all(
            [a, b, c].map(async ({ key }) => (await store.authenticate(key)) !== undefined),
          ),
          [true, false, true],
        );
        const uninstall = await helm([
          "uninstall",
          release,
          "--namespace",
          ns,
          "--kubeconfig",
          env.kubeconfig,
        ]);
        assert.ok(uninstall.success, uninstall.stderr);
        assert.equal((await api.ok("GET", tokenPath)).data["token-key"], tokenKey);
        await api.ok("GET", `/api/v1/namespaces/${ns}/secrets/${fullname}-api-keys`);
        const role = await api.request(
          "GET",
          `/apis/rbac.authorization.k8s.io/v1/clusterroles/${fullname}-manager`,
        );
        assert.equal(role.status, 404, "uninstall removes the rest");
      } finally {
        await helm(["uninstall", release, "--namespace", ns, "--kubeconfig", env.kubeconfig]);
      }
    });
  } finally {
    api.close();
  }
});

const MATRIX_RESOURCES: [string, string][] = [
  ["agents.kruise.io", "sandboxes"],
  ["agents.kruise.io", "sandboxes/status"],
  ["agents.kruise.io", "sandboxes/finalizers"],
  ["agents.kruise.io", "sandboxsets"],
  ["agents.kruise.io", "sandboxsets/status"],
  ["agents.kruise.io", "sandboxsets/finalizers"],
  ["", "pods"],
  ["", "secrets"],
  ["", "configmaps"],
  ["", "serviceaccounts"],
  ["coordination.k8s.io", "leases"],
  ["rbac.authorization.k8s.io", "roles"],
];
const MATRIX_VERBS = [
  "get",
  "list",
  "watch",
  "create",
  "update",
  "patch",
  "delete",
  "deletecollection",
];

/** The finalizers grants no call shows (see hack/chart_test.ts, OWNER_FINALIZERS). */
const CONTROLLER_EXTRA: Rule[] = [
  { apiGroup: "agents.kruise.io", resource: "sandboxes/finalizers", verbs: ["update"] },
  { apiGroup: "agents.kruise.io", resource: "sandboxsets/finalizers", verbs: ["update"] },
];

/**
 * Every verb on every resource a program might touch, asked of the real authorizer in a team
 * namespace: allowed exactly when the program's source makes that call.
 */
async function assertRbac(api: ApiClient, ns: string, team: string, fullname: string) {
  const programs: [string, Rule[]][] = [
    ["controller", [...await programRules(`${ROOT}controller/main.ts`), ...CONTROLLER_EXTRA]],
    ["manager", await programRules(`${ROOT}manager/main.ts`)],
  ];
  for (const [program, rules] of programs) {
    const account = { namespace: ns, name: `${fullname}-${program}` };
    const wrong: string[] = [];
    for (const [group, resourcePath] of MATRIX_RESOURCES) {
      const [resource, subresource] = resourcePath.split("/") as [string, string | undefined];
      const granted = rules.find((r) => r.apiGroup === group && r.resource === resourcePath);
      for (const verb of MATRIX_VERBS) {
        // Leases and the injection ConfigMap are granted in the release namespace only.
        const releaseOnly = resource === "leases" || resource === "configmaps";
        const expected = !releaseOnly && (granted?.verbs.includes(verb) ?? false);
        const allowed = await api.allowed(account, {
          namespace: team,
          verb,
          group,
          resource,
          ...(subresource ? { subresource } : {}),
        });
        if (allowed !== expected) wrong.push(`${verb} ${resourcePath}: ${allowed}`);
      }
    }
    assert.deepEqual(wrong, [], `${program} RBAC`);
  }
  await assertLeaseRbac(api, ns, team, fullname);
  await assertInjectionConfigRbac(api, ns, team, fullname);
}

/**
 * The injection ConfigMap: the controller lists and watches ConfigMaps in the release namespace
 * (its informer), exactly the verbs its source uses there, and nothing anywhere else.
 */
async function assertInjectionConfigRbac(
  api: ApiClient,
  ns: string,
  team: string,
  fullname: string,
) {
  const uses = (await programRules(`${ROOT}controller/main.ts`))
    .find((r) => r.resource === "configmaps")?.verbs ?? [];
  assert.deepEqual(uses, ["list", "watch"]);
  const controller = { namespace: ns, name: `${fullname}-controller` };
  const configMaps = { group: "", resource: "configmaps" };
  const wrong: string[] = [];
  for (const verb of MATRIX_VERBS) {
    const allowed = await api.allowed(controller, { ...configMaps, namespace: ns, verb });
    if (allowed !== uses.includes(verb)) wrong.push(`${verb} configmaps in ${ns}: ${allowed}`);
  }
  assert.deepEqual(wrong, []);
  const manager = { namespace: ns, name: `${fullname}-manager` };
  assert.equal(await api.allowed(manager, { ...configMaps, namespace: ns, verb: "list" }), false);
  assert.equal(
    await api.allowed(controller, { ...configMaps, namespace: team, verb: "list" }),
    false,
  );
}

/**
 * The controller's Lease: created and watched in the release namespace, then only its own read and
 * renewed.
 */
async function assertLeaseRbac(api: ApiClient, ns: string, team: string, fullname: string) {
  const account = { namespace: ns, name: `${fullname}-controller` };
  const lease = { group: "coordination.k8s.io", resource: "leases" };
  const cases: [Record<string, string>, boolean][] = [
    [{ ...lease, namespace: ns, verb: "create" }, true],
    [{ ...lease, namespace: ns, verb: "watch" }, true],
    [{ ...lease, namespace: team, verb: "watch" }, false],
    [{ ...lease, namespace: ns, verb: "get", name: `${fullname}-controller` }, true],
    [{ ...lease, namespace: ns, verb: "update", name: `${fullname}-controller` }, true],
    [{ ...lease, namespace: ns, verb: "get", name: "someone-else" }, false],
    [{ ...lease, namespace: ns, verb: "update", name: "someone-else" }, false],
    [{ ...lease, namespace: ns, verb: "delete", name: `${fullname}-controller` }, false],
    [{ ...lease, namespace: team, verb: "create" }, false],
  ];
  for (const [attributes, expected] of cases) {
    assert.equal(await api.allowed(account, attributes), expected, JSON.stringify(attributes));
  }
  const manager = { namespace: ns, name: `${fullname}-manager` };
  assert.equal(await api.allowed(manager, { ...lease, namespace: ns, verb: "create" }), false);
}
