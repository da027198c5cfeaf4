import assert from "node:assert/strict";
import { canonicalJson } from "@kruise-agents/shared/std";
import { fnv1a32, hashObject } from "./hash.ts";

Deno.test("canonicalJson() sorts keys recursively and drops undefined members", () => {
  assert.deepEqual(
    canonicalJson({ b: [{ y: 1, x: 2 }], a: "s", u: undefined }),
    '{"a":"s","b":[{"x":2,"y":1}]}',
  );
});

Deno.test("fnv1a32() matches the published FNV-1a test vectors", () => {
  assert.deepEqual(fnv1a32(""), 0x811c9dc5);
  assert.deepEqual(fnv1a32("a"), 0xe40c292c);
  assert.deepEqual(fnv1a32("foobar"), 0xbf9cf968);
});

Deno.test("hashObject() is key-order independent, content sensitive and label safe", () => {
  const a = hashObject({ spec: { containers: [{ name: "m", image: "x" }] }, runtimes: [] });
  const b = hashObject({ runtimes: [], spec: { containers: [{ image: "x", name: "m" }] } });
  const c = hashObject({ spec: { containers: [{ name: "m", image: "y" }] }, runtimes: [] });
  assert.deepEqual(a, b);
  assert.ok(a !== c, "a changed image changes the hash");
  assert.ok(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/.test(a), `not label safe: ${a}`);
});
