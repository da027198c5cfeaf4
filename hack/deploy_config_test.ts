import assert from "node:assert/strict";
import {
  type DeployConfig,
  deployExports,
  exposureOf,
  helmArgs,
  keyTeam,
  parseDeployConfig,
  type ServiceView,
} from "./deploy_config.ts";

const BASE: DeployConfig = parseDeployConfig([]);
const API: ServiceView = { name: "ka-api", type: "ClusterIP", port: 3000 };
const PROXY: ServiceView = { name: "ka-proxy", type: "ClusterIP", port: 3001 };

Deno.test("parseDeployConfig: defaults, repeatable flags, KUBECONFIG, and clear errors", () => {
  assert.deepEqual(BASE, {
    release: "kruise-agents",
    namespace: "kruise-agents",
    values: [],
    set: [],
    timeoutSeconds: 600,
    help: false,
  });
  const c = parseDeployConfig(
    ["-f", "a.yaml", "--values", "b.yaml", "--set", "x=1", "--set", "y=2", "--new-key", "team-a"],
    { KUBECONFIG: "/k" },
  );
  assert.deepEqual(c.values, ["a.yaml", "b.yaml"]);
  assert.deepEqual(c.set, ["x=1", "y=2"]);
  assert.equal(c.kubeconfig, "/k");
  assert.equal(c.newKeyTeam, "team-a");
  const bad: [string[], RegExp][] = [
    [["--release", "Bad_Name"], /--release/],
    [["--namespace", "-x"], /--namespace/],
    [["--set", "novalue"], /KEY=VALUE/],
    [["--timeout", "0"], /--timeout/],
    [["--new-key", "A"], /--new-key/],
    [["--nope"], /nope/],
    [["extra"], /Unexpected argument/],
  ];
  for (const [args, message] of bad) assert.throws(() => parseDeployConfig(args), message);
});

Deno.test("keyTeam: a first install mints one for its namespace unless keys are the person's", () => {
  const cases: [DeployConfig, boolean, object, string | undefined][] = [
    [BASE, false, {}, "kruise-agents"],
    [BASE, true, {}, undefined],
    [{ ...BASE, newKeyTeam: "t" }, true, {}, "t"],
    [{ ...BASE, set: ["apiKeys.existingSecret=s"] }, false, {}, undefined],
    [BASE, false, { apiKeys: { keys: [{ id: "1" }] } }, undefined],
    [BASE, false, { apiKeys: { existingSecret: "s" } }, undefined],
  ];
  for (const [config, installed, values, want] of cases) {
    assert.equal(keyTeam(config, installed, values), want, JSON.stringify([config, values]));
  }
  assert.throws(
    () => keyTeam({ ...BASE, newKeyTeam: "t" }, true, { apiKeys: { keys: [{}] } }),
    /--new-key cannot be combined/,
  );
});

Deno.test("helmArgs: upgrade --install with the person's values in order, the minted key last", () => {
  const c = { ...BASE, kubeconfig: "/k", values: ["a.yaml"], set: ["x=1"], timeoutSeconds: 60 };
  assert.deepEqual(helmArgs(c, "/chart", "/key.json"), [
    "upgrade",
    "--install",
    "kruise-agents",
    "/chart",
    "--namespace",
    "kruise-agents",
    "--create-namespace",
    "--wait",
    "--timeout",
    "60s",
    "--kubeconfig",
    "/k",
    "--values",
    "a.yaml",
    "--set",
    "x=1",
    "--values",
    "/key.json",
  ]);
});

Deno.test("exposureOf + deployExports: Ingress domain, node ports, else named port-forwards", () => {
  const tls = exposureOf(
    BASE,
    { domain: "e2b.example.com", ingress: { enabled: true, tls: { secretName: "c" } } },
    API,
    PROXY,
    "10.0.0.5",
  );
  assert.deepEqual(deployExports(tls, "e2b_k"), [
    "unset E2B_API_URL E2B_SANDBOX_URL E2B_DEBUG",
    "export E2B_DOMAIN=e2b.example.com",
    "export E2B_API_KEY=e2b_k",
  ]);
  const nodePort = exposureOf(
    BASE,
    { domain: "" },
    { ...API, type: "NodePort", nodePort: 30001 },
    { ...PROXY, type: "NodePort", nodePort: 30002 },
    "10.244.0.1",
  );
  assert.deepEqual(deployExports(nodePort, undefined), [
    "unset E2B_DEBUG",
    "export E2B_API_URL=http://10.244.0.1:30001",
    "export E2B_SANDBOX_URL=http://10.244.0.1:30002",
    "# E2B_API_KEY: a key of the release (the first deploy printed one; --new-key TEAM mints one)",
  ]);
  const forward = exposureOf({ ...BASE, kubeconfig: "/a b" }, {}, API, PROXY, "10.244.0.1");
  assert.equal(forward.kind, "port-forward");
  assert.deepEqual(forward.before, [
    "kubectl --kubeconfig '/a b' -n kruise-agents port-forward svc/ka-api 3000:3000 &",
    "kubectl --kubeconfig '/a b' -n kruise-agents port-forward svc/ka-proxy 3001:3001 &",
  ]);
  assert.equal(forward.apiUrl, "http://127.0.0.1:3000");
});
