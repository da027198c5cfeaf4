import assert from "node:assert/strict";
import { kubectl, kubectlOk, kubeEnv } from "./kube_env.ts";

const KUBE_SH = new URL("../../hack/kube.sh", import.meta.url).pathname;

Deno.test("kubeEnv() starts a control plane that kubectl get ns answers through its kubeconfig", async () => {
  const env = await kubeEnv();
  const names = (await kubectlOk(env, ["get", "ns", "-o", "name"])).split("\n");
  assert.ok(names.includes("namespace/default"), names.join(","));
  assert.ok(names.includes("namespace/kube-system"), names.join(","));
  const version = JSON.parse(await kubectlOk(env, ["version", "-o", "json"]));
  assert.match(version.serverVersion.gitVersion, /^v1\.\d+\.\d+$/);
});

Deno.test("kubeEnv() is memoized: one start per process", async () => {
  assert.equal(kubeEnv(), kubeEnv());
  assert.deepEqual(await kubeEnv(), await kubeEnv());
});

Deno.test("kubeEnv() token and CA reach /readyz with fetch", async () => {
  const env = await kubeEnv();
  using client = Deno.createHttpClient({ caCerts: [env.caCert] });
  const ok = await fetch(`${env.server}/readyz`, {
    client,
    headers: { authorization: `Bearer ${env.token}` },
  });
  assert.equal(ok.status, 200);
  assert.equal(await ok.text(), "ok");
  // Without the token the request is anonymous, and anonymous users may not list namespaces.
  const anonymous = await fetch(`${env.server}/api/v1/namespaces`, { client });
  assert.equal(anonymous.status, 403);
  await anonymous.body?.cancel();
});

Deno.test("kube.sh up is idempotent: a second up prints the same export line", async () => {
  const env = await kubeEnv();
  const started = performance.now();
  const out = await new Deno.Command("bash", { args: [KUBE_SH, "up"], stderr: "piped" }).output();
  const ms = performance.now() - started;
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.equal(new TextDecoder().decode(out.stdout), `export KUBECONFIG=${env.kubeconfig}\n`);
  assert.ok(ms < 10_000, `second up took ${ms} ms`);
});

Deno.test("kube-controller-manager runs: a new namespace gets its default ServiceAccount", async () => {
  const env = await kubeEnv();
  const ns = `kube-env-test-${crypto.randomUUID().slice(0, 8)}`;
  await kubectlOk(env, ["create", "namespace", ns]);
  try {
    const deadline = Date.now() + 30_000;
    let found = await kubectl(env, ["get", "-n", ns, "serviceaccount", "default", "-o", "name"]);
    while (!found.success && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      found = await kubectl(env, ["get", "-n", ns, "serviceaccount", "default", "-o", "name"]);
    }
    assert.equal(found.stdout.trim(), "serviceaccount/default", found.stderr);
  } finally {
    await kubectl(env, ["delete", "namespace", ns, "--wait=false"]);
  }
});
