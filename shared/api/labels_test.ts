import assert from "node:assert/strict";
import * as keys from "./labels.ts";

const KEY_GROUPS = ["LABEL_", "ANNOTATION_", "FINALIZER_", "METADATA_"];

Deno.test("labels.ts spells each key once per kind of key", () => {
  for (const group of KEY_GROUPS) {
    const values = Object.entries(keys)
      .filter(([name, value]) => name.startsWith(group) && typeof value === "string")
      .map(([, value]) => value as string);
    assert.ok(values.length > 0, group);
    assert.equal(new Set(values).size, values.length, `duplicate value among ${group}*`);
  }
});

Deno.test("labels.ts keys are qualified names under the reference's prefixes", () => {
  const prefixes = [keys.PREFIX_AGENTS, keys.PREFIX_E2B, keys.PREFIX_SANDBOX, keys.PREFIX_SECURITY];
  for (const [name, value] of Object.entries(keys)) {
    if (!KEY_GROUPS.some((g) => name.startsWith(g)) || name === "METADATA_LABEL_PREFIX") continue;
    if (value === keys.LABEL_POD_TEMPLATE_HASH) continue; // the one unprefixed key, as in Kubernetes
    assert.ok(prefixes.some((p) => (value as string).startsWith(p)), `${name} = ${value}`);
    assert.match(value as string, /^[a-z0-9.]+\/[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, name);
  }
});

Deno.test("labels.ts has the seed's three E2B metadata keys", () => {
  assert.equal(keys.METADATA_IMAGE, "e2b.agents.kruise.io/image");
  assert.equal(keys.METADATA_CSI_VOLUME_NAME, "e2b.agents.kruise.io/csi-volume-name");
  assert.equal(keys.METADATA_CSI_MOUNT_POINT, "e2b.agents.kruise.io/csi-mount-point");
});

Deno.test("isReservedKey() reserves the agents and e2b prefixes only", async (t) => {
  const cases: [string, boolean][] = [
    [keys.LABEL_SANDBOX_CLAIMED, true],
    [keys.METADATA_IMAGE, true],
    ["agents.kruise.io/anything", true],
    ["e2b.agents.kruise.io/", true],
    ["security.agents.kruise.io/agent-name", false],
    ["example.com/agents.kruise.io/x", false],
    ["team", false],
    ["kruise.io/x", false],
  ];
  for (const [key, reserved] of cases) {
    await t.step(key, () => assert.equal(keys.isReservedKey(key), reserved));
  }
});
