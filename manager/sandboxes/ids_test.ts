import assert from "node:assert/strict";
import { isSandboxId, newSandboxId } from "./ids.ts";

Deno.test("newSandboxId() is 20 chars of [a-z0-9], never a dash, and unique", () => {
  const ids = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const id = newSandboxId();
    assert.match(id, /^[a-z0-9]{20}$/);
    assert.ok(isSandboxId(id));
    ids.add(id);
  }
  assert.equal(ids.size, 2000);
});

Deno.test("isSandboxId() refuses what cannot be a label value or host label", () => {
  for (const bad of ["", "a-b", "ABC", "a.b", "a/b", "x".repeat(64)]) {
    assert.ok(!isSandboxId(bad), bad);
  }
});
