/**
 * Acceptance through the published JS SDK (`@e2b/code-interpreter`), in debug mode (no API calls)
 * with `sandboxUrl` pointing at the interpreter under test.
 */
import assert from "node:assert/strict";
import { NotFoundError, Sandbox } from "@e2b/code-interpreter";
import { startTestInterpreter } from "./_test_util.ts";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

Deno.test("@e2b/code-interpreter runs code on the interpreter's kernels", async (t) => {
  await using served = await startTestInterpreter();
  const sbx = await Sandbox.create({ debug: true, sandboxUrl: served.url });

  await t.step("state persists: x = 1 then print(x) prints 1", async () => {
    await sbx.runCode("x = 1");
    const execution = await sbx.runCode("print(x)");
    assert.deepEqual(execution.logs.stdout, ["1\n"]);
    assert.equal(execution.error, undefined);
  });

  await t.step("a trailing expression arrives as execution.text", async () => {
    const execution = await sbx.runCode("x = 41\nx + 1");
    assert.equal(execution.text, "42");
    assert.equal(execution.results.length, 1);
    assert.equal(execution.results[0]?.isMainResult, true);
  });

  await t.step("a matplotlib plot arrives as a PNG that decodes", async () => {
    const execution = await sbx.runCode(
      "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.show()",
    );
    assert.equal(execution.error, undefined);
    const plot = execution.results.find((result) => result.png !== undefined);
    assert.ok(plot, "a result with png");
    assert.equal(plot.isMainResult, false);
    assert.match(plot.text ?? "", /Figure/);
    const bytes = Uint8Array.from(atob(plot.png!), (c) => c.charCodeAt(0));
    assert.deepEqual([...bytes.subarray(0, 8)], PNG_SIGNATURE);
    assert.equal(new TextDecoder().decode(bytes.subarray(12, 16)), "IHDR");
    const view = new DataView(bytes.buffer);
    assert.ok(view.getUint32(16) > 0 && view.getUint32(20) > 0, "non-empty width and height");
  });

  await t.step("a pandas DataFrame arrives as HTML and data", async () => {
    const execution = await sbx.runCode(
      "import pandas as pd\npd.DataFrame({'a': [1, 2], 'b': ['x', 'y']})",
    );
    const result = execution.results[0];
    assert.ok(result);
    assert.match(result.html ?? "", /<table[\s\S]*<td>x<\/td>/);
    assert.deepEqual(result.data, { a: [1, 2], b: ["x", "y"] });
  });

  await t.step("1/0 arrives as ZeroDivisionError with its traceback", async () => {
    const execution = await sbx.runCode("1/0");
    assert.equal(execution.error?.name, "ZeroDivisionError");
    assert.equal(execution.error?.value, "division by zero");
    assert.match(execution.error?.traceback ?? "", /ZeroDivisionError: division by zero/);
    assert.ok(!execution.error?.traceback.includes("\u001b"));
  });

  await t.step("onStdout, onStderr and onResult fire while the code runs, in order", async () => {
    // The cell waits for a file that only the onStdout callback writes: if output were not
    // streamed, the cell would never get past the wait and the run would time out.
    const flag = `${served.cwd}/callback_flag`;
    const events: string[] = [];
    const execution = await sbx.runCode(
      `import os, sys, time\nprint("out", flush=True)\n` +
        `while not os.path.exists(${JSON.stringify(flag)}):\n    time.sleep(0.02)\n` +
        `print("err", file=sys.stderr, flush=True)\n"result"`,
      {
        timeoutMs: 30_000,
        onStdout: async (output) => {
          events.push(`stdout:${output.line}`);
          await Deno.writeTextFile(flag, "");
        },
        onStderr: (output) => void events.push(`stderr:${output.line}`),
        onResult: (result) => void events.push(`result:${result.text}`),
      },
    );
    assert.deepEqual(events, ["stdout:out\n", "stderr:err\n", "result:result"]);
    assert.equal(execution.text, "result");
  });

  await t.step("the execution count increases per run in a context", async () => {
    const context = await sbx.createCodeContext();
    assert.equal((await sbx.runCode("1", { context })).executionCount, 1);
    assert.equal((await sbx.runCode("2", { context })).executionCount, 2);
    await sbx.removeCodeContext(context);
  });

  await t.step("contexts are created, listed, restarted and removed", async () => {
    const cwd = await Deno.makeTempDir({ dir: served.cwd });
    const context = await sbx.createCodeContext({ language: "python", cwd });
    assert.equal(context.language, "python");
    assert.equal(context.cwd, cwd);
    const listed = await sbx.listCodeContexts();
    assert.equal(listed.at(-1)?.id, context.id);
    assert.ok(listed.some((c) => c.language === "python"));
    assert.ok(listed.some((c) => c.language === "javascript"));

    await sbx.runCode("y = 7", { context });
    assert.equal((await sbx.runCode("y", { context })).text, "7");
    assert.equal((await sbx.runCode("import os\nos.getcwd()", { context })).text, cwd);
    const other = await sbx.runCode("y");
    assert.equal(other.error?.name, "NameError", "contexts are independent");

    await sbx.restartCodeContext(context);
    const restarted = await sbx.runCode("y", { context });
    assert.equal(restarted.error?.name, "NameError");
    assert.equal(restarted.error?.value, "name 'y' is not defined");
    assert.equal((await sbx.runCode("import os\nos.getcwd()", { context })).text, cwd);

    await sbx.removeCodeContext(context.id);
    assert.ok(!(await sbx.listCodeContexts()).some((c) => c.id === context.id));
    await assert.rejects(sbx.runCode("1", { context }), NotFoundError);
  });

  await t.step("an unknown context is NotFoundError with the server's message", async () => {
    await assert.rejects(
      sbx.runCode("1", { context: { id: "nope", language: "python", cwd: "/" } }),
      (error: Error) =>
        error instanceof NotFoundError && /Context nope not found/.test(error.message),
    );
  });

  await t.step("javascript runs statefully on Deno's kernel", async () => {
    await sbx.runCode("let z = 40", { language: "js" });
    const sum = await sbx.runCode("z + 2", { language: "javascript" });
    assert.equal(sum.text, "42");
    const log = await sbx.runCode("console.log('hello', z)", { language: "javascript" });
    assert.deepEqual(log.logs.stdout, ["hello 40\n"]);
    const awaited = await sbx.runCode("await Promise.resolve('done')", { language: "js" });
    assert.equal(awaited.text, "done");
    const error = await sbx.runCode("throw new TypeError('bad')", { language: "js" });
    assert.equal(error.error?.name, "TypeError");
    assert.equal(error.error?.value, "bad");
    const typed = await sbx.runCode("const n: number = 2; n * 21", { language: "ts" });
    assert.equal(typed.text, "42");
  });
});
