/**
 * Supervision as E2B's template has it (its systemd units; the SDKs' "restart after jupyter kill"
 * test), through the published JS SDK against the runtime as it runs in a sandbox: Jupyter Server
 * killed with `kill -9` from a root command comes back, `/health` answers 200 again, and the next
 * `runCode` runs on a new kernel. Contexts keep their ids (their state is gone), and kernels the
 * dead server left behind are killed. The server is found by its pid below this test's runtime,
 * not by `pkill -f` as upstream's test does, which would hit every Jupyter on a shared machine.
 * Needs a root test process and the account `user`.
 */
import assert from "node:assert/strict";
import { Sandbox } from "@e2b/code-interpreter";
import { delay } from "@kruise-agents/shared/std";
import { startRuntime } from "../testing/harness.ts";
import { descendantsOf, listProcesses, type ProcessInfo } from "./process_tree.ts";

const asRoot = Deno.uid() === 0;

/** Polls `probe` every 200 ms until it returns something, for at most `seconds`. */
async function eventually<T>(seconds: number, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < seconds * 5; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await delay(200);
  }
  throw new Error(`Gave up after ${seconds} s`);
}

Deno.test({
  name: "the interpreter restarts Jupyter Server after it was killed, as E2B's systemd units do",
  ignore: !asRoot,
  fn: async () => {
    await using rt = await startRuntime({ interpreter: true });
    const url = rt.interpreterUrl!;
    const sbx = await Sandbox.create(rt.sdkOptions);
    const below = async () => descendantsOf(rt.pid, await listProcesses());
    const isServer = (p: ProcessInfo) => p.cmdline.includes("jupyter server --ServerApp");

    assert.equal((await sbx.runCode("x = 1; x")).text, "1");
    assert.equal((await sbx.runCode("1 + 1", { language: "js" })).text, "2");
    const context = await sbx.createCodeContext({ language: "python" });
    await sbx.runCode("y = 2", { context });
    const before = await below();
    const server = before.find(isServer);
    assert.ok(server, "Jupyter Server runs below the runtime");
    const denoKernel = before.find((p) => p.cmdline.includes("jupyter --kernel"));
    assert.ok(denoKernel, "Deno's kernel runs");
    const pgrep = await sbx.commands.run("pgrep -f 'jupyter server' || true", { user: "root" });
    assert.ok(pgrep.stdout.split("\n").includes(String(server.pid)), "found as upstream finds it");

    await sbx.commands.run(`kill -9 ${server.pid}`, { user: "root" });

    const replacement = await eventually(120, async () => {
      const health = await fetch(`${url}/health`).catch(() => undefined);
      await health?.body?.cancel();
      if (health?.status !== 200) return undefined;
      return (await below()).find((p) => isServer(p) && p.pid !== server.pid);
    });
    assert.notEqual(replacement.pid, server.pid);
    const result = await sbx.runCode("x = 1; x", { timeoutMs: 120_000 });
    assert.equal(result.text, "1");
    const kept = await sbx.runCode("y", { context, timeoutMs: 120_000 });
    assert.equal(kept.error?.name, "NameError", "the context is there, its state is gone");
    assert.equal((await sbx.runCode("1 + 1", { language: "js", timeoutMs: 120_000 })).text, "2");
    await eventually(60, async () => {
      const all = await listProcesses();
      const left = all.some((p) => p.pid === denoKernel.pid && p.cmdline === denoKernel.cmdline);
      return left ? undefined : true;
    });
  },
});
