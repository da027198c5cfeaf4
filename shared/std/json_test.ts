import assert from "node:assert/strict";
import { canonicalJson, deepEqual, isRecord, rfc3339Seconds, safeEqual } from "./mod.ts";

Deno.test("deepEqual() ignores key order and undefined members", () => {
  const cases: [unknown, unknown, boolean][] = [
    [{ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }, true],
    [{ a: 1, x: undefined }, { a: 1 }, true],
    [[1, 2], [2, 1], false],
    [{ a: [] }, { a: {} }, false],
    [null, {}, false],
    ["1", 1, false],
  ];
  for (const [a, b, want] of cases) assert.equal(deepEqual(a, b), want, `${a} ~ ${b}`);
});

Deno.test("canonicalJson() sorts keys recursively", () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [undefined], c: 2 } }),
    '{"a":{"c":2,"d":[null]},"b":1}',
  );
});

Deno.test("isRecord(), safeEqual() and rfc3339Seconds()", () => {
  assert.equal(isRecord({}), true);
  assert.equal(isRecord(null), false);
  assert.equal(isRecord([]), false);
  assert.equal(safeEqual("abc", "abc"), true);
  assert.equal(safeEqual("abc", "abd"), false);
  assert.equal(safeEqual("abc", "abcd"), false);
  assert.equal(rfc3339Seconds(Date.UTC(2030, 0, 1, 0, 0, 1, 999)), "2030-01-01T00:00:01Z");
});
