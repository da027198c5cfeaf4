/**
 * The sandbox NetworkPolicies, rendered offline (table tests): which pods they select, who may
 * reach those pods and on which ports, and where the pods may go.
 */
import assert from "node:assert/strict";
import { CREATED_BY_SANDBOX, LABEL_CREATED_BY } from "@kruise-agents/shared/api";
import { find, type KubeObject, ofKind, renderChart } from "./chart_kit.ts";

const NS = "kruise-system";

/** The parts of the sandbox policy the table tests compare. */
function policyShape(policy: KubeObject) {
  return { namespace: policy.metadata.namespace, ...policy.spec };
}

const SANDBOX_PODS = { matchLabels: { [LABEL_CREATED_BY]: CREATED_BY_SANDBOX } };
const FROM_MANAGER = {
  from: [{
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": NS } },
    podSelector: {
      matchLabels: {
        "app.kubernetes.io/name": "kruise-agents",
        "app.kubernetes.io/instance": "ka",
        "app.kubernetes.io/component": "manager",
      },
    },
  }],
};
const DNS = {
  to: [{
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
    podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
  }],
  ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
};
const PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"];
const internet = (except: string[]) => ({ to: [{ ipBlock: { cidr: "0.0.0.0/0", except } }] });
const policy = (namespace: string, egress: unknown[]) => ({
  namespace,
  podSelector: SANDBOX_PODS,
  policyTypes: ["Ingress", "Egress"],
  ingress: [FROM_MANAGER],
  egress,
});

Deno.test("sandbox NetworkPolicies: ingress only from the manager, egress DNS and the internet", async () => {
  const sandbox = (values: Record<string, unknown>) => ({ networkPolicy: { sandbox: values } });
  const cases: [string, Record<string, unknown>, unknown[]][] = [
    ["defaults", {}, [policy(NS, [DNS, internet(PRIVATE)])]],
    ["no internet", sandbox({ internetEgress: { enabled: false } }), [policy(NS, [DNS])]],
    [
      "cluster CIDRs excepted, IPv6 and repeats dropped",
      sandbox({ internetEgress: { clusterCIDRs: ["100.64.0.0/10", "10.0.0.0/8", "fd00::/8"] } }),
      [policy(NS, [DNS, internet([...PRIVATE, "100.64.0.0/10"])])],
    ],
    [
      "one per team namespace",
      sandbox({ namespaces: ["team-a", "team-b"] }),
      ["team-a", "team-b"].map((ns) => policy(ns, [DNS, internet(PRIVATE)])),
    ],
    [
      "another DNS",
      sandbox({ dns: { namespace: "dns", podLabels: { "k8s-app": null, app: "coredns" } } }),
      [policy(NS, [{
        ...DNS,
        to: [{
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "dns" } },
          podSelector: { matchLabels: { app: "coredns" } },
        }],
      }, internet(PRIVATE)])],
    ],
    ["off", sandbox({ enabled: false }), []],
  ];
  for (const [what, values, expected] of cases) {
    const policies = ofKind(await renderChart(values), "NetworkPolicy");
    assert.deepEqual(policies.map(policyShape), expected, what);
  }
});

Deno.test("the sandbox policy's manager selector selects the manager pods", async () => {
  const objects = await renderChart({});
  const labels =
    find(objects, "Deployment", "ka-kruise-agents-manager").spec.template.metadata.labels;
  const selector = ofKind(objects, "NetworkPolicy")[0]!.spec.ingress[0].from[0].podSelector;
  for (const [key, value] of Object.entries(selector.matchLabels)) assert.equal(labels[key], value);
  const controller = find(objects, "Deployment", "ka-kruise-agents-controller");
  assert.notEqual(
    controller.spec.template.metadata.labels["app.kubernetes.io/component"],
    "manager",
  );
});
