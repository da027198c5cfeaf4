// The generated CRDs against a real kube-apiserver, etcd and kube-controller-manager
// (hack/kube.sh, shared by every test of the process through kubeEnv()). Each test works in its
// own namespace, so runs and other people's tests on the same control plane do not collide.
import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { kubectl, kubectlOk, type KubeEnv, kubeEnvWithCrds } from "../testing/kube_env.ts";
import { LABEL_SANDBOX_CLAIMED, LABEL_SANDBOX_POOL } from "./labels.ts";
import { API_VERSION } from "./meta.ts";
import { parseSandbox } from "./sandbox.ts";
import { parseSandboxSet } from "./sandbox_set.ts";

const REFERENCE_SANDBOX_SET = new URL(
  "./testdata/code_interpreter_sandboxset.yaml",
  import.meta.url,
);

/** Starts (or reuses) the control plane with the chart's CRDs applied, once per process. */
function cluster(): Promise<KubeEnv> {
  return kubeEnvWithCrds();
}

/** Runs `fn` in a fresh namespace, deleted afterwards (the namespace controller empties it). */
async function inNamespace(fn: (env: KubeEnv, ns: string) => Promise<void>): Promise<void> {
  const env = await cluster();
  const ns = `crd-test-${crypto.randomUUID().slice(0, 8)}`;
  await kubectlOk(env, ["create", "namespace", ns]);
  try {
    await fn(env, ns);
  } finally {
    await kubectl(env, ["delete", "namespace", ns, "--wait=false"]);
  }
}

// Objects from the API server are parsed by the models where it matters; the rest is JSON.
// deno-lint-ignore no-explicit-any
type Json = any;

async function getJson(env: KubeEnv, ns: string, ...what: string[]): Promise<Json> {
  return JSON.parse(await kubectlOk(env, ["get", "-n", ns, ...what, "-o", "json"]));
}

/**
 * `kubectl patch` arguments for a JSON merge patch of `target` in `ns`, of its status subresource
 * when `subresource` is `status`.
 */
function mergePatch(
  ns: string,
  target: string,
  patch: unknown,
  subresource?: "status",
): string[] {
  const sub = subresource === undefined ? [] : [`--subresource=${subresource}`];
  const body = typeof patch === "string" ? patch : JSON.stringify(patch);
  return ["patch", "-n", ns, target, ...sub, "--type=merge", "-p", body];
}

function sandbox(name: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: API_VERSION,
    kind: "Sandbox",
    metadata: { name },
    spec: { template: { spec: { containers: [{ name: "main", image: "busybox" }] } } },
    ...extra,
  });
}

function sandboxSet(name: string, replicas = 1): string {
  return JSON.stringify({
    apiVersion: API_VERSION,
    kind: "SandboxSet",
    metadata: { name },
    spec: { replicas, template: { spec: { containers: [{ name: "main", image: "busybox" }] } } },
  });
}

Deno.test("CRDs from charts/ are served with short names and the kruise-agents category", async () => {
  const env = await cluster();
  const resources = await kubectlOk(env, [
    "api-resources",
    "--api-group=agents.kruise.io",
    "-o",
    "wide",
  ]);
  assert.match(resources, /^sandboxes\s+sbx\s+agents\.kruise\.io\/v1alpha1\s+true\s+Sandbox\s/m);
  assert.match(
    resources,
    /^sandboxsets\s+sbs\s+agents\.kruise\.io\/v1alpha1\s+true\s+SandboxSet\s/m,
  );
  assert.match(resources, /kruise-agents/);
});

Deno.test("a SandboxSet written for the reference system is accepted unchanged", async () => {
  await inNamespace(async (env, ns) => {
    const text = await Deno.readTextFile(REFERENCE_SANDBOX_SET);
    const created = await kubectl(env, ["create", "-n", ns, "-f", "-"], { stdin: text });
    assert.equal(created.code, 0, created.stderr);
    // No pruning warning: every field of the manifest was stored.
    assert.doesNotMatch(created.stderr, /unknown field/i);
    const stored: Json = await getJson(env, ns, "sandboxset", "code-interpreter");
    assert.deepEqual(stored.spec, parseYaml(text).spec);
    const pool = parseSandboxSet(stored);
    assert.equal(pool.spec.template?.spec.containers[0]?.image, "e2bdev/code-interpreter:latest");
  });
});

