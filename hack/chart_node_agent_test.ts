/**
 * The chart's node agent (controller/node_agent), rendered offline with a real helm: a DaemonSet on
 * every node (every taint tolerated) running the controller image's `node-agent` launcher with its
 * own flags only, root with no capability and the host's cgroup mount, and RBAC that is exactly
 * what its source calls; `nodeAgent.enabled: false` renders none of it.
 */
import assert from "node:assert/strict";
import { NODE_AGENT_USAGE } from "../controller/node_agent/main.ts";
import { find, inventory, renderChart, ROOT } from "./chart_kit.ts";
import { programRules, type Rule } from "./chart_kube_usage.ts";

const NS = "kruise-system";

function flatten(rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[]): Rule[] {
  return rules.flatMap((r) =>
    r.apiGroups.flatMap((apiGroup) =>
      r.resources.map((resource) => ({ apiGroup, resource, verbs: [...r.verbs].sort() }))
    )
  ).sort((a, b) => `${a.apiGroup}|${a.resource}`.localeCompare(`${b.apiGroup}|${b.resource}`));
}

Deno.test("node agent DaemonSet: every node, its flags only, root with no capability, the host's cgroups", async () => {
  const objects = await renderChart({ nodeAgent: { kubeletCgroupRoot: "/kubelet" } });
  const daemonSet = find(objects, "DaemonSet", "ka-kruise-agents-node-agent");
  const pod = daemonSet.spec.template.spec;
  assert.equal(pod.serviceAccountName, "ka-kruise-agents-node-agent");
  assert.deepEqual(pod.tolerations, [{ operator: "Exists" }]);
  assert.deepEqual(pod.securityContext, {
    runAsUser: 0,
    runAsGroup: 0,
    runAsNonRoot: false,
    seccompProfile: { type: "RuntimeDefault" },
  });
  const [container] = pod.containers;
  assert.equal(container.image, "kruise-agents/controller:0.1.0");
  assert.deepEqual(container.command, ["/usr/local/bin/node-agent"]);
  assert.deepEqual(container.args, [
    "--cgroup-mount=/host/cgroup",
    "--kubelet-cgroup-root=/kubelet",
    "--health-port=8082",
    "--watch-timeout-seconds=300",
  ]);
  const known = new Set(NODE_AGENT_USAGE.match(/--[a-z][a-z-]*/g));
  for (const arg of container.args as string[]) {
    assert.ok(known.has(arg.split("=")[0]!), `unknown flag ${arg}`);
  }
  assert.deepEqual(container.env, [
    { name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
  ]);
  assert.deepEqual(container.securityContext, {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
  });
  assert.deepEqual(container.readinessProbe.httpGet, { path: "/readyz", port: "health" });
  assert.deepEqual(
    container.volumeMounts.find((m: { name: string }) => m.name === "cgroup"),
    { name: "cgroup", mountPath: "/host/cgroup" },
  );
  assert.deepEqual(pod.volumes.find((v: { name: string }) => v.name === "cgroup").hostPath, {
    path: "/sys/fs/cgroup",
    type: "Directory",
  });
});

Deno.test("node agent RBAC is exactly what its source calls", async () => {
  const objects = await renderChart({});
  assert.deepEqual(
    flatten(find(objects, "ClusterRole", "ka-kruise-agents-node-agent").rules),
    await programRules(`${ROOT}controller/node_agent/main.ts`),
  );
  assert.deepEqual(find(objects, "ClusterRoleBinding", "ka-kruise-agents-node-agent").subjects, [
    { kind: "ServiceAccount", name: "ka-kruise-agents-node-agent", namespace: NS },
  ]);
});

Deno.test("nodeAgent.enabled false renders no node agent", async () => {
  const objects = inventory(await renderChart({ nodeAgent: { enabled: false } }));
  assert.deepEqual(objects.filter((o) => o.includes("node-agent")), []);
});
