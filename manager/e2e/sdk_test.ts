/**
 * The published JS SDKs (npm `e2b` 2.51.0 and `@e2b/code-interpreter` 2.8.0, unmodified) against
 * the manager served on loopback: API and proxy on their own ports (`apiUrl` + `sandboxUrl`),
 * warm pools in the embedded store, real runtimes behind them. Controller and local node are not
 * involved (their end-to-end test is elsewhere); the pools are seeded as the controller leaves
 * them. What the SDKs do not call (refreshes, `Idempotency-Key`) goes over plain HTTP.
 */
import assert from "node:assert/strict";
import { Sandbox, SandboxError, SandboxNotFoundError, Template } from "e2b";
import { Sandbox as CodeSandbox } from "@e2b/code-interpreter";
import { ANNOTATION_TEMPLATE_ALIASES } from "@kruise-agents/shared/api";
import { managerWithPool } from "../testing/fixtures.ts";
import { setup } from "../testing/api_env.ts";

Deno.test("the JS SDK creates, runs a command through the proxy, lists, and kills", async () => {
  await using world = await managerWithPool(2);
  const { manager, keys: { a, b } } = world;
  await using api = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, manager.api);
  await using proxy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, manager.proxy);
  const opts = {
    apiKey: a,
    apiUrl: `http://127.0.0.1:${api.addr.port}`,
    sandboxUrl: `http://127.0.0.1:${proxy.addr.port}`,
    domain: "sandbox.test",
  };
  const sbx = await Sandbox.create("base", { ...opts, metadata: { purpose: "sdk-test" } });
  assert.match(sbx.sandboxId, /^[a-z0-9]{20}$/);
  const out = await sbx.commands.run("echo hello from $E2B_SANDBOX_ID");
  assert.equal(out.exitCode, 0);
  assert.equal(out.stdout.trim(), `hello from ${sbx.sandboxId}`);
  assert.equal(await sbx.isRunning(), true);

  const other = await Sandbox.create("base", { ...opts, metadata: { purpose: "other" } });
  const listed = await Sandbox.list({ ...opts, query: { metadata: { purpose: "sdk-test" } } })
    .nextItems();
  assert.deepEqual(listed.map((s) => s.sandboxId), [sbx.sandboxId]);
  assert.deepEqual(await Sandbox.list({ ...opts, apiKey: b }).nextItems(), []);
  assert.equal(await Sandbox.kill(sbx.sandboxId, { ...opts, apiKey: b }), false);

  // A stream in flight when the sandbox is killed is torn down, not ended cleanly.
  const handle = await sbx.commands.run("sleep 30", { background: true });
  assert.equal(await sbx.kill(), true);
  await assert.rejects(handle.wait());
  assert.equal(await sbx.isRunning(), false);
  assert.equal(await Sandbox.kill(sbx.sandboxId, opts), false);

  await other.kill();
});

/** The manager of `env` served on loopback, with the SDK options that reach it. */
function serve(
  env: { manager: { api: Deno.ServeHandler; proxy: Deno.ServeHandler } },
  key: string,
) {
  const api = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, env.manager.api);
  const proxy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, env.manager.proxy);
  return {
    opts: {
      apiKey: key,
      apiUrl: `http://127.0.0.1:${api.addr.port}`,
      sandboxUrl: `http://127.0.0.1:${proxy.addr.port}`,
      domain: "sandbox.test",
    },
    async [Symbol.asyncDispose]() {
      await api.shutdown();
      await proxy.shutdown();
    },
  };
}

Deno.test("the code-interpreter SDK's default template resolves through a SandboxSet alias", async () => {
  await using env = await setup([
    {
      namespace: "team-a",
      name: "code-interpreter",
      size: 1,
      annotations: { [ANNOTATION_TEMPLATE_ALIASES]: "code-interpreter-v1" },
    },
  ]);
  await using served = serve(env, env.keys.a);
  const { opts } = served;
  // No template: the SDK asks for `code-interpreter-v1`.
  const sbx = await CodeSandbox.create(opts);
  const info = await Sandbox.getInfo(sbx.sandboxId, opts);
  assert.equal(info.templateId, "code-interpreter");
  assert.equal(info.name, "code-interpreter-v1");
  assert.equal((await sbx.commands.run("echo ok")).stdout, "ok\n");

  assert.equal(await Template.exists("code-interpreter-v1", opts), true);
  assert.equal(await Template.exists("code-interpreter", opts), true);
  assert.equal(await Template.exists("no-such-template", opts), false);
  assert.equal(
    await Template.exists("code-interpreter-v1", { ...opts, apiKey: env.keys.b }),
    false,
  );
  await sbx.kill();
});