Deno.test("a Sandbox with a wrong field type is rejected by the schema", async (t) => {
  await inNamespace(async (env, ns) => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["paused as a string", { paused: "yes" }, /spec\.paused.*must be of type boolean/],
      ["shutdownTime not a time", { shutdownTime: "tomorrow" }, /spec\.shutdownTime.*date-time/],
      ["runtime without name", { runtimes: [{}] }, /spec\.runtimes\[0\]\.name.*Required/],
      ["unknown pause strategy", { pauseStrategy: { type: "Suspend" } }, /Unsupported value/],
      ["template as a list", { template: [] }, /spec\.template.*must be of type object/],
    ];
    for (const [name, spec, message] of cases) {
      await t.step(name, async () => {
        const bad = sandbox(`bad-${crypto.randomUUID().slice(0, 6)}`, {
          spec: { templateRef: { name: "t" }, ...spec },
        });
        const result = await kubectl(env, ["create", "-n", ns, "-f", "-"], { stdin: bad });
        assert.notEqual(result.code, 0, `accepted: ${bad}`);
        assert.match(result.stderr, /is invalid/);
        assert.match(result.stderr, message);
      });
    }
    const left = await getJson(env, ns, "sandboxes");
    assert.deepEqual(left.items, []);
  });
});

Deno.test("Sandbox status can only be written through the status subresource", async () => {
  await inNamespace(async (env, ns) => {
    // Status in the create body is dropped.
    await kubectlOk(env, ["create", "-n", ns, "-f", "-"], {
      stdin: sandbox("s1", { status: { phase: "Running" } }),
    });
    assert.equal((await getJson(env, ns, "sbx", "s1")).status, undefined);
    // A patch of the main resource ignores status.
    await kubectlOk(env, mergePatch(ns, "sbx/s1", '{"status":{"phase":"Running"}}'));
    assert.equal((await getJson(env, ns, "sbx", "s1")).status, undefined);
    // The status subresource writes status and ignores spec.
    await kubectlOk(
      env,
      mergePatch(
        ns,
        "sbx/s1",
        '{"status":{"phase":"Running","sandboxIp":"127.0.1.2"},"spec":{"paused":true}}',
        "status",
      ),
    );
    const sbx = parseSandbox(await getJson(env, ns, "sbx", "s1"));
    assert.equal(sbx.status?.phase, "Running");
    assert.equal(sbx.status?.sandboxIp, "127.0.1.2");
    assert.equal(sbx.spec.paused, undefined);
    // And the status subresource validates status against the schema too.
    const bad = await kubectl(
      env,
      mergePatch(ns, "sbx/s1", '{"status":{"recycledCount":"many"}}', "status"),
    );
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /status\.recycledCount.*must be of type integer/);
  });
});

Deno.test("kubectl scale sbs/NAME --replicas=3 changes spec.replicas", async () => {
  await inNamespace(async (env, ns) => {
    await kubectlOk(env, ["create", "-n", ns, "-f", "-"], { stdin: sandboxSet("pool", 1) });
    await kubectlOk(env, ["scale", "-n", ns, "sbs/pool", "--replicas=3"]);
    const pool = parseSandboxSet(await getJson(env, ns, "sbs", "pool"));
    assert.equal(pool.spec.replicas, 3);
    // The scale subresource reports status.replicas and status.selector once the controller
    // writes them (here: the test, through the status subresource).
    const selector = `${LABEL_SANDBOX_POOL}=pool,${LABEL_SANDBOX_CLAIMED}=false`;
    await kubectlOk(
      env,
      mergePatch(
        ns,
        "sbs/pool",
        { status: { replicas: 2, availableReplicas: 1, selector } },
        "status",
      ),
    );
    const scale: Json = JSON.parse(
      await kubectlOk(env, [
        "get",
        "--raw",
        `/apis/agents.kruise.io/v1alpha1/namespaces/${ns}/sandboxsets/pool/scale`,
      ]),
    );
    assert.equal(scale.kind, "Scale");
    assert.equal(scale.spec.replicas, 3);
    assert.equal(scale.status.replicas, 2);
    assert.equal(scale.status.selector, selector);
  });
});

