import assert from "node:assert/strict";
import { ProcessHandle } from "./process_handle.ts";
import { scriptPtyArgv } from "./pty_script.ts";

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

Deno.test("scriptPtyArgv: the command quoted after a stty of the size, no typescript file", () => {
  assert.deepEqual(scriptPtyArgv("/usr/bin/script", ["echo", "it's"], 100, 30), [
    "/usr/bin/script",
    "--quiet",
    "--flush",
    "--return",
    "--command",
    "stty cols 100 rows 30 2>/dev/null; exec echo 'it'\\''s'",
    "/dev/null",
  ]);
});

Deno.test("a PTY through util-linux's script: a real terminal, raw input, resize by stty, exit code", async () => {
  const script = `
    tty
    stty size
    read line
    echo "got-$line"
    read again
    stty size
    exit 3`;
  const handle = ProcessHandle.start({
    argv: ["setsid", "--", ...scriptPtyArgv("script", ["bash", "-c", script], 80, 24)],
    env: { PATH: "/usr/bin:/bin", HOME: "/tmp" },
    cwd: "/tmp",
    spec: { cmd: "bash", args: ["-c", script], envs: {} },
    stdin: true,
    pty: true,
    ptyFramed: false,
  });
  const reader = handle.events.subscribe().getReader();
  const seen: string[] = [];
  assert.match(await until(reader, seen, /24 80/), /^\/dev\/pts\/\d+\r?\n24 80/m);
  await handle.writePty(new TextEncoder().encode("hello\n"));
  assert.match(await until(reader, seen, /got-hello/), /got-hello/);
  await handle.resize(132, 40);
  await handle.writePty(new TextEncoder().encode("go\n"));
  assert.match(await until(reader, seen, /40 132/), /40 132/);
  const exit = await handle.exited;
  reader.releaseLock();
  assert.equal(exit.exitCode, 3);
});
