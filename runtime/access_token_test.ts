/**
 * Tokens from birth, on a real runtime process started the way a sandbox's pod starts it (the
 * token in `KRUISE_AGENTS_ACCESS_TOKEN`): every envd call is refused without the token before any
 * `/init` ran, `/init` cannot be squatted or used to change or clear the token, a claim's env vars
 * replace an earlier claim's on top of the template's, the token never reaches a command, and
 * Connect bodies are capped. The SDK-visible parts go through the published JS SDK.
 */
import assert from "node:assert/strict";
import { RateLimitError, Sandbox } from "e2b";
import { startRuntime } from "./testing/harness.ts";

const UNAUTHORIZED = {
  code: 401,
  message:
    "unauthorized access, please provide a valid access token or method signing if supported",
};

/** A unary Connect call with a JSON body. */
function unary(base: string, path: string, body: string, token?: string): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token === undefined ? {} : { "x-access-token": token }),
    },
    body,
  });
}

/** POSTs an `/init` body, with `token` in `X-Access-Token` when given. */
function init(base: string, body: unknown, token?: string): Promise<Response> {
  return fetch(`${base}/init`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token === undefined ? {} : { "x-access-token": token }),
    },
    body: JSON.stringify(body),
  });
}

Deno.test("a runtime with a token from birth refuses envd calls without it before any /init", async (t) => {
  await using rt = await startRuntime();
  const base = rt.envdUrl;
  const token = rt.accessToken!;

  await t.step("Connect RPCs, /envs, /metrics: envd's 401 without the token", async () => {
    for (
      const res of [
        await unary(base, "/process.Process/List", "{}"),
        await unary(base, "/filesystem.Filesystem/Stat", '{"path":"/"}'),
        await unary(base, "/process.Process/List", "{}", "wrong"),
        await fetch(`${base}/envs`),
        await fetch(`${base}/metrics`),
      ]
    ) {
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), UNAUTHORIZED);
    }
  });

  await t.step("/files without the token or a signature: 401", async () => {
    const read = await fetch(`${base}/files?path=/etc/hostname`);
    assert.equal(read.status, 401);
    assert.deepEqual(await read.json(), {
      code: 401,
      message: "missing signature query parameter",
    });
    const write = await fetch(`${base}/files?path=/tmp/squat.txt`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: "planted",
    });
    assert.equal(write.status, 401);
    await write.body?.cancel();
    await assert.rejects(Deno.stat("/tmp/squat.txt"), Deno.errors.NotFound);
  });

  await t.step("the same calls with the token: 200", async () => {
    const list = await unary(base, "/process.Process/List", "{}", token);
    assert.equal(list.status, 200);
    await list.body?.cancel();
    const headers = { "x-access-token": token };
    for (const path of ["/envs", "/metrics", "/files?path=/etc/hostname"]) {
      const res = await fetch(`${base}${path}`, { headers });
      assert.equal(res.status, 200, path);
      await res.body?.cancel();
    }
  });

  await t.step("/health and CORS preflights stay open", async () => {
    const health = await fetch(`${base}/health`);
    assert.equal(health.status, 204);
    const preflight = await fetch(`${base}/process.Process/List`, { method: "OPTIONS" });
    assert.equal(preflight.status, 204);
    await preflight.body?.cancel();
  });
});

Deno.test("/init can be neither squatted nor used to change or clear the token", async (t) => {
  await using rt = await startRuntime();
  const base = rt.envdUrl;
  const token = rt.accessToken!;
  const works = async (candidate: string) => {
    const res = await unary(base, "/process.Process/List", "{}", candidate);
    await res.body?.cancel();
    return res.status === 200;
  };

  await t.step("without the header: 401, nothing applied", async () => {
    for (const body of [{ accessToken: "mine" }, { envVars: { PLANTED: "1" } }, {}]) {
      const res = await init(base, body);
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), UNAUTHORIZED);
    }
    assert.equal(await works("mine"), false);
    assert.equal(await works(token), true);
    const envs = await (await fetch(`${base}/envs`, { headers: { "x-access-token": token } }))
      .json();
    assert.equal(envs.PLANTED, undefined);
  });

  await t.step("with the header, another token or an empty one: 401, the token stays", async () => {
    for (const accessToken of ["mine", ""]) {
      const res = await init(base, { accessToken }, token);
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), {
        code: 401,
        message: "access token is already set and cannot be changed",
      });
    }
    assert.equal(await works(token), true);
    assert.equal(await works("mine"), false);
    assert.equal(await works(""), false);
  });

  await t.step("with the header and the same token (or none) in the body: 204", async () => {
    for (const body of [{ accessToken: token }, { defaultUser: "user" }]) {
      const res = await init(base, body, token);
      assert.equal(res.status, 204);
    }
    assert.equal(await works(token), true);
  });
});

