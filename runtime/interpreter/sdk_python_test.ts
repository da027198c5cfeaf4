/**
 * Acceptance through the published Python SDK (`e2b-code-interpreter` from PyPI, see
 * `hack/requirements.txt`), run as a `python3` subprocess in debug mode (no API calls) with
 * `sandbox_url` pointing at the interpreter under test. The script reports what it saw as JSON;
 * the assertions are here.
 */
import assert from "node:assert/strict";
import { startTestInterpreter } from "./_test_util.ts";

const SCRIPT = `
import json, sys, time
from e2b_code_interpreter import Context, Sandbox
from e2b.exceptions import NotFoundException, SandboxException, TimeoutException

sbx = Sandbox.create(debug=True, sandbox_url=sys.argv[1])
out = {}

out["hello"] = sbx.run_code("print('hello world')").logs.stdout

sbx.run_code("x = 1")
out["print_x"] = sbx.run_code("print(x)").logs.stdout
out["text"] = sbx.run_code("x + 1").text

events = []
sbx.run_code(
    "import sys\\nprint('a', flush=True)\\nprint('b', file=sys.stderr, flush=True)\\n'c'",
    on_stdout=lambda o: events.append(["stdout", o.line]),
    on_stderr=lambda o: events.append(["stderr", o.line]),
    on_result=lambda r: events.append(["result", r.text]),
)
out["events"] = events

error = sbx.run_code("1/0").error
out["error"] = {"name": error.name, "value": error.value, "traceback": error.traceback}

try:
    sbx.run_code("1", context=Context("nope", "python", "/"))
    out["not_found"] = None
except NotFoundException as e:
    out["not_found"] = str(e)

context = sbx.create_code_context()
sbx.run_code("y = 3", context=context)
try:
    sbx.run_code("import time\\ntime.sleep(300)", context=context, timeout=3)
    out["timed_out"] = False
except TimeoutException:
    out["timed_out"] = True
started = time.monotonic()
after = sbx.run_code("y + 1", context=context)
out["after_timeout"] = {"text": after.text, "seconds": time.monotonic() - started}

print(json.dumps(out))
`;

Deno.test("e2b-code-interpreter (Python) runs code on the interpreter's kernels", async () => {
  await using served = await startTestInterpreter();
  const { code, stdout, stderr } = await new Deno.Command("python3", {
    args: ["-c", SCRIPT, served.url],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const errors = new TextDecoder().decode(stderr);
  assert.equal(code, 0, errors);
  const out = JSON.parse(new TextDecoder().decode(stdout));

  // The seed snippet: sbx.run_code("print('hello world')") prints through the SDK's logs.
  assert.deepEqual(out.hello, ["hello world\n"]);
  assert.deepEqual(out.print_x, ["1\n"]);
  assert.equal(out.text, "2");
  assert.deepEqual(out.events, [["stdout", "a\n"], ["stderr", "b\n"], ["result", "c"]]);
  assert.equal(out.error.name, "ZeroDivisionError");
  assert.equal(out.error.value, "division by zero");
  assert.match(out.error.traceback, /ZeroDivisionError: division by zero/);
  assert.equal(out.not_found, "Context nope not found");
  assert.equal(out.timed_out, true);
  // The acceptance point: the client gave up on time.sleep(300); the kernel was interrupted and
  // the next run in that context answers within 5 s, with the context's state intact.
  assert.equal(out.after_timeout.text, "4");
  assert.ok(out.after_timeout.seconds < 5, `answered after ${out.after_timeout.seconds} s`);
});
