import assert from "node:assert/strict";
import { delay } from "./async.ts";

Deno.test("delay() resolves after the time and rejects with the abort reason", async () => {
  await delay(1);
  const controller = new AbortController();
  const pending = delay(10_000, { signal: controller.signal });
  controller.abort(new Error("stop"));
  await assert.rejects(pending, { message: "stop" });
  await assert.rejects(delay(1, { signal: AbortSignal.abort(new Error("early")) }), {
    message: "early",
  });
});
