import assert from "node:assert/strict";
import { applyMergePatch } from "./_merge_patch.ts";

// The examples of RFC 7386, appendix A.
const CASES: [unknown, unknown, unknown][] = [
  [{ a: "b" }, { a: "c" }, { a: "c" }],
  [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
  [{ a: "b" }, { a: null }, {}],
  [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
  [{ a: ["b"] }, { a: "c" }, { a: "c" }],
  [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
  [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
  [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
  [["a", "b"], ["c", "d"], ["c", "d"]],
  [{ a: "b" }, ["c"], ["c"]],
  [{ a: "foo" }, null, null],
  [{ a: "foo" }, "bar", "bar"],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: "b", c: null }, { a: "b" }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

Deno.test("applyMergePatch() follows the examples of RFC 7386", () => {
  for (const [target, patch, expected] of CASES) {
    assert.deepEqual(applyMergePatch(target, patch), expected, JSON.stringify([target, patch]));
  }
});

Deno.test("applyMergePatch() modifies neither the target nor the patch", () => {
  const target = { a: { b: 1 } };
  const patch = { a: { c: [1] } };
  const result = applyMergePatch(target, patch) as { a: { c: number[] } };
  result.a.c.push(2);
  assert.deepEqual(target, { a: { b: 1 } });
  assert.deepEqual(patch, { a: { c: [1] } });
});

Deno.test("applyMergePatch() treats an undefined member as absent, as JSON would carry it", () => {
  const target = { metadata: { annotations: { keep: "me" }, resourceVersion: "1" } };
  const patch = { metadata: { annotations: undefined, resourceVersion: "1" }, spec: { x: 1 } };
  assert.deepEqual(applyMergePatch(target, patch), {
    metadata: { annotations: { keep: "me" }, resourceVersion: "1" },
    spec: { x: 1 },
  });
  assert.deepEqual(
    applyMergePatch(target, patch),
    JSON.parse(JSON.stringify(applyMergePatch(target, JSON.parse(JSON.stringify(patch))))),
  );
});
