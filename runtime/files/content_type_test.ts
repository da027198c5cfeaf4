import assert from "node:assert/strict";
import { contentTypeFor } from "./content_type.ts";

Deno.test("contentTypeFor() goes by extension, then sniffs", () => {
  const bytes = (...b: number[]) => new Uint8Array(b);
  const text = new TextEncoder().encode("hello\nworld\t!");
  assert.equal(contentTypeFor("/a/notes.TXT", bytes(0)), "text/plain; charset=utf-8");
  assert.equal(contentTypeFor("/a/data.json", text), "application/json");
  assert.equal(contentTypeFor("/a/noext", text), "text/plain; charset=utf-8");
  assert.equal(
    contentTypeFor("/a/noext", bytes(0x89, 0x50, 0x4e, 0x47, 13, 10, 0x1a, 10)),
    "image/png",
  );
  assert.equal(contentTypeFor("/a/noext", bytes(1, 2, 3)), "application/octet-stream");
  assert.equal(
    contentTypeFor("/a/page", new TextEncoder().encode(" <!DOCTYPE html>")),
    "text/html; charset=utf-8",
  );
});
