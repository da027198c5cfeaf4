import assert from "node:assert/strict";
import {
  ANNOTATION_CSI_VOLUME_CONFIG,
  ANNOTATION_E2B_METADATA,
  ANNOTATION_UPDATED_METADATA_IN_CLAIM,
  API_VERSION,
  METADATA_CSI_MOUNT_POINT,
  METADATA_CSI_VOLUME_NAME,
  parseSandbox,
  type Sandbox,
} from "@kruise-agents/shared/api";
import { ApiError } from "../errors.ts";
import {
  checkVolumeMount,
  MAX_METADATA_BYTES,
  planMetadata,
  readMetadata,
  readVolumeMounts,
} from "./metadata.ts";

function sandboxWith(
  annotations: Record<string, string>,
  labels: Record<string, string> = {},
): Sandbox {
  return parseSandbox({
    apiVersion: API_VERSION,
    kind: "Sandbox",
    metadata: { name: "s", namespace: "ns", annotations, labels },
    spec: {},
  });
}

function is400(fn: () => unknown): boolean {
  try {
    fn();
  } catch (error) {
    return error instanceof ApiError && error.status === 400;
  }
  return false;
}

Deno.test("planMetadata() stores free-form metadata verbatim and readMetadata() gives it back", () => {
  const metadata = {
    "key with spaces": "v",
    "dotted.key": "x",
    "a/b/c": "slashes",
    "": "empty key",
    unicode: "ünïcødé ✓",
    long: "x".repeat(10_000),
    "label:tier": "gold",
  };
  const plan = planMetadata(metadata);
  assert.deepEqual(JSON.parse(plan.annotations[ANNOTATION_E2B_METADATA]!), metadata);
  // `label:` keys also become labels, as in the reference.
  assert.deepEqual(plan.labels, { tier: "gold" });
  assert.deepEqual(JSON.parse(plan.claimedKeys), {
    labels: ["tier"],
    annotations: [ANNOTATION_E2B_METADATA],
  });
  const sandbox = sandboxWith(plan.annotations, plan.labels);
  assert.deepEqual(readMetadata(sandbox), metadata);
  // No metadata: no annotation at all.
  assert.deepEqual(planMetadata({}).annotations, {});
  assert.deepEqual(readMetadata(sandboxWith({})), {});
});

Deno.test("planMetadata() refuses reserved keys, bad labels and oversized metadata with 400", () => {
  for (
    const bad of <Record<string, string>[]> [
      { "agents.kruise.io/x": "1" },
      { "e2b.agents.kruise.io/sandbox-name": "x" },
      { "label:agents.kruise.io/x": "1" },
      { "label:bad key": "1" },
      { "label:ok": "not a label value!" },
      { "e2b.agents.kruise.io/csi-volume-name": "pv" },
      { big: "x".repeat(MAX_METADATA_BYTES) },
    ]
  ) {
    assert.ok(is400(() => planMetadata(bad)), JSON.stringify(Object.keys(bad)));
  }
});

Deno.test("planMetadata() takes the claim's switches out of the metadata", () => {
  const plan = planMetadata({
    "e2b.agents.kruise.io/create-on-no-stock": "false",
    "e2b.agents.kruise.io/skip-init-runtime": "true",
  });
  assert.equal(plan.createOnNoStock, false);
  assert.equal(plan.skipInitRuntime, true);
  assert.deepEqual(plan.annotations, {});
});

Deno.test("readMetadata() still reads sandboxes claimed with one annotation per key", () => {
  const legacy = sandboxWith(
    {
      [ANNOTATION_UPDATED_METADATA_IN_CLAIM]: JSON.stringify({
        labels: ["tier"],
        annotations: ["team"],
      }),
      team: "x",
      "agents.kruise.io/lock": "not metadata",
    },
    { tier: "gold", "agents.kruise.io/sandbox-claimed": "true" },
  );
  assert.deepEqual(readMetadata(legacy), { tier: "gold", team: "x" });
});

Deno.test("planMetadata() joins volumeMounts and the CSI keys into one mount list", () => {
  const plan = planMetadata(
    { [METADATA_CSI_VOLUME_NAME]: "pv-1", [METADATA_CSI_MOUNT_POINT]: "/data" },
    { volumeMounts: [{ name: "pv-2", path: "/cache" }] },
  );
  assert.deepEqual(JSON.parse(plan.annotations[ANNOTATION_CSI_VOLUME_CONFIG]!), [
    { pvName: "pv-1", mountPath: "/data" },
    { pvName: "pv-2", mountPath: "/cache" },
  ]);
  assert.equal(plan.annotations[ANNOTATION_E2B_METADATA], undefined); // extension keys only
  assert.deepEqual(readVolumeMounts(sandboxWith(plan.annotations)), [
    { name: "pv-1", path: "/data" },
    { name: "pv-2", path: "/cache" },
  ]);
  assert.ok(is400(() =>
    planMetadata({}, {
      volumeMounts: [{ name: "a", path: "/x" }, { name: "b", path: "/x" }],
    })
  ));
  assert.deepEqual(readVolumeMounts(sandboxWith({})), []);
});

Deno.test("checkVolumeMount() applies E2B's path rules", () => {
  const cases: [string, string, boolean][] = [
    ["v", "/data", true],
    ["v", "/", true],
    ["v", "/a/b", true],
    ["", "/data", false],
    ["v", "", false],
    ["v", "data", false],
    ["v", "/a/../b", false],
    ["v", "/a/./b", false],
    ["v", "/a//b", false],
    ["v", "/a/", false],
  ];
  for (const [name, path, ok] of cases) {
    assert.equal(checkVolumeMount({ name, path }) === undefined, ok, `${name} ${path}`);
  }
});
