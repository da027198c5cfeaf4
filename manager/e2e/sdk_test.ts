/**
 * The published JS SDK (npm `e2b` 2.51.0, unmodified) against the manager served on loopback:
 * API and proxy on their own ports (`apiUrl` + `sandboxUrl`), warm pool in the embedded store,
 * real runtimes behind it. Controller and local node are not involved (their end-to-end test is
 * elsewhere); the pool is seeded as the controller leaves it.
 */
import assert from "node:assert/strict";
import { Sandbox } from "e2b";
import { managerWithPool } from "../testing/fixtures.ts";

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
