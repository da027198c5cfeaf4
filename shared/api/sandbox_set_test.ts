import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { schemaCoverage } from "./_schema_coverage.ts";
import { ANNOTATION_SHOULD_INIT_ENVD } from "./labels.ts";
import { parseSandboxSet, SANDBOX_SET_SCHEMA } from "./sandbox_set.ts";

/** A SandboxSet with every modelled field set (pod template and PVC contents are schemaless). */
function fullSandboxSet(): Record<string, unknown> {
  return {
    apiVersion: "agents.kruise.io/v1alpha1",
    kind: "SandboxSet",
    metadata: { name: "code-interpreter", namespace: "default", generation: 2 },
    spec: {
      replicas: 4,
      pauseStrategy: { type: "Hibernate", hibernateStrategy: { type: "Snapshot" } },
      persistentContents: ["ip"],
      runtimes: [{ name: "agent-runtime" }, { name: "csi" }],
      scaleStrategy: { maxUnavailable: 5 },
      updateStrategy: { maxUnavailable: "20%" },
      templateRef: { name: "code-interpreter-abc", kind: "SandboxTemplate", apiVersion: "v1" },
      template: { spec: { containers: [{ name: "sandbox", image: "busybox" }] } },
      volumeClaimTemplates: [{ metadata: { name: "data" } }],
    },
    status: {
      observedGeneration: 2,
      replicas: 4,
      availableReplicas: 3,
      updateRevision: "5d8f9c",
      currentRevision: "code-interpreter-5d8f9c",
      updatedReplicas: 4,
      updatedAvailableReplicas: 3,
      conditions: [{
        type: "ScalingLimited",
        status: "False",
        observedGeneration: 2,
        lastTransitionTime: "2026-01-02T03:04:09Z",
        reason: "Ok",
        message: "",
      }],
      selector: "agents.kruise.io/sandbox-pool=code-interpreter," +
        "agents.kruise.io/sandbox-claimed=false",
    },
  };
}

Deno.test("parseSandboxSet() keeps every field of a fully populated SandboxSet", () => {
  const full = fullSandboxSet();
  assert.deepEqual(parseSandboxSet(structuredClone(full)), full);
});

Deno.test("SANDBOX_SET_SCHEMA names exactly the fields of the SandboxSet model", () => {
  assert.deepEqual(schemaCoverage(SANDBOX_SET_SCHEMA, fullSandboxSet()), []);
});

Deno.test("parseSandboxSet() reads the reference's code-interpreter example", async () => {
  const text = await Deno.readTextFile(
    new URL("./testdata/code_interpreter_sandboxset.yaml", import.meta.url),
  );
  const pool = parseSandboxSet(parseYaml(text));
  assert.equal(pool.metadata.name, "code-interpreter");
  assert.equal(pool.metadata.annotations?.[ANNOTATION_SHOULD_INIT_ENVD], "true");
  assert.equal(pool.spec.replicas, 2);
  const main = pool.spec.template?.spec.containers[0];
  assert.equal(main?.name, "sandbox");
  assert.equal(main?.image, "e2bdev/code-interpreter:latest");
  // Pod fields we do not model are kept verbatim, including the example's odd capitalisation.
  assert.equal(main?.ImagePullPolicy, "IfNotPresent");
  assert.equal(pool.spec.template?.spec.terminationGracePeriodSeconds, 1);
  assert.equal(pool.spec.template?.spec.initContainers?.[0]?.restartPolicy, "Always");
});

// Fixtures are mutated freely to build bad inputs.
// deno-lint-ignore no-explicit-any
type Loose = any;

Deno.test("parseSandboxSet() throws TypeError naming the first bad field", async (t) => {
  const cases: [string, (s: Loose) => void, RegExp][] = [
    ["wrong kind", (s) => s.kind = "Sandbox", /SandboxSet\.kind: expected "SandboxSet"/],
    ["replicas missing", (s) => delete s.spec.replicas, /spec\.replicas: expected an integer/],
    ["replicas as string", (s) => s.spec.replicas = "3", /spec\.replicas: expected an integer/],
    ["maxUnavailable bool", (s) => s.spec.updateStrategy.maxUnavailable = true, /an integer or/],
    ["maxUnavailable 1.5", (s) => s.spec.scaleStrategy.maxUnavailable = 1.5, /an integer or/],
    ["templateRef name", (s) => s.spec.templateRef = { kind: "X" }, /templateRef\.name/],
    ["template not object", (s) => s.spec.template = [], /template: expected an object, got ar/],
    ["pvc not object", (s) => s.spec.volumeClaimTemplates = ["x"], /volumeClaimTemplates\[0\]/],
    ["selector number", (s) => s.status.selector = 1, /status\.selector: expected a string/],
    ["available string", (s) => s.status.availableReplicas = "3", /availableReplicas/],
    ["conditions object", (s) => s.status.conditions = {}, /conditions: expected an array/],
  ];
  for (const [name, mutate, message] of cases) {
    await t.step(name, () => {
      const value: Loose = fullSandboxSet();
      mutate(value);
      assert.throws(() => parseSandboxSet(value), { name: "TypeError", message });
    });
  }
});
