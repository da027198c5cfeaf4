import assert from "node:assert/strict";
import { parseCondition, parseObjectMeta, parseOwnerReference } from "./meta.ts";

Deno.test("parseObjectMeta() keeps the modelled fields and drops the rest", () => {
  const meta = {
    name: "a",
    namespace: "ns",
    labels: { k: "v" },
    ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "o", uid: "u" }],
    finalizers: ["agents.kruise.io/sandbox"],
    managedFields: [{ manager: "kubectl" }],
    selfLink: "/x",
  };
  assert.deepEqual(parseObjectMeta(meta), {
    name: "a",
    namespace: "ns",
    labels: { k: "v" },
    ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "o", uid: "u" }],
    finalizers: ["agents.kruise.io/sandbox"],
  });
});

Deno.test("parseObjectMeta() returns copies, not the input's maps", () => {
  const labels = { k: "v" };
  const parsed = parseObjectMeta({ labels });
  labels.k = "changed";
  assert.equal(parsed.labels?.k, "v");
});

Deno.test("meta parsers throw TypeError naming the bad field", async (t) => {
  const cases: [string, () => unknown, RegExp][] = [
    [
      "meta null",
      () => parseObjectMeta(null),
      /^Cannot parse metadata: expected an object, got null$/,
    ],
    ["finalizer number", () => parseObjectMeta({ finalizers: [1] }), /metadata\.finalizers\[0\]/],
    [
      "annotations array",
      () => parseObjectMeta({ annotations: [] }),
      /annotations: expected an obj/,
    ],
    ["owner kind", () => parseOwnerReference({ apiVersion: "v1", name: "n", uid: "u" }), /\.kind/],
    [
      "owner controller",
      () => parseOwnerReference({ apiVersion: "v", kind: "k", name: "n", uid: "u", controller: 1 }),
      /ownerReference\.controller: expected a boolean, got number/,
    ],
    [
      "condition status",
      () =>
        parseCondition({
          type: "Ready",
          status: "true",
          lastTransitionTime: "2026-01-01T00:00:00Z",
          reason: "R",
          message: "",
        }),
      /condition\.status: expected one of "True", "False", "Unknown", got string/,
    ],
    [
      "condition message",
      () =>
        parseCondition({
          type: "Ready",
          status: "True",
          lastTransitionTime: "2026-01-01T00:00:00Z",
          reason: "R",
        }),
      /condition\.message: expected a string, got undefined/,
    ],
  ];
  for (const [name, run, message] of cases) {
    await t.step(name, () => assert.throws(run, { name: "TypeError", message }));
  }
});