Deno.test("kubectl get sbs,sbx shows the printer columns", async () => {
  await inNamespace(async (env, ns) => {
    await kubectlOk(env, ["create", "-n", ns, "-f", "-"], { stdin: sandboxSet("pool", 2) });
    await kubectlOk(env, ["create", "-n", ns, "-f", "-"], {
      stdin: sandbox("s1", {
        metadata: { name: "s1", labels: { [LABEL_SANDBOX_CLAIMED]: "true" } },
        spec: {
          templateRef: { name: "pool" },
          shutdownTime: "2030-01-02T03:04:05Z",
          pauseTime: "2030-01-02T03:00:00Z",
        },
      }),
    });
    await kubectlOk(
      env,
      mergePatch(
        ns,
        "sbx/s1",
        { status: { phase: "Running", recycledCount: 2, message: "ok" } },
        "status",
      ),
    );
    await kubectlOk(
      env,
      mergePatch(ns, "sbs/pool", {
        status: {
          replicas: 2,
          availableReplicas: 1,
          updatedReplicas: 2,
          updatedAvailableReplicas: 1,
          updateRevision: "5d8f9c",
        },
      }, "status"),
    );
    const out = await kubectlOk(env, ["get", "-n", ns, "sbs,sbx"]);
    const rows = out.trim().split("\n").filter((line) => line.trim() !== "").map((line) =>
      line.trim().split(/\s+/)
    );
    assert.deepEqual(rows[0], [
      "NAME",
      "REPLICAS",
      "AVAILABLE",
      "UPDATEDREPLICAS",
      "UPDATEDAVAILABLEREPLICAS",
      "UPDATEREVISION",
      "AGE",
    ]);
    assert.deepEqual(rows[1]?.slice(0, 6), [
      "sandboxset.agents.kruise.io/pool",
      "2",
      "1",
      "2",
      "1",
      "5d8f9c",
    ]);
    assert.deepEqual(rows[2], [
      "NAME",
      "STATUS",
      "AGE",
      "CLAIMED",
      "SHUTDOWN_TIME",
      "PAUSE_TIME",
      "RECYCLEDCOUNT",
      "MESSAGE",
    ]);
    const sbx = rows[3] ?? [];
    assert.deepEqual([sbx[0], sbx[1], ...sbx.slice(3)], [
      "sandbox.agents.kruise.io/s1",
      "Running",
      "true",
      "2030-01-02T03:04:05Z",
      "2030-01-02T03:00:00Z",
      "2",
      "ok",
    ]);
  });
});

Deno.test("deleting an owner removes an object that names it in an ownerReference", async () => {
  await inNamespace(async (env, ns) => {
    await kubectlOk(env, ["create", "-n", ns, "-f", "-"], { stdin: sandboxSet("pool", 1) });
    const uid = (await getJson(env, ns, "sbs", "pool")).metadata.uid as string;
    const owned = sandbox("owned", {
      metadata: {
        name: "owned",
        ownerReferences: [{
          apiVersion: API_VERSION,
          kind: "SandboxSet",
          name: "pool",
          uid,
          controller: true,
          blockOwnerDeletion: true,
        }],
      },
    });
    await kubectlOk(env, ["create", "-n", ns, "-f", "-"], { stdin: owned });
    // A claimed Sandbox has no ownerReference: it must survive its pool's deletion.
    await kubectlOk(env, ["create", "-n", ns, "-f", "-"], { stdin: sandbox("claimed") });
    await kubectlOk(env, ["delete", "-n", ns, "sbs/pool", "--wait=false"]);
    // The garbage collector notices new CRDs through discovery (every 30 s), so allow for that.
    const deadline = Date.now() + 120_000;
    let names: string[] = [];
    while (Date.now() < deadline) {
      const list: Json = await getJson(env, ns, "sandboxes");
      names = list.items.map((item: Json) => item.metadata.name as string).sort();
      if (!names.includes("owned")) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.deepEqual(names, ["claimed"]);
  });
});
