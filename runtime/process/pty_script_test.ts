import assert from "node:assert/strict";
import { ProcessHandle } from "./process_handle.ts";
import { controllingPts, scriptPtyArgv } from "./pty_script.ts";

/** Reads `handle`'s terminal output until `pattern` shows up (or the process ends). */
async function until(
  reader: ReadableStreamDefaultReader<unknown>,
  seen: string[],
  pattern: RegExp,
) {
  const decoder = new TextDecoder();
  while (!pattern.test(seen.join(""))) {
    const { done, value } = await reader.read();
    if (done) break;
    const item = value as { kind: string; data?: Uint8Array };
    if (item.kind === "pty" && item.data) seen.push(decoder.decode(item.data, { stream: true }));
    if (item.kind === "end") break;
  }
  return seen.join("");
}

Deno.test("scriptPtyArgv: the command quoted, no typescript file", () => {
  assert.deepEqual(scriptPtyArgv("/usr/bin/script", ["echo", "it's"]), [
    "/usr/bin/script",
    "--quiet",
    "--flush",
    "--return",
    "--command",
    "exec echo 'it'\\''s'",
    "/dev/null",
  ]);
});

Deno.test("a PTY through util-linux's script: a real terminal, raw input, resize by stty, exit code", async () => {
  const script = `
    tty
    read line
    echo "got-$line"
    stty size
    read again
    stty size
    exit 3`;
  const handle = ProcessHandle.start({
    argv: ["setsid", "--", ...scriptPtyArgv("script", ["bash", "-c", script])],
    env: { PATH: "/usr/bin:/bin", HOME: "/tmp" },
    cwd: "/tmp",
    spec: { cmd: "bash", args: ["-c", script], envs: {} },
    stdin: true,
    pty: true,
    ptyFramed: false,
    ptySize: { cols: 80, rows: 24 },
  });
  const reader = handle.events.subscribe().getReader();
  const seen: string[] = [];
  // A resize at once (before `script` may have forked its shell) lands after the start's size.
  await handle.resize(90, 25);
  await handle.writePty(new TextEncoder().encode("hello\n"));
  assert.match(await until(reader, seen, /25 90/), /^\/dev\/pts\/\d+[\s\S]*got-hello\r?\n25 90/m);
  await handle.resize(132, 40);
  await handle.writePty(new TextEncoder().encode("go\n"));
  assert.match(await until(reader, seen, /40 132/), /40 132/);
  const exit = await handle.exited;
  reader.releaseLock();
  assert.equal(exit.exitCode, 3);
});

Deno.test("controllingPts: a PTY from /proc/PID/stat's tty_nr, none for a process without one", async () => {
  assert.equal(
    await controllingPts(Deno.pid).then((t) => t === undefined || /^\/dev\/pts\/\d+$/.test(t)),
    true,
  );
  const child = new Deno.Command("setsid", { args: ["sleep", "5"], stdin: "null" }).spawn();
  try {
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await controllingPts(child.pid), undefined, "setsid: no controlling terminal");
  } finally {
    child.kill();
    await child.status;
  }
});
