import assert from "node:assert/strict";
import { BodyTooLargeError, readJson, readText } from "./mod.ts";

function post(body: BodyInit | null, headers: HeadersInit = {}): Request {
  return new Request("http://x/", { method: "POST", body, headers });
}

Deno.test("readJson() parses a body, gives undefined for an empty one, SyntaxError for junk", async () => {
  assert.deepEqual(await readJson(post('{"a":[1]}')), { a: [1] });
  assert.equal(await readJson(post("  ")), undefined);
  assert.equal(await readJson(post(null)), undefined);
  await assert.rejects(readJson(post("{nope")), SyntaxError);
});

Deno.test("readText() stops at the cap, streamed or declared", async () => {
  const chunks = ReadableStream.from(["x".repeat(600), "y".repeat(600)]).pipeThrough(
    new TextEncoderStream(),
  );
  await assert.rejects(readText(post(chunks), { maxBytes: 1000 }), BodyTooLargeError);
  await assert.rejects(
    readJson(post("{}", { "content-length": "5000" }), { maxBytes: 10 }),
    (e: unknown) => e instanceof BodyTooLargeError && e.limit === 10,
  );
  assert.equal(await readText(post("é".repeat(10)), { maxBytes: 20 }), "é".repeat(10));
});
