import assert from "node:assert/strict";
import { execute, jupyterProcesses, startTestInterpreter } from "./_test_util.ts";
import { createInterpreter } from "./mod.ts";

/**
 * Creates a context from `context`, runs `code` in it (which must print `started`), and goes away
 * once it has started: the client side of a cell that is abandoned. Returns the context id.
 */
async function abandonCell(
  url: string,
  cell: { context: Record<string, unknown>; code: string },
): Promise<string> {
  const created = await fetch(`${url}/contexts`, {
    method: "POST",
    body: JSON.stringify(cell.context),
  });
  const { id } = await created.json() as { id: string };
  const abort = new AbortController();
  const response = await fetch(`${url}/execute`, {
    method: "POST",
    body: JSON.stringify({ code: cell.code, context_id: id }),
    signal: abort.signal,
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("started")) {
    const { value, done } = await reader.read();
    assert.equal(done, false);
    seen += value;
  }
  abort.abort();
  await reader.cancel().catch(() => {});
  return id;
}

function types(lines: Record<string, unknown>[]): unknown[] {
  return lines.map((line) => line.type);
}

Deno.test("createInterpreter() serves the code-interpreter API of §D", async (t) => {
  await using served = await startTestInterpreter();
  const { url, cwd, envs } = served;

  await t.step("GET /health answers the JSON string OK once ready", async () => {
    const response = await fetch(`${url}/health`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), '"OK"');
  });

  await t.step("GET /contexts lists the python and javascript startup contexts", async () => {
    const response = await fetch(`${url}/contexts`);
    assert.equal(response.status, 200);
    const contexts = await response.json() as { id: string; language: string; cwd: string }[];
    assert.deepEqual(contexts.map((c) => [c.language, c.cwd]), [
      ["python", cwd],
      ["javascript", cwd],
    ]);
    assert.ok(contexts.every((c) => typeof c.id === "string" && c.id.length > 0));
  });

  await t.step("POST /execute rejects context_id with language (400)", async () => {
    const { status, text } = await execute(url, {
      code: "1",
      context_id: "abc",
      language: "python",
    });
    assert.equal(status, 400);
    assert.equal(text, "Only one of context_id or language can be provided");
  });

  await t.step("POST /execute answers 404 for an unknown context", async () => {
    const { status, text } = await execute(url, { code: "1", context_id: "nope" });
    assert.equal(status, 404);
    assert.equal(text, "Context nope not found");
  });

  await t.step("POST /execute answers 422 when code is missing", async () => {
    const response = await fetch(`${url}/execute`, { method: "POST", body: "{}" });
    assert.equal(response.status, 422);
    assert.deepEqual(await response.json(), {
      detail: [{ loc: ["body", "code"], msg: "Field required", type: "missing" }],
    });
  });

  await t.step("an unknown language is an execution error naming the reason", async () => {
    const { status, lines } = await execute(url, { code: "1", language: "cobol" });
    assert.equal(status, 200);
    assert.deepEqual(lines, [
      {
        type: "error",
        name: "KernelNotInstalledError",
        value: 'Failed to create context: no kernel for language "cobol" is installed ' +
          '(looked for the Jupyter kernelspec "cobol")',
        traceback: "",
      },
      { type: "end_of_execution" },
    ]);
    const created = await fetch(`${url}/contexts`, {
      method: "POST",
      body: JSON.stringify({ language: "cobol" }),
    });
    assert.equal(created.status, 500, "a context cannot be created either");
    assert.match(await created.text(), /no kernel for language "cobol"/);
  });

  await t.step("the /execute stream is NDJSON ending with end_of_execution", async () => {
    const { lines, text } = await execute(url, { code: 'print("hi")\n"done"' });
    assert.ok(!text.includes("\n\n"), "no blank line");
    assert.ok(text.endsWith("\n"));
    assert.deepEqual(types(lines), [
      "number_of_executions",
      "stdout",
      "result",
      "end_of_execution",
    ]);
    const [count, stdout, result] = lines;
    assert.equal(typeof count?.execution_count, "number");
    assert.equal(stdout?.text, "hi\n");
    assert.ok(!Number.isNaN(Date.parse(String(stdout?.timestamp))), "stdout has a timestamp");
    assert.deepEqual(result, { type: "result", text: "done", extra: {}, is_main_result: true });
  });

  await t.step("errors carry name, value and an uncolored traceback", async () => {
    const { lines } = await execute(url, { code: "1/0" });
    const error = lines.find((line) => line.type === "error");
    assert.equal(error?.name, "ZeroDivisionError");
    assert.equal(error?.value, "division by zero");
    assert.match(String(error?.traceback), /ZeroDivisionError/);
    assert.ok(!String(error?.traceback).includes("\u001b"), "no ANSI colors");
    assert.equal(lines.at(-1)?.type, "end_of_execution");
  });

  await t.step("response headers are sent before the cell finishes", async () => {
    const flag = `${cwd}/headers_flag`;
    const response = fetch(`${url}/execute`, {
      method: "POST",
      body: JSON.stringify({
        code: `import os, time\nwhile not os.path.exists(${JSON.stringify(flag)}):\n` +
          `    time.sleep(0.02)\nprint("released")`,
      }),
    });
    // The cell only ends after the flag exists, and the flag is only written once the headers
    // arrived: buffered headers would deadlock here, so a guard turns that into a failure.
    let guard: ReturnType<typeof setTimeout> | undefined;
    const headers = await Promise.race([
      response,
      new Promise<never>((_, reject) => {
        guard = setTimeout(() => reject(new Error("headers did not arrive")), 20_000);
      }),
    ]).finally(() => clearTimeout(guard));
    assert.equal(headers.status, 200);
    await Deno.writeTextFile(flag, "");
    assert.match(await headers.text(), /released/);
  });

  await t.step("contexts run in the interpreter's cwd", async () => {
    const python = await execute(url, { code: "import os\nos.getcwd()" });
    assert.equal(python.lines.find((l) => l.type === "result")?.text, cwd);
    const js = await execute(url, { code: "Deno.cwd()", language: "javascript" });
    assert.equal(js.lines.find((l) => l.type === "result")?.text, cwd);
  });

  await t.step("the listed javascript context runs by its id, which it keeps", async () => {
    const list = async () =>
      (await (await fetch(`${url}/contexts`)).json()) as { id: string; language: string }[];
    const before = (await list()).find((c) => c.language === "javascript");
    assert.ok(before);
    const js = await execute(url, { code: "globalThis.kept = 7; kept", context_id: before.id });
    assert.equal(js.lines.find((l) => l.type === "result")?.text, "7");
    const byLanguage = await execute(url, { code: "kept * 6", language: "javascript" });
    assert.equal(byLanguage.lines.find((l) => l.type === "result")?.text, "42", "one context");
    assert.deepEqual((await list()).find((c) => c.language === "javascript"), before);
  });

  await t.step("sandbox-wide env vars apply, per-execution ones do not persist", async () => {
    // Set after startup: read at a context's first execution.
    envs.GLOBAL_A = "global a";
    envs.SHARED = "global";
    const newContext = async (language: string) => {
      const response = await fetch(`${url}/contexts`, {
        method: "POST",
        body: JSON.stringify({ language }),
      });
      return (await response.json() as { id: string }).id;
    };
    const python = await newContext("python");
    const javascript = await newContext("javascript");
    const readEnv = "import os, subprocess\n" +
      "print(os.environ.get('GLOBAL_A'), os.environ.get('SHARED'), os.environ.get('ONCE'))\n" +
      "print(subprocess.check_output(['sh', '-c', 'echo \"$SHARED\"'], text=True), end='')";
    const overridden = await execute(url, {
      code: readEnv,
      context_id: python,
      env_vars: { SHARED: "override", ONCE: "once" },
    });
    assert.deepEqual(
      overridden.lines.filter((l) => l.type === "stdout").map((l) => l.text).join(""),
      "global a override once\noverride\n",
    );
    const after = await execute(url, { code: readEnv, context_id: python });
    assert.deepEqual(
      after.lines.filter((l) => l.type === "stdout").map((l) => l.text).join(""),
      "global a global None\nglobal\n",
    );
    const js = await execute(url, {
      code: "[Deno.env.get('GLOBAL_A'), Deno.env.get('ONCE')].join(',')",
      context_id: javascript,
      env_vars: { ONCE: "js once" },
    });
    assert.equal(js.lines.find((l) => l.type === "result")?.text, "global a,js once");
    const jsAfter = await execute(url, {
      code: "String(Deno.env.get('ONCE'))",
      context_id: javascript,
    });
    assert.equal(jsAfter.lines.find((l) => l.type === "result")?.text, "undefined");
  });

  await t.step("a kernel that dies yields an error, then the context works again", async () => {
    const created = await fetch(`${url}/contexts`, {
      method: "POST",
      body: JSON.stringify({ language: "python" }),
    });
    const { id } = await created.json() as { id: string };
    await execute(url, { code: "x = 1", context_id: id });
    const died = await execute(url, { code: "import os\nos._exit(1)", context_id: id });
    // `execute_input` may die with the process before ipykernel's iopub thread sent it.
    assert.deepEqual(types(died.lines).slice(-2), ["error", "end_of_execution"]);
    assert.equal(died.lines.at(-2)?.name, "DeadKernelError");
    const next = await execute(url, {
      code: "import os\nprint('alive')\nos.getcwd()",
      context_id: id,
    });
    assert.equal(next.lines.find((l) => l.type === "stdout")?.text, "alive\n");
    assert.equal(next.lines.find((l) => l.type === "result")?.text, cwd);
    const state = await execute(url, { code: "x", context_id: id });
    assert.equal(state.lines.find((l) => l.type === "error")?.name, "NameError");

    const processes = await jupyterProcesses();
    assert.deepEqual(processes.filter((p) => p.state === "Z"), [], "no zombie");
    const contexts = await (await fetch(`${url}/contexts`)).json() as { language: string }[];
    assert.equal(
      processes.filter((p) => p.cmdline.includes("ipykernel")).length,
      contexts.filter((c) => c.language === "python").length,
      "one ipykernel process per python context",
    );
  });

  await t.step("a context whose cwd does not exist is a 500 and leaves no kernel", async () => {
    const before = (await jupyterProcesses()).length;
    const response = await fetch(`${url}/contexts`, {
      method: "POST",
      body: JSON.stringify({ language: "python", cwd: `${cwd}/missing` }),
    });
    assert.equal(response.status, 500);
    assert.match(await response.text(), /FileNotFoundError/);
    assert.equal((await jupyterProcesses()).length, before);
  });

  await t.step("a javascript cell the client gave up on does not block its context", async () => {
    const id = await abandonCell(url, {
      context: { language: "javascript" },
      code: "console.log('started'); await new Promise((r) => setTimeout(r, 300_000))",
    });
    const next = await execute(url, { code: "1 + 1", context_id: id });
    assert.equal(next.lines.find((l) => l.type === "result")?.text, "2");
  });

  await t.step("a client that goes away interrupts the cell; state survives", async () => {
    const id = await abandonCell(url, {
      context: {},
      code: "x = 5\nprint('started', flush=True)\nimport time\ntime.sleep(300)",
    });
    const next = await execute(url, { code: "x", context_id: id });
    assert.equal(next.lines.find((l) => l.type === "result")?.text, "5");
  });
});

