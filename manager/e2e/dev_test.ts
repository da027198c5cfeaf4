/**
 * End-to-end acceptance of the single-machine system: `deno task dev` (embedded store,
 * controller, local node, manager) driven by the published SDKs, unmodified: the seed document's
 * Python snippets as written, the same flows with the JS SDKs, concurrent creates, kill and team
 * isolation, bad input, timeouts across a restart, and sandboxes that survive a restart.
 */
import assert from "node:assert/strict";
import { Sandbox } from "e2b";
import { Sandbox as CodeSandbox } from "@e2b/code-interpreter";
import { eventually, prepareDataDir, startDev } from "./dev_harness.ts";
import { seedJsFlow } from "./sdk_flow.ts";

const SEED = new URL("./seed/", import.meta.url).pathname;

async function python(file: string, env: Record<string, string>) {
  const out = await new Deno.Command("python3", {
    args: [file],
    env: { ...env, PYTHONUNBUFFERED: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("the seed's Python snippets run unmodified against deno task dev", async (t) => {
  const dataDir = await Deno.makeTempDir();
  await prepareDataDir(dataDir);
  await using dev = await startDev(dataDir, { killSandboxesOnExit: true });
  try {
    const expectations: [string, (out: string) => void][] = [
      ["creation_and_deletion.py", (out) => {
        const id = /sandbox id: ([a-z0-9]+)/.exec(out)?.[1];
        assert.ok(id, out);
        assert.match(out, new RegExp(`sandbox ${id} killed`));
      }],
      ["code_execution.py", () => {}],
      ["file_operations.py", (out) => assert.match(out, /Seed document §2\.1\.3/)],
      ["command_execution.py", (out) => {
        assert.match(out, /^hello$/m);
        assert.match(out, /^world$/m);
        assert.match(out, /CommandResult\(.*exit_code=0/s);
      }],
      ["pause_and_resume.py", (out) => assert.match(out, /\['1\\n'\]/)],
    ];
    for (const [file, check] of expectations) {
      await t.step(file, async () => {
        const result = await python(`${SEED}${file}`, dev.env);
        assert.equal(result.code, 0, `${file}:\n${result.stderr}\n${result.stdout}`);
        check(result.stdout);
      });
    }
  } finally {
    await dev.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});

Deno.test("the same flows with the JS SDKs, kill, teams and bad input", async (t) => {
  const dataDir = await Deno.makeTempDir();
  const keys = await prepareDataDir(dataDir);
  await using dev = await startDev(dataDir, { killSandboxesOnExit: true });
  const api = dev.env.E2B_API_URL!;
  try {
    await t.step("code interpreter: run_code, files, commands, pause and resume", async () => {
      const sbx = await CodeSandbox.create("code-interpreter", {
        ...dev.sdkOptions,
        timeoutMs: 300_000,
      });
      await seedJsFlow(sbx);
      await sbx.runCode("a = 1");
      const sleeper = await sbx.commands.run("sleep 600", { background: true });
      assert.equal(await sbx.pause(), true);
      assert.equal(await sbx.isRunning(), false);
      await sbx.connect();
      assert.equal(await sbx.isRunning(), true);
      const after = await sbx.runCode("print(a)");
      assert.deepEqual(after.logs.stdout, ["1\n"]);
      assert.ok((await sbx.commands.list()).some((p) => p.pid === sleeper.pid), "PID survived");
      assert.equal(await sbx.kill(), true);
    });

    await t.step("kill answers 204 then 404; the data plane answers 502 JSON", async () => {
      const sbx = await Sandbox.create("base", dev.sdkOptions);
      const del = await fetch(`${api}/sandboxes/${sbx.sandboxId}`, {
        method: "DELETE",
        headers: { "x-api-key": keys.key },
      });
      assert.equal(del.status, 204);
      const again = await fetch(`${api}/sandboxes/${sbx.sandboxId}`, {
        method: "DELETE",
        headers: { "x-api-key": keys.key },
      });
      assert.equal(again.status, 404);
      assert.equal((await again.json()).code, 404);
      assert.equal(await Sandbox.kill(sbx.sandboxId, dev.sdkOptions), false);
      const proxied = await fetch(`${dev.env.E2B_SANDBOX_URL}/health`, {
        headers: { "e2b-sandbox-id": sbx.sandboxId, "e2b-sandbox-port": "49983" },
      });
      assert.equal(proxied.status, 502);
      assert.deepEqual(await proxied.json(), {
        sandboxId: sbx.sandboxId,
        message: "The sandbox was not found",
        code: 502,
      });
    });

    await t.step("another team's key cannot see or kill a sandbox", async () => {
      const sbx = await Sandbox.create("base", { ...dev.sdkOptions, metadata: { owner: "me" } });
      const other = { ...dev.sdkOptions, apiKey: keys.otherKey };
      assert.equal(await Sandbox.kill(sbx.sandboxId, other), false);
      const theirs = await Sandbox.list({ ...other }).nextItems();
      assert.equal(theirs.some((s) => s.sandboxId === sbx.sandboxId), false);
      const mine = await Sandbox.list({ ...dev.sdkOptions, query: { metadata: { owner: "me" } } })
        .nextItems();
      assert.deepEqual(mine.map((s) => s.sandboxId), [sbx.sandboxId]);
      assert.equal(await sbx.isRunning(), true);
      await sbx.kill();
    });

    await t.step("bad input answers in E2B's shape", async () => {
      const post = (body: string, key: string | null = keys.key) =>
        fetch(`${api}/sandboxes`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(key ? { "x-api-key": key } : {}) },
          body,
        });
      const cases: [Response, number][] = [
        [await post('{"templateID":"base"}', null), 401],
        [await post('{"templateID":"base"}', `e2b_${"0".repeat(40)}`), 401],
        [await post("{not json"), 400],
        [await post('{"templateID":"base","timeout":-5}'), 400],
        [await post('{"templateID":"base","timeout":99999999}'), 400],
        [await post('{"templateID":"no-such-template"}'), 404],
      ];
      for (const [res, status] of cases) {
        assert.equal(res.status, status);
        const body = await res.json();
        assert.equal(body.code, status);
        assert.equal(typeof body.message, "string");
      }
    });
  } finally {
    await dev.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});

Deno.test("50 concurrent creates through the SDK: all succeed, none handed out twice", async () => {
  const dataDir = await Deno.makeTempDir();
  await prepareDataDir(dataDir);
  await using dev = await startDev(dataDir, { killSandboxesOnExit: true });
  try {
    const sandboxes = await Promise.all(
      Array.from(
        { length: 50 },
        () => Sandbox.create("base", { ...dev.sdkOptions, timeoutMs: 600_000 }),
      ),
    );
    const ids = new Set(sandboxes.map((s) => s.sandboxId));
    assert.equal(ids.size, 50);
    // Each sandbox was initialised by exactly one claim: it knows its own id and token.
    const seen = await Promise.all(
      sandboxes.map((s) => s.commands.run("echo $E2B_SANDBOX_ID").then((r) => r.stdout.trim())),
    );
    assert.deepEqual(seen, sandboxes.map((s) => s.sandboxId));
    const listed = [];
    const paginator = Sandbox.list({ ...dev.sdkOptions, limit: 20 });
    while (paginator.hasNext) listed.push(...await paginator.nextItems());
    assert.equal(listed.length, 50);
    assert.equal(new Set(listed.map((s) => s.sandboxId)).size, 50);
    await Promise.all(sandboxes.map((s) => s.kill()));
  } finally {
    await dev.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});

Deno.test("restarting dev loses no sandbox, and a timeout that passes meanwhile still ends one", async () => {
  const dataDir = await Deno.makeTempDir();
  await prepareDataDir(dataDir);
  let dev = await startDev(dataDir);
  try {
    const keep = await Sandbox.create("base", { ...dev.sdkOptions, timeoutMs: 600_000 });
    await keep.files.write("/home/user/kept.txt", "still here");
    const sleeper = await keep.commands.run("sleep 900", { background: true });
    const shortLived = await Sandbox.create("base", { ...dev.sdkOptions, timeoutMs: 4_000 });
    await dev.stop();
    await new Promise((r) => setTimeout(r, 5_000));
    dev = await startDev(dataDir, { killSandboxesOnExit: true });

    const again = await Sandbox.connect(keep.sandboxId, dev.sdkOptions);
    assert.equal(await again.files.read("/home/user/kept.txt"), "still here");
    assert.ok((await again.commands.list()).some((p) => p.pid === sleeper.pid), "process survived");
    assert.equal((await again.commands.run("echo alive")).stdout, "alive\n");

    const gone = await eventually(
      async () => (await Sandbox.kill(shortLived.sandboxId, dev.sdkOptions)) === false,
      30_000,
    );
    assert.ok(gone, "the sandbox whose timeout passed during the restart is gone");
    await again.kill();
  } finally {
    await dev.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
