/**
 * Conformance of `process.Process` with the published JS SDK (npm `e2b`), against a runtime
 * process started by the test. Behaviours are the ones the SDK's own suite asserts
 * (e2b-protocol.md §E.2, Commands and pty).
 */
import assert from "node:assert/strict";
import { CommandExitError, Sandbox, TimeoutError } from "e2b";
import { startRuntime } from "../testing/harness.ts";

Deno.test("commands through the JS SDK", async (t) => {
  await using rt = await startRuntime();
  const sbx = await Sandbox.create({ ...rt.sdkOptions });

  await t.step("run returns exact stdout, stderr and the exit code", async () => {
    const result = await sbx.commands.run('echo "Hello, World!"; echo oops >&2');
    assert.equal(result.stdout, "Hello, World!\n");
    assert.equal(result.stderr, "oops\n");
    assert.equal(result.exitCode, 0);
  });

  await t.step("callbacks see stdout and stderr in order while it runs", async () => {
    const seen: string[] = [];
    await sbx.commands.run("echo one; sleep 0.2; echo two >&2; sleep 0.2; echo three", {
      onStdout: (d) => void seen.push(`out:${d}`),
      onStderr: (d) => void seen.push(`err:${d}`),
    });
    assert.deepEqual(seen, ["out:one\n", "err:two\n", "out:three\n"]);
  });

  await t.step("a non-zero exit raises CommandExitError with the outputs", async () => {
    const error = await sbx.commands.run("echo partial; exit 3").catch((e) => e);
    assert.ok(error instanceof CommandExitError, String(error));
    assert.equal(error.exitCode, 3);
    assert.equal(error.stdout, "partial\n");
    assert.equal(error.error, "exit status 3");
  });

  await t.step("cwd, envs and user apply; envs do not leak into later commands", async () => {
    assert.equal((await sbx.commands.run("pwd")).stdout, "/home/user\n");
    assert.equal((await sbx.commands.run("pwd", { cwd: "/tmp" })).stdout, "/tmp\n");
    assert.equal((await sbx.commands.run("whoami")).stdout, "user\n");
    assert.equal((await sbx.commands.run("whoami", { user: "root" })).stdout, "root\n");
    assert.equal((await sbx.commands.run("echo $HOME", { user: "root" })).stdout, "/root\n");
    const withEnv = await sbx.commands.run(
      'echo "$FOO"; python3 -c "import os;print(os.environ[\'FOO\'])"',
      {
        envs: { FOO: "bar" },
      },
    );
    assert.equal(withEnv.stdout, "bar\nbar\n");
    assert.equal((await sbx.commands.run('sudo echo "$FOO"')).stdout, "\n");
    assert.equal((await sbx.commands.run('echo "$E2B_SANDBOX"')).stdout, "true\n");
  });

  await t.step("a missing cwd is an error, not a hang", async () => {
    await assert.rejects(sbx.commands.run("pwd", { cwd: "/does/not/exist" }), /does not exist/);
  });

  await t.step("timeoutMs on a foreground command rejects", async () => {
    await assert.rejects(sbx.commands.run("sleep 10", { timeoutMs: 1000 }));
  });

  await t.step("a background command with timeoutMs ends with TimeoutError on wait()", async () => {
    const handle = await sbx.commands.run("sleep 10", { background: true, timeoutMs: 2000 });
    const error = await handle.wait().catch((e) => e);
    assert.ok(
      error instanceof TimeoutError || /timeout|deadline/i.test(String(error)),
      String(error),
    );
  });

  await t.step("background, list, connect by pid, kill", async () => {
    const a = await sbx.commands.run("sleep 30", { background: true });
    const b = await sbx.commands.run("sleep 31", { background: true, cwd: "/tmp" });
    const listed = await sbx.commands.list();
    const pids = listed.map((p) => p.pid);
    assert.ok(pids.includes(a.pid) && pids.includes(b.pid), JSON.stringify(listed));
    const entry = listed.find((p) => p.pid === b.pid)!;
    assert.equal(entry.cmd, "/bin/bash");
    assert.deepEqual(entry.args, ["-l", "-c", "sleep 31"]);
    assert.equal(entry.cwd, "/tmp");
    const connected = await sbx.commands.connect(a.pid);
    assert.equal(connected.pid, a.pid);
    assert.equal(await sbx.commands.kill(a.pid), true);
    const ended = await connected.wait().catch((e) => e);
    assert.ok(ended instanceof CommandExitError, String(ended));
    assert.equal(
      (await sbx.commands.run(`kill -0 ${a.pid} 2>&1 || echo gone`)).stdout.trim().endsWith("gone"),
      true,
    );
    assert.equal(await sbx.commands.kill(b.pid), true);
    assert.equal(await sbx.commands.kill(999_999), false);
    await assert.rejects(sbx.commands.connect(999_999));
  });

  await t.step("background run then wait returns its output", async () => {
    const handle = await sbx.commands.run("sleep 0.3; echo done", { background: true });
    const result = await handle.wait();
    assert.equal(result.stdout, "done\n");
  });

  await t.step("sendStdin and closeStdin drive cat", async () => {
    const handle = await sbx.commands.run("cat", { background: true, stdin: true });
    await sbx.commands.sendStdin(handle.pid, "hello ");
    await sbx.commands.sendStdin(handle.pid, "wörld\nline2 $&\"'\n");
    await sbx.commands.closeStdin(handle.pid);
    const result = await handle.wait();
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout, "hello wörld\nline2 $&\"'\n");
  });

  await t.step("stdin is /dev/null unless asked for", async () => {
    const result = await sbx.commands.run("cat; echo end");
    assert.equal(result.stdout, "end\n");
    const handle = await sbx.commands.run("sleep 5", { background: true });
    await assert.rejects(sbx.commands.sendStdin(handle.pid, "x"));
    await handle.kill();
  });

  await t.step("pty create, input, resize, kill", async () => {
    const chunks: string[] = [];
    const decoder = new TextDecoder();
    const pty = await sbx.pty.create({
      cols: 80,
      rows: 24,
      envs: { ABC: "123" },
      onData: (d) => {
        chunks.push(decoder.decode(d, { stream: true }));
      },
    });
    await sbx.pty.resize(pty.pid, { cols: 120, rows: 40 });
    await sbx.pty.sendInput(pty.pid, new TextEncoder().encode("stty size; tty; echo $ABC\nexit\n"));
    const result = await pty.wait();
    assert.equal(result.exitCode, 0);
    const output = chunks.join("");
    assert.match(output, /40 120/);
    assert.match(output, /\/dev\/pts\/\d+/);
    assert.match(output, /123/);

    const second = await sbx.pty.create({ cols: 80, rows: 24, onData: () => {} });
    assert.equal(await sbx.pty.kill(second.pid), true);
    await assert.rejects(second.wait());
  });

  await sbx.kill();
});