Deno.test("a claim's env vars replace an earlier claim's, over the template's own", async () => {
  await using rt = await startRuntime({ env: { TEMPLATE_VAR: "from-template", SHARED: "t" } });
  // The fake control plane /inits the create's env vars, as a claim does.
  const sbx = await Sandbox.create({ ...rt.sdkOptions, envs: { CLAIM_A: "a", SHARED: "a" } });
  const echo = "echo $TEMPLATE_VAR,$CLAIM_A,$CLAIM_B,$SHARED";
  assert.equal((await sbx.commands.run(echo)).stdout, "from-template,a,,a\n");

  const second = await init(rt.envdUrl, {
    envVars: { CLAIM_B: "b" },
    timestamp: new Date().toISOString(),
  }, rt.accessToken);
  assert.equal(second.status, 204);
  assert.equal((await sbx.commands.run(echo)).stdout, "from-template,,b,t\n");
  const envs = await (await fetch(`${rt.envdUrl}/envs`, {
    headers: { "x-access-token": rt.accessToken! },
  })).json();
  assert.equal(envs.CLAIM_A, undefined);
  assert.equal(envs.CLAIM_B, "b");
  assert.equal(envs.TEMPLATE_VAR, "from-template");
  assert.equal(envs.E2B_SANDBOX, "true");
  assert.equal(envs.HOME, undefined, "the runtime's own HOME is not the template's");

  // An older timestamp than the last applied one changes nothing.
  const stale = await init(rt.envdUrl, {
    envVars: { CLAIM_C: "c" },
    timestamp: new Date(Date.now() - 60_000).toISOString(),
  }, rt.accessToken);
  assert.equal(stale.status, 204);
  assert.equal((await sbx.commands.run(echo)).stdout, "from-template,,b,t\n");
});

Deno.test("the access token never reaches a command's environment", async () => {
  await using rt = await startRuntime();
  const sbx = await Sandbox.create(rt.sdkOptions);
  for (const user of ["user", "root"] as const) {
    const environ = await sbx.commands.run("cat /proc/self/environ | tr '\\0' '\\n'", { user });
    assert.ok(environ.stdout.includes("E2B_SANDBOX=true"), environ.stdout);
    assert.ok(!environ.stdout.includes(rt.accessToken!), `${user}: the token leaked`);
    assert.ok(
      !environ.stdout.includes("KRUISE_AGENTS_ACCESS_TOKEN"),
      `${user}: the variable leaked`,
    );
  }
});

Deno.test("--access-token-file gives a runtime started by hand its token", async () => {
  const file = await Deno.makeTempFile();
  await Deno.writeTextFile(file, "from-a-file\n");
  await using rt = await startRuntime({ secure: false, args: ["--access-token-file", file] });
  const without = await unary(rt.envdUrl, "/process.Process/List", "{}");
  assert.equal(without.status, 401);
  await without.body?.cancel();
  const withToken = await unary(rt.envdUrl, "/process.Process/List", "{}", "from-a-file");
  assert.equal(withToken.status, 200);
  await withToken.body?.cancel();
  await Deno.remove(file);
});

Deno.test("a runtime started without a token is open until an /init sets one", async () => {
  await using rt = await startRuntime({ secure: false });
  const open = await unary(rt.envdUrl, "/process.Process/List", "{}");
  assert.equal(open.status, 200);
  await open.body?.cancel();
  assert.equal((await init(rt.envdUrl, { accessToken: "" })).status, 204, "nothing to clear");
  assert.equal((await init(rt.envdUrl, { accessToken: "late" })).status, 204);
  const closed = await unary(rt.envdUrl, "/process.Process/List", "{}");
  assert.equal(closed.status, 401);
  await closed.body?.cancel();
  assert.equal((await init(rt.envdUrl, { accessToken: "" }, "late")).status, 401);
});

Deno.test("a Connect message over the cap is resource_exhausted", async () => {
  await using rt = await startRuntime();
  const big = JSON.stringify({ process: { pid: 1 }, input: { stdin: "A".repeat(17 << 20) } });
  const res = await unary(rt.envdUrl, "/process.Process/SendInput", big, rt.accessToken);
  assert.equal(res.status, 429);
  assert.equal((await res.json()).code, "resource_exhausted");

  // Through the SDK: stdin of 13 MiB is over 16 MiB once base64-encoded in JSON.
  const sbx = await Sandbox.create(rt.sdkOptions);
  const cat = await sbx.commands.run("cat >/dev/null", { background: true, stdin: true });
  await assert.rejects(sbx.commands.sendStdin(cat.pid, "x".repeat(13 << 20)), RateLimitError);
  await sbx.commands.sendStdin(cat.pid, "small is fine\n");
  await cat.kill();
});
