/**
 * The chart's runtime injection ConfigMap (`runtimeInjection`), rendered offline with helm: the
 * `agent-runtime` key as the controller parses and merges it, the extra keys, the switches, and
 * the flag that points the controller at it. RBAC for it is checked with the rest in
 * `chart_test.ts`.
 */
import assert from "node:assert/strict";
import { injectionConfig, injectRuntimes } from "../controller/sandbox/injection.ts";
import { find, type KubeObject, renderChart, templateChart } from "./chart_kit.ts";

const NS = "kruise-system";

function configMap(objects: KubeObject[]): KubeObject {
  return find(objects, "ConfigMap", "sandbox-injection-config");
}

Deno.test("the injection ConfigMap's agent-runtime key: emptyDir, install init container, mount and postStart", async () => {
  const objects = await renderChart({});
  const cm = configMap(objects);
  assert.equal(cm.metadata.namespace, NS);
  assert.deepEqual(Object.keys(cm.data), ["agent-runtime"]);
  assert.deepEqual(JSON.parse(cm.data["agent-runtime"]), {
    volume: [{ name: "agent-runtime", emptyDir: {} }],
    initContainers: [{
      name: "agent-runtime-install",
      image: "kruise-agents/agent-runtime:0.1.0",
      imagePullPolicy: "IfNotPresent",
      command: ["/bin/cp", "-a", "/opt/kruise-agents/.", "/mnt/agent-runtime/"],
      volumeMounts: [{ name: "agent-runtime", mountPath: "/mnt/agent-runtime" }],
      resources: {
        requests: { cpu: "50m", memory: "32Mi" },
        limits: { cpu: "500m", memory: "128Mi" },
      },
      securityContext: {
        runAsUser: 0,
        runAsNonRoot: false,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"], add: ["CHOWN", "FOWNER"] },
        seccompProfile: { type: "RuntimeDefault" },
      },
    }],
    mainContainer: {
      volumeMounts: [{ name: "agent-runtime", mountPath: "/mnt/agent-runtime", readOnly: true }],
      lifecycle: { postStart: { exec: { command: ["/bin/sh", "/mnt/agent-runtime/bin/start"] } } },
    },
  });
  // The controller reads what the chart renders: a plain Debian template gets it all.
  const config = injectionConfig(`${NS}/sandbox-injection-config`, cm as never);
  const template = { spec: { containers: [{ name: "main", image: "debian:12" }] } };
  const pod = injectRuntimes(template, [{ name: "agent-runtime" }], config);
  assert.deepEqual(pod.spec.initContainers?.map((c) => c.name), ["agent-runtime-install"]);
  assert.deepEqual(pod.spec.containers[0]!.lifecycle, {
    postStart: { exec: { command: ["/bin/sh", "/mnt/agent-runtime/bin/start"] } },
  });
  const args = find(objects, "Deployment", "ka-kruise-agents-controller").spec.template.spec
    .containers[0].args;
  assert.ok(args.includes(`--injection-config=${NS}/sandbox-injection-config`), args.join(" "));
});

Deno.test("runtimeInjection: image, extra keys, a renamed ConfigMap, and both switches", async () => {
  const custom = configMap(
    await renderChart({
      runtimeInjection: {
        agentRuntime: {
          image: { repository: "registry.example/agent-runtime", tag: "2", pullPolicy: "Always" },
        },
        extra: { csi: { csiSidecar: [{ name: "csi-plugin", image: "csi:1" }] } },
      },
    }),
  );
  assert.deepEqual(Object.keys(custom.data).sort(), ["agent-runtime", "csi"]);
  const init = JSON.parse(custom.data["agent-runtime"]).initContainers[0];
  assert.equal(init.image, "registry.example/agent-runtime:2");
  assert.equal(init.imagePullPolicy, "Always");
  assert.deepEqual(JSON.parse(custom.data.csi), {
    csiSidecar: [{ name: "csi-plugin", image: "csi:1" }],
  });

  const renamed = await renderChart({ runtimeInjection: { configMapName: "inject" } });
  assert.ok(find(renamed, "ConfigMap", "inject"));
  const args = find(renamed, "Deployment", "ka-kruise-agents-controller").spec.template.spec
    .containers[0].args;
  assert.ok(args.includes(`--injection-config=${NS}/inject`), args.join(" "));

  const noAgent = configMap(
    await renderChart({ runtimeInjection: { agentRuntime: { enabled: false } } }),
  );
  assert.equal(noAgent.data, undefined);

  // Off: no ConfigMap (managed outside the chart); the controller still reads the same name.
  const off = await renderChart({ runtimeInjection: { enabled: false } });
  assert.equal(off.filter((o) => o.kind === "ConfigMap").length, 0);
  const offArgs = find(off, "Deployment", "ka-kruise-agents-controller").spec.template.spec
    .containers[0].args;
  assert.ok(offArgs.includes(`--injection-config=${NS}/sandbox-injection-config`));
  assert.ok(find(off, "Role", "ka-kruise-agents-controller-injection-config"));
});

Deno.test("runtimeInjection.extra may not shadow the agent-runtime key", async () => {
  const run = await templateChart({ runtimeInjection: { extra: { "agent-runtime": {} } } });
  assert.ok(!run.success, "accepted");
  assert.match(
    run.stderr,
    /runtimeInjection\.extra\.agent-runtime: the key is runtimeInjection\.agentRuntime's/,
  );
  const replaced = await templateChart({
    runtimeInjection: { agentRuntime: { enabled: false }, extra: { "agent-runtime": {} } },
  });
  assert.ok(replaced.success, replaced.stderr);
});
