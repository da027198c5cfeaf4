/**
 * How a command's stream ends when the command does not (issue 10, "Process stream endings"),
 * through the published SDKs: a command whose timeout passes ends with Connect's
 * `deadline_exceeded`, which the SDKs raise as their timeout errors (not the Python SDK's
 * "Command ended without an end event"), and a sandbox killed during a command ends it with the
 * text the SDKs' own tests look for. A sandbox is killed by deleting its pod, which sends the
 * runtime SIGTERM; these tests send that signal themselves.
 *
 * Both SDKs also run a timer of their own for the timeout, which starts before the request is
 * sent and so usually fires first. The runtime's deadline decides when a hop on the way spent
 * part of the budget (`Connect-Timeout-Ms` is what is left when the request reaches the
 * runtime); {@linkcode serveSpendingProxy} models such a hop, so that those tests see what the
 * SDKs make of the runtime's own answer.
 */
import assert from "node:assert/strict";
import { Sandbox, TimeoutError } from "e2b";
import { runPython, startRuntime } from "../testing/harness.ts";

/** What the SDKs' tests look for when a sandbox is killed during a request. */
const KILLED = /sandbox was killed or reached its end of life/;

/**
 * A proxy to `target` that forwards each call's `Connect-Timeout-Ms` less `spentMs`, as a hop
 * that took that long would; the runtime's deadline then passes before the SDK's own timer.
 */
function serveSpendingProxy(target: string, spentMs: number): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    const headers = new Headers(req.headers);
    const budget = headers.get("connect-timeout-ms");
    if (budget !== null) {
      headers.set("connect-timeout-ms", String(Math.max(1, Number(budget) - spentMs)));
    }
    return fetch(`${target}${url.pathname}${url.search}`, {
      method: req.method,
      headers,
      body: req.body,
      signal: req.signal,
      redirect: "manual",
    });
  });
}

Deno.test("JS SDK: a command's timeoutMs ends it with TimeoutError (deadline_exceeded)", async () => {
  await using rt = await startRuntime();
  const sbx = await Sandbox.create({ ...rt.sdkOptions });
  const began = Date.now();
  const error = await sbx.commands.run("sleep 10", { timeoutMs: 1000 }).catch((e) => e);
  assert.ok(error instanceof TimeoutError, String(error));
  assert.match(error.message, /deadline/);
  assert.ok(Date.now() - began < 8000, `took ${Date.now() - began} ms`);
  // The timeout is the command's lifetime too: it is killed (within a moment of the error).
  let left = await sbx.commands.list();
  for (let i = 0; i < 20 && left.some((p) => p.args.includes("sleep 10")); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = await sbx.commands.list();
  }
  assert.ok(!left.some((p) => p.args.includes("sleep 10")), JSON.stringify(left));
});

Deno.test("JS SDK: killing the sandbox during a command says it was killed", async () => {
  await using rt = await startRuntime();
  const sbx = await Sandbox.create({ ...rt.sdkOptions });
  const error = await sbx.commands.run("echo started; sleep 30", {
    onStdout: () => Deno.kill(rt.pid, "SIGTERM"),
  }).catch((e) => e);
  assert.ok(error instanceof Error, String(error));
  assert.match(error.message, KILLED);
});

Deno.test("Python SDK: commands.run(timeout=2) raises TimeoutException", async () => {
  await using rt = await startRuntime();
  const out = await runPython(
    `
import time
from e2b import Sandbox
from e2b.exceptions import TimeoutException
sbx = Sandbox.create()
began = time.monotonic()
try:
    sbx.commands.run("sleep 10", timeout=2)
    raise AssertionError("expected TimeoutException")
except TimeoutException as e:
    # The SDK's own deadline and the runtime's pass together; either way it is this exception,
    # never "Command ended without an end event".
    assert time.monotonic() - began < 8, time.monotonic() - began
# The timeout is the command's lifetime too: it is killed (within a moment of the error).
for _ in range(20):
    left = [p.args for p in sbx.commands.list()]
    if not any("sleep 10" in args for args in left):
        break
    time.sleep(0.1)
assert not any("sleep 10" in args for args in left), left
print("OK")
`,
    rt.sdkEnv,
    { timeoutMs: 60_000 },
  );
  assert.equal(out.code, 0, `python failed:\n${out.stdout}\n${out.stderr}`);
  assert.equal(out.stdout.trim(), "OK");
});

Deno.test("Python SDK: killing the sandbox during a command says it was killed", async () => {
  await using rt = await startRuntime();
  const out = await runPython(
    `
import os, signal
from e2b import Sandbox
sbx = Sandbox.create()
try:
    sbx.commands.run(
        "echo started; sleep 30",
        on_stdout=lambda _: os.kill(${rt.pid}, signal.SIGTERM),
    )
    raise AssertionError("expected an error")
except AssertionError:
    raise
except Exception as e:
    print(type(e).__name__, str(e))
`,
    rt.sdkEnv,
    { timeoutMs: 60_000 },
  );
  assert.equal(out.code, 0, `python failed:\n${out.stdout}\n${out.stderr}`);
  assert.match(out.stdout, KILLED);
});

Deno.test("JS SDK: the runtime's own deadline ends a command with TimeoutError and kills it", async () => {
  await using rt = await startRuntime();
  await using proxy = serveSpendingProxy(rt.envdUrl, 1500);
  const sandboxUrl = `http://127.0.0.1:${proxy.addr.port}`;
  const sbx = await Sandbox.create({ ...rt.sdkOptions, sandboxUrl });
  const began = Date.now();
  const error = await sbx.commands.run("sleep 10", { timeoutMs: 3000 }).catch((e) => e);
  const took = Date.now() - began;
  assert.ok(error instanceof TimeoutError, String(error));
  // The runtime's words (connect-go's), before the SDK's own timer would have fired.
  assert.match(error.message, /context deadline exceeded/);
  assert.ok(took < 2800, `took ${took} ms`);
  let left = await sbx.commands.list();
  for (let i = 0; i < 20 && left.some((p) => p.args.includes("sleep 10")); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = await sbx.commands.list();
  }
  assert.ok(!left.some((p) => p.args.includes("sleep 10")), JSON.stringify(left));
});

Deno.test("Python SDK: the runtime's own deadline raises TimeoutException, not a missing end event", async () => {
  await using rt = await startRuntime();
  await using proxy = serveSpendingProxy(rt.envdUrl, 1500);
  const out = await runPython(
    `
import time
from e2b import Sandbox
from e2b.exceptions import TimeoutException
sbx = Sandbox.create()
began = time.monotonic()
try:
    sbx.commands.run("sleep 10", timeout=3)
    raise AssertionError("expected TimeoutException")
except TimeoutException as e:
    took = time.monotonic() - began
    # The runtime's words (connect-go's), before the SDK's own timer would have fired.
    assert "context deadline exceeded" in str(e), str(e)
    assert took < 2.8, took
print("OK")
`,
    { ...rt.sdkEnv, E2B_SANDBOX_URL: `http://127.0.0.1:${proxy.addr.port}` },
    { timeoutMs: 60_000 },
  );
  assert.equal(out.code, 0, `python failed:\n${out.stdout}\n${out.stderr}`);
  assert.equal(out.stdout.trim(), "OK");
});
