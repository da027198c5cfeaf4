import assert from "node:assert/strict";
import { createRuntime } from "./server.ts";
import { RuntimeState } from "./state.ts";
import { warmUp } from "./warm_up.ts";

Deno.test("warmUp() runs one command to its end and leaves no process running", async () => {
  await using rt = createRuntime();
  assert.equal(await warmUp(rt.fetch), true);
  assert.deepEqual(rt.processes.running(), []);
  // A runtime that cannot run commands reports it.
  assert.equal(await warmUp(() => Promise.resolve(new Response("nope", { status: 500 }))), false);
});

Deno.test("warmUp() passes the access token of a runtime that has one", async () => {
  await using rt = createRuntime({ state: new RuntimeState({ accessToken: "t0k3n" }) });
  assert.equal(await warmUp(rt.fetch), false);
  assert.equal(await warmUp(rt.fetch, "t0k3n"), true);
});
