/**
 * The Jupyter settings E2B's template has, through the published JS SDK: the IOPub data rate
 * limit raised (6 MB printed at once arrive whole; with Jupyter's default of 1 MB/s they are
 * dropped with an "IOPub data rate exceeded" notice), and a client timeout that interrupts the
 * kernel without restarting it, so the context's variables survive.
 */
import assert from "node:assert/strict";
import { Sandbox, TimeoutError } from "@e2b/code-interpreter";
import { jupyterProcesses, startTestInterpreter } from "./_test_util.ts";

/** Pids of the python kernels below this test. */
async function pythonKernels(): Promise<number[]> {
  return (await jupyterProcesses()).filter((p) => p.cmdline.includes("ipykernel")).map((p) =>
    p.pid
  );
}

Deno.test("@e2b/code-interpreter gets big outputs whole and keeps state across a timeout", async (t) => {
  await using served = await startTestInterpreter();
  const sbx = await Sandbox.create({ debug: true, sandboxUrl: served.url });

  await t.step("6 MB printed at once arrive whole", async () => {
    const execution = await sbx.runCode('print("x" * 4_000_000)\nprint("y" * 2_000_000)', {
      timeoutMs: 120_000,
    });
    const stdout = execution.logs.stdout.join("");
    assert.equal(stdout.length, 6_000_002);
    assert.ok(stdout === `${"x".repeat(4_000_000)}\n${"y".repeat(2_000_000)}\n`);
    assert.deepEqual(execution.logs.stderr, [], "no IOPub rate notice");
  });

  await t.step("a client timeout interrupts the cell; the kernel keeps its variables", async () => {
    await sbx.runCode("x = 1");
    const [kernel] = await pythonKernels();
    await assert.rejects(
      sbx.runCode("import time; time.sleep(60)", { timeoutMs: 2000 }),
      TimeoutError,
    );
    // Without the interrupt this would wait behind sleep(60) and time out; after a restart it
    // would be a NameError.
    const after = await sbx.runCode("x", { timeoutMs: 30_000 });
    assert.equal(after.error, undefined);
    assert.equal(after.text, "1");
    assert.deepEqual(await pythonKernels(), [kernel], "the same kernel process");
  });
});
