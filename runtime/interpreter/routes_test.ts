/**
 * The interpreter's HTTP layer without Jupyter: the access-token gate and the body cap. The
 * context manager's server never comes up, so any request that got past these would hang; each
 * request here is answered before it reaches a context.
 */
import assert from "node:assert/strict";
import { ContextManager } from "./context_manager.ts";
import type { JupyterServer } from "./jupyter_server.ts";
import { createRoutes, type StartupState } from "./routes.ts";

function app(token: string | undefined, startup: StartupState = { state: "ready" }) {
  const never = new Promise<JupyterServer>(() => {});
  const contexts = new ContextManager({ current: () => never }, {
    getEnvs: () => ({}),
    cwd: "/",
  });
  return createRoutes({
    contexts,
    startup: () => startup,
    ready: Promise.resolve(),
    accessToken: () => token,
  });
}

Deno.test("createRoutes() needs the token on every route but /health and /contexts*", async () => {
  const routes = app("s3cret");
  const denied = await routes.request("/execute", { method: "POST", body: '{"code":"1"}' });
  assert.equal(denied.status, 401);
  assert.equal(await denied.text(), "Unauthorized");
  const wrong = await routes.request("/execute", {
    method: "POST",
    headers: { "x-access-token": "nope" },
    body: '{"code":"1"}',
  });
  assert.equal(wrong.status, 401);
  await wrong.body?.cancel();
  // Past the gate: a bad body is the validation error, so the token was accepted.
  const admitted = await routes.request("/execute", {
    method: "POST",
    headers: { "x-access-token": "s3cret" },
    body: "{",
  });
  assert.equal(admitted.status, 422);
  await admitted.body?.cancel();
  assert.equal((await routes.request("/health")).status, 200);
  assert.equal((await routes.request("/contexts")).status, 200);
  const unknownContext = await routes.request("/contexts/nope", { method: "DELETE" });
  assert.equal(unknownContext.status, 404, "open, and answered by the route");
  await unknownContext.body?.cancel();
  assert.equal((await routes.request("/other")).status, 401);
});

Deno.test("createRoutes() without a token is open", async () => {
  const admitted = await app(undefined).request("/execute", { method: "POST", body: "{" });
  assert.equal(admitted.status, 422);
  await admitted.body?.cancel();
});

Deno.test("createRoutes() refuses /execute and /contexts bodies over 16 MiB with 413", async () => {
  const routes = app("s3cret");
  const big = JSON.stringify({ code: "x".repeat(16 * 1024 * 1024) });
  for (const path of ["/execute", "/contexts"]) {
    const res = await routes.request(path, {
      method: "POST",
      headers: { "x-access-token": "s3cret" },
      body: big,
    });
    assert.equal(res.status, 413, path);
    assert.match(await res.text(), /larger than 16777216 bytes/);
  }
});

Deno.test("createRoutes() answers /health by the interpreter's state", async () => {
  const cases: [StartupState, number, string][] = [
    [{ state: "ready" }, 200, '"OK"'],
    [{ state: "starting" }, 503, "Starting"],
    [{ state: "restarting" }, 503, "Restarting Jupyter Server"],
    [{ state: "failed", error: new Error("no python3") }, 500, "Startup failed: no python3"],
  ];
  for (const [startup, status, body] of cases) {
    const res = await app("s3cret", startup).request("/health");
    assert.equal(res.status, status, startup.state);
    assert.equal(await res.text(), body, startup.state);
  }
});
