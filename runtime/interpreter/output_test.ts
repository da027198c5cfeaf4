import assert from "node:assert/strict";
import type { JupyterMessage } from "./jupyter_message.ts";
import { errorFromContent, outputFromMessage, resultFromBundle, stripAnsi } from "./output.ts";

function message(
  msgType: string,
  content: Record<string, unknown>,
  date?: string,
): JupyterMessage {
  return {
    channel: "iopub",
    header: { msg_id: "m", msg_type: msgType, ...(date ? { date } : {}) },
    parent_header: { msg_id: "p" },
    metadata: {},
    content,
  };
}

Deno.test("resultFromBundle() maps MIME types to fields and keeps the rest in extra", () => {
  assert.deepEqual(
    resultFromBundle({
      "text/plain": "<Figure size 640x480 with 1 Axes>",
      "image/png": "iVBORw0KGgo=",
      "text/html": "<table></table>",
      "text/markdown": "# t",
      "image/svg+xml": "<svg/>",
      "image/jpeg": "/9j/",
      "application/pdf": "JVBE",
      "text/latex": "$x$",
      "application/json": { a: [1] },
      "application/javascript": "1",
      "e2b/data": { col: [1, 2] },
      "e2b/chart": { type: "line" },
      "application/vnd.custom+json": { b: 2 },
    }, false),
    {
      type: "result",
      text: "<Figure size 640x480 with 1 Axes>",
      png: "iVBORw0KGgo=",
      html: "<table></table>",
      markdown: "# t",
      svg: "<svg/>",
      jpeg: "/9j/",
      pdf: "JVBE",
      latex: "$x$",
      json: { a: [1] },
      javascript: "1",
      data: { col: [1, 2] },
      chart: { type: "line" },
      extra: { "application/vnd.custom+json": { b: 2 } },
      is_main_result: false,
    },
  );
});

Deno.test("resultFromBundle() strips one pair of quotes and ANSI colors from text/plain", () => {
  const cases: [string, string][] = [
    ["'hello'", "hello"],
    ['"hello"', "hello"],
    ["\"'x'\"", "'x'"],
    ["'", "'"],
    ["'a\"", "'a\""],
    ["1", "1"],
    ['\u001b[32m"/tmp"\u001b[39m', "/tmp"],
  ];
  for (const [plain, text] of cases) {
    assert.equal(resultFromBundle({ "text/plain": plain }, true).text, text, plain);
  }
});

Deno.test("resultFromBundle() always has extra and puts is_main_result last", () => {
  const result = resultFromBundle({ "text/plain": "2" }, true);
  assert.deepEqual(result, { type: "result", text: "2", extra: {}, is_main_result: true });
  assert.deepEqual(Object.keys(result), ["type", "text", "extra", "is_main_result"]);
  assert.deepEqual(resultFromBundle({}, false), {
    type: "result",
    extra: {},
    is_main_result: false,
  });
});

Deno.test("errorFromContent() joins the traceback with no separator and strips colors", () => {
  assert.deepEqual(
    errorFromContent({
      ename: "ZeroDivisionError",
      evalue: "division by zero",
      traceback: ["\u001b[0;31m----\u001b[0m", "Cell In[1], line 1\n", "ZeroDivisionError: x"],
    }),
    {
      type: "error",
      name: "ZeroDivisionError",
      value: "division by zero",
      traceback: "----Cell In[1], line 1\nZeroDivisionError: x",
    },
  );
  assert.deepEqual(errorFromContent({}), { type: "error", name: "", value: "", traceback: "" });
});

Deno.test("outputFromMessage() maps stream, results, errors and execute_input", () => {
  assert.deepEqual(
    outputFromMessage(message("stream", { name: "stdout", text: "1\n" }, "2026-01-01T00:00:00Z")),
    { type: "stdout", text: "1\n", timestamp: "2026-01-01T00:00:00Z" },
  );
  const stderr = outputFromMessage(message("stream", { name: "stderr", text: "e" }));
  assert.equal(stderr?.type, "stderr");
  assert.ok(stderr?.type === "stderr" && !Number.isNaN(Date.parse(stderr.timestamp)));
  assert.deepEqual(
    outputFromMessage(message("execute_result", { data: { "text/plain": "'a'" } })),
    {
      type: "result",
      text: "a",
      extra: {},
      is_main_result: true,
    },
  );
  assert.equal(
    (outputFromMessage(message("display_data", { data: {} })) as { is_main_result: boolean })
      .is_main_result,
    false,
  );
  assert.deepEqual(outputFromMessage(message("execute_input", { execution_count: 3 })), {
    type: "number_of_executions",
    execution_count: 3,
  });
  assert.equal(outputFromMessage(message("error", { ename: "E" }))?.type, "error");
  for (const ignored of ["status", "execute_reply", "comm_open", "clear_output"]) {
    assert.equal(outputFromMessage(message(ignored, { execution_state: "idle" })), undefined);
  }
  assert.equal(outputFromMessage(message("stream", { name: "other", text: "x" })), undefined);
});

Deno.test("stripAnsi() removes CSI and OSC sequences only", () => {
  assert.equal(stripAnsi("\u001b[38;5;241;43m1\u001b[39;49m/0"), "1/0");
  assert.equal(stripAnsi("\u001b]8;;http://x\u0007link\u001b]8;;\u0007"), "link");
  assert.equal(stripAnsi("plain [1] text"), "plain [1] text");
});
