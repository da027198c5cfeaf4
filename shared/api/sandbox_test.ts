import assert from "node:assert/strict";
import { schemaCoverage } from "./_schema_coverage.ts";
import { LABEL_SANDBOX_CLAIMED, LABEL_SANDBOX_POOL } from "./labels.ts";
import { parseSandbox } from "./sandbox.ts";
import { SANDBOX_SCHEMA } from "./sandbox_schema.ts";

/** A Sandbox with every modelled field set (pod template and PVC contents are schemaless). */
function fullSandbox(): Record<string, unknown> {
  return {
    apiVersion: "agents.kruise.io/v1alpha1",
    kind: "Sandbox",
    metadata: {
      name: "code-interpreter-x7k2p",
      generateName: "code-interpreter-",
      namespace: "default",
      uid: "6f1c0e9a-1111-4c1e-9d2b-000000000001",
      resourceVersion: "42",
      generation: 3,
      creationTimestamp: "2026-01-02T03:04:05Z",
      deletionTimestamp: "2026-01-02T04:04:05Z",
      deletionGracePeriodSeconds: 0,
      labels: { [LABEL_SANDBOX_POOL]: "code-interpreter", [LABEL_SANDBOX_CLAIMED]: "false" },
      annotations: { "agents.kruise.io/lock": "0b4e" },
      ownerReferences: [{
        apiVersion: "agents.kruise.io/v1alpha1",
        kind: "SandboxSet",
        name: "code-interpreter",
        uid: "6f1c0e9a-1111-4c1e-9d2b-000000000002",
        controller: true,
        blockOwnerDeletion: true,
      }],
      finalizers: ["agents.kruise.io/sandbox"],
    },
    spec: {
      paused: false,
      pauseStrategy: { type: "Stop", hibernateStrategy: { type: "Snapshot" } },
      persistentContents: ["filesystem"],
      shutdownTime: "2026-01-02T03:09:05Z",
      pauseTime: "2026-01-02T03:08:05Z",
      runtimes: [{ name: "agent-runtime" }],
      lifecycle: {
        preUpgrade: { exec: { command: ["sync"] }, timeoutSeconds: 60 },
        postUpgrade: { exec: { command: ["true"] }, timeoutSeconds: 30 },
      },
      upgradePolicy: { type: "Recreate" },
      templateRef: { name: "code-interpreter-abc", kind: "SandboxTemplate", apiVersion: "v1" },
      template: {
        metadata: { labels: { app: "ci" }, annotations: { note: "x" } },
        spec: {
          initContainers: [{ name: "init", image: "runtime:1", restartPolicy: "Always" }],
          containers: [{ name: "sandbox", image: "e2bdev/code-interpreter:latest" }],
          terminationGracePeriodSeconds: 1,
        },
      },
      volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["RWO"] } }],
    },
    status: {
      observedGeneration: 3,
      phase: "Running",
      message: "",
      conditions: [{
        type: "Ready",
        status: "True",
        observedGeneration: 3,
        lastTransitionTime: "2026-01-02T03:04:09Z",
        reason: "PodReady",
        message: "",
      }],
      podInfo: {
        annotations: { a: "b" },
        labels: { c: "d" },
        nodeName: "local",
        podIP: "127.0.1.2",
        podUID: "6f1c0e9a-1111-4c1e-9d2b-000000000003",
      },
      nodeName: "local",
      sandboxIp: "127.0.1.2",
      updateRevision: "5d8f9c",
      recycledCount: 1,
    },
  };
}

Deno.test("parseSandbox() keeps every field of a fully populated Sandbox", () => {
  const full = fullSandbox();
  assert.deepEqual(parseSandbox(structuredClone(full)), full);
});

Deno.test("SANDBOX_SCHEMA names exactly the fields of the Sandbox model", () => {
  assert.deepEqual(schemaCoverage(SANDBOX_SCHEMA, fullSandbox()), []);
});

Deno.test("parseSandbox() drops managedFields and fields the model does not know", () => {
  const sbx = fullSandbox() as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  sbx.metadata.managedFields = [{ manager: "kubectl" }];
  sbx.spec.somethingNew = 1;
  const parsed = parseSandbox(sbx);
  assert.equal("managedFields" in parsed.metadata, false);
  assert.equal("somethingNew" in parsed.spec, false);
});

Deno.test("parseSandbox() treats null optional fields as absent", () => {
  const parsed = parseSandbox({
    apiVersion: "agents.kruise.io/v1alpha1",
    kind: "Sandbox",
    metadata: { name: "a", labels: null },
    spec: { paused: null, templateRef: { name: "t" } },
    status: null,
  });
  assert.deepEqual(parsed, {
    apiVersion: "agents.kruise.io/v1alpha1",
    kind: "Sandbox",
    metadata: { name: "a" },
    spec: { templateRef: { name: "t" } },
  });
});

// Fixtures are mutated freely to build bad inputs.
// deno-lint-ignore no-explicit-any
type Loose = any;

Deno.test("parseSandbox() throws TypeError naming the first bad field", async (t) => {
  const cases: [string, (s: Loose) => void, RegExp][] = [
    ["not an object", () => {}, /^Cannot parse Sandbox: expected an object, got string$/],
    ["wrong apiVersion", (s) => s.apiVersion = "v1", /Sandbox\.apiVersion: expected "agents/],
    ["wrong kind", (s) => s.kind = "Pod", /Sandbox\.kind: expected "Sandbox", got string/],
    ["missing spec", (s) => delete s.spec, /Sandbox\.spec: expected an object, got undefined/],
    ["paused as string", (s) => s.spec.paused = "yes", /spec\.paused: expected a boolean/],
    [
      "unknown pause type",
      (s) => s.spec.pauseStrategy.type = "Suspend",
      /"Freeze", "Stop", "Hibernate"/,
    ],
    ["runtime without name", (s) => s.spec.runtimes = [{}], /spec\.runtimes\[0\]\.name/],
    ["label value number", (s) => s.metadata.labels.x = 1, /metadata\.labels\.x: expected a str/],
    ["owner without uid", (s) => delete s.metadata.ownerReferences[0].uid, /\[0\]\.uid/],
    ["container without name", (s) => s.spec.template.spec.containers = [{}], /containers\[0\]/],
    [
      "containers missing",
      (s) => delete s.spec.template.spec.containers,
      /containers: expected an a/,
    ],
    [
      "fractional generation",
      (s) => s.metadata.generation = 1.5,
      /generation: expected an integer/,
    ],
    ["unknown phase", (s) => s.status.phase = "Sleeping", /status\.phase: expected one of/],
    ["condition status", (s) => s.status.conditions[0].status = true, /conditions\[0\]\.status/],
    ["condition reason", (s) => delete s.status.conditions[0].reason, /conditions\[0\]\.reason/],
    [
      "recycledCount",
      (s) => s.status.recycledCount = "1",
      /status\.recycledCount: expected an int/,
    ],
    ["upgrade policy", (s) => s.spec.upgradePolicy.type = "InPlace", /upgradePolicy\.type/],
    ["hook command", (s) => s.spec.lifecycle.preUpgrade.exec.command = "sync", /command: expec/],
  ];
  for (const [name, mutate, message] of cases) {
    await t.step(name, () => {
      const value: Loose = name === "not an object" ? "Sandbox" : fullSandbox();
      mutate(value);
      assert.throws(() => parseSandbox(value), { name: "TypeError", message });
    });
  }
});