Deno.test("unimplemented routes reach the SDK as 501, not as a missing sandbox", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 1 }]);
  await using served = serve(env, env.keys.a);
  const sbx = await Sandbox.create("base", served.opts);
  for (
    const call of [
      () => sbx.updateNetwork({ denyOut: ["0.0.0.0/0"] }),
      () => sbx.createSnapshot(),
    ]
  ) {
    await assert.rejects(call, (error: unknown) => {
      assert.ok(error instanceof SandboxError, String(error));
      assert.ok(!(error instanceof SandboxNotFoundError), String(error));
      assert.equal(error.statusCode, 501);
      assert.match(error.message, /^501: .*not implemented/);
      return true;
    });
  }
  await sbx.kill();
});

Deno.test("free-form metadata round-trips and filters through the JS SDK", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 2 }]);
  await using served = serve(env, env.keys.a);
  const { opts } = served;
  const metadata = {
    "key with spaces": "value & more = stuff %",
    "dotted.key": "x/y",
    long: "l".repeat(4000),
  };
  const sbx = await Sandbox.create("base", { ...opts, metadata });
  const other = await Sandbox.create("base", { ...opts, metadata: { "dotted.key": "other" } });
  assert.deepEqual((await sbx.getInfo()).metadata, metadata);
  const list = async (query: Record<string, string>) =>
    (await Sandbox.list({ ...opts, query: { metadata: query } }).nextItems())
      .map((s) => s.sandboxId);
  assert.deepEqual(await list({ "key with spaces": "value & more = stuff %" }), [sbx.sandboxId]);
  assert.deepEqual(await list({ "dotted.key": "x/y", long: "l".repeat(4000) }), [sbx.sandboxId]);
  assert.deepEqual(await list({ "dotted.key": "other" }), [other.sandboxId]);
  assert.deepEqual(await list({ "key with spaces": "nope" }), []);
  const [listed] = await Sandbox.list({ ...opts, query: { metadata: { long: "l".repeat(4000) } } })
    .nextItems();
  assert.deepEqual(listed?.metadata, metadata);
  await sbx.kill();
  await other.kill();
});

Deno.test("getInfo through the JS SDK reports the settings of the create", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 2 }]);
  await using served = serve(env, env.keys.a);
  const { opts } = served;
  const plain = await Sandbox.create("base", opts);
  const info = await plain.getInfo();
  assert.deepEqual(info.lifecycle, { onTimeout: "kill", autoResume: false });
  assert.equal(info.allowInternetAccess, undefined); // not set at create: null on the wire
  assert.deepEqual(info.volumeMounts, []);
  const closed = await Sandbox.create("base", {
    ...opts,
    allowInternetAccess: false,
    network: { allowOut: ["203.0.113.7"], allowPublicTraffic: false },
  });
  const closedInfo = await closed.getInfo();
  assert.equal(closedInfo.allowInternetAccess, false);
  assert.deepEqual(closedInfo.network?.allowOut, ["203.0.113.7"]);
  assert.equal(closedInfo.network?.allowPublicTraffic, false);
  assert.equal(closedInfo.name, "base");
  await plain.kill();
  await closed.kill();
});

Deno.test("refreshes floor, Idempotency-Key and metrics history, over HTTP", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 2 }], {
    metricsIntervalMs: 200,
  });
  await using served = serve(env, env.keys.a);
  const { opts } = served;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${opts.apiUrl}${path}`, {
      method: "POST",
      headers: { "X-API-KEY": opts.apiKey, "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  // Idempotency-Key: the retry gets the same sandbox, with 201 and the same body.
  const key = crypto.randomUUID();
  const first = await post("/v2/sandboxes", { templateID: "base" }, { "Idempotency-Key": key });
  const retry = await post("/v2/sandboxes", { templateID: "base" }, { "Idempotency-Key": key });
  assert.equal(first.status, 201);
  assert.equal(retry.status, 201);
  const created = await first.json();
  assert.deepEqual(await retry.json(), created);
  const sbx = await Sandbox.connect(created.sandboxID, opts);

  // refreshes: a duration below 15 s keeps it 15 s.
  await sbx.setTimeout(1000);
  const refreshed = await post(`/sandboxes/${sbx.sandboxId}/refreshes`, { duration: 1 });
  assert.equal(refreshed.status, 204);
  await refreshed.body?.cancel();
  const endAt = (await sbx.getInfo()).endAt.getTime();
  assert.ok(endAt >= Date.now() + 13_000, new Date(endAt).toISOString());

  // Metrics keep a history.
  const [m] = await sbx.getMetrics();
  assert.ok(m && m.memTotal > 0 && m.timestamp instanceof Date);
  await new Promise((resolve) => setTimeout(resolve, 2300));
  const history = await sbx.getMetrics();
  assert.ok(history.length >= 2, `${history.length} samples`);
  const inRange = await sbx.getMetrics({ start: m.timestamp, end: m.timestamp });
  assert.deepEqual(inRange.map((s) => s.timestamp.getTime()), [m.timestamp.getTime()]);
  assert.deepEqual(await sbx.getMetrics({ end: new Date(m.timestamp.getTime() - 60_000) }), []);
  await sbx.kill();
});