Deno.test("createInterpreter() leaves no kernel or Jupyter process after dispose", async () => {
  const cwd = await Deno.makeTempDir();
  try {
    const interpreter = await createInterpreter({ getEnvs: () => ({}), cwd });
    await interpreter.ready;
    const response = await interpreter.fetch(
      new Request("http://localhost/execute", {
        method: "POST",
        body: JSON.stringify({ code: "1 + 1" }),
      }),
    );
    assert.match(await response.text(), /"text":"2"/);
    const isDenoKernel = (p: { cmdline: string }) => /deno jupyter --kernel/.test(p.cmdline);
    const idle = await jupyterProcesses();
    assert.ok(idle.length >= 2, "the server and the python kernel run");
    assert.ok(!idle.some(isDenoKernel), "no Deno kernel before javascript is asked for");
    const js = await interpreter.fetch(
      new Request("http://localhost/execute", {
        method: "POST",
        body: JSON.stringify({ code: "1 + 2", language: "javascript" }),
      }),
    );
    assert.match(await js.text(), /"text":"3"/);
    assert.ok((await jupyterProcesses()).some(isDenoKernel), "javascript started Deno's kernel");
    await interpreter[Symbol.asyncDispose]();
    assert.deepEqual(await jupyterProcesses(), []);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("createInterpreter() reports a failed startup on ready and /health", async () => {
  const interpreter = await createInterpreter({
    getEnvs: () => ({}),
    python: "/nonexistent/python3",
  });
  await assert.rejects(interpreter.ready);
  const health = await interpreter.fetch(new Request("http://localhost/health"));
  assert.equal(health.status, 500);
  assert.match(await health.text(), /Startup failed/);
  const run = await interpreter.fetch(
    new Request("http://localhost/execute", { method: "POST", body: '{"code":"1"}' }),
  );
  assert.equal(run.status, 500);
  await run.body?.cancel();
  await interpreter[Symbol.asyncDispose]();
});