Deno.test("commands through the Python SDK", async () => {
  await using rt = await startRuntime();
  const { runPython } = await import("../testing/harness.ts");
  const result = await runPython(
    `
from e2b import Sandbox, CommandExitException
sbx = Sandbox.create()
seen = []
r = sbx.commands.run('echo hello; sleep 0.2; echo world >&2', on_stdout=lambda d: seen.append(("out", d)), on_stderr=lambda d: seen.append(("err", d)))
assert r.stdout == "hello\\n" and r.stderr == "world\\n" and r.exit_code == 0, r
assert seen == [("out", "hello\\n"), ("err", "world\\n")], seen
try:
    sbx.commands.run("exit 7")
    raise AssertionError("expected CommandExitException")
except CommandExitException as e:
    assert e.exit_code == 7, e
assert sbx.commands.run("pwd", cwd="/tmp").stdout == "/tmp\\n"
assert sbx.commands.run("whoami", user="root").stdout == "root\\n"
assert sbx.commands.run('echo "$X"', envs={"X": "y"}).stdout == "y\\n"
h = sbx.commands.run("sleep 30", background=True)
assert h.pid in [p.pid for p in sbx.commands.list()]
assert sbx.commands.kill(h.pid) is True
assert sbx.commands.kill(999999) is False
c = sbx.commands.run("cat", background=True, stdin=True)
sbx.commands.send_stdin(c.pid, "abc\\n")
sbx.commands.close_stdin(c.pid)
assert c.wait().stdout == "abc\\n"
out = []
t = sbx.pty.create(size=__import__("e2b").PtySize(rows=24, cols=80), envs={"ABC": "123"})
sbx.pty.send_stdin(t.pid, b"echo $ABC\\nexit\\n")
assert t.wait(on_pty=lambda d: out.append(d)).exit_code == 0
assert b"123" in b"".join(out)
print("python-ok")
`,
    rt.sdkEnv,
  );
  assert.equal(result.code, 0, result.stderr + result.stdout);
  assert.match(result.stdout, /python-ok/);
});
