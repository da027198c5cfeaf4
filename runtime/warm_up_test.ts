import assert from "node:assert/strict";
import { createRuntime } from "./server.ts";
import { RuntimeState } from "./state.ts";
import { loopbackOf, warmUp, warmUpInit } from "./warm_up.ts";

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

Deno.test("warmUpInit() gets 204 from the runtime's socket and applies nothing", async () => {
  const state = new RuntimeState({ accessToken: "t0k3n", envVars: { A: "1" } });
  await using rt = createRuntime({ state });
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, rt.fetch);
  const url = `http://127.0.0.1:${server.addr.port}`;
  const before = structuredClone(state.envVars);
  assert.equal(await warmUpInit(url), false, "no token: refused");
  assert.equal(await warmUpInit(url, "t0k3n"), true);
  assert.deepEqual(
    [state.envVars, state.accessToken, state.defaultUser],
    [before, "t0k3n", new RuntimeState({}).defaultUser],
  );
  // A later real /init with an old timestamp still applies: the warm-up set none.
  assert.equal(state.apply({ timestamp: "1971-01-01T00:00:00Z", envVars: { B: "2" } }), true);
});

Deno.test("loopbackOf() reaches a wildcard listener on loopback", () => {
  const cases: [string, string][] = [
    ["0.0.0.0", "127.0.0.1"],
    ["::", "::1"],
    ["127.0.0.1", "127.0.0.1"],
    ["::1", "::1"],
  ];
  for (const [host, want] of cases) assert.equal(loopbackOf(host), want, host);
});
