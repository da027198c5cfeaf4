import assert from "node:assert/strict";
import { RequestValidationError } from "./errors.ts";
import { parseCreateContextRequest, parseExecuteRequest } from "./requests.ts";

Deno.test("parseExecuteRequest() accepts the Python SDK's nulls and the JS SDK's omissions", () => {
  assert.deepEqual(
    parseExecuteRequest({ code: "1", context_id: null, language: null, env_vars: null }),
    { code: "1", contextId: null, language: null, envVars: {} },
  );
  assert.deepEqual(parseExecuteRequest({ code: "x", language: "js", env_vars: { A: "1" } }), {
    code: "x",
    contextId: null,
    language: "js",
    envVars: { A: "1" },
  });
});

Deno.test("parseExecuteRequest() reports every problem as a 422 validation error", () => {
  assert.throws(() => parseExecuteRequest("nope"), RequestValidationError);
  try {
    parseExecuteRequest({ context_id: 5, env_vars: { A: 1 } });
    assert.fail("no error thrown");
  } catch (error) {
    assert.ok(error instanceof RequestValidationError);
    assert.equal(error.status, 422);
    assert.deepEqual(error.issues.map((issue) => issue.loc.join(".")), [
      "body.code",
      "body.context_id",
      "body.env_vars.A",
    ]);
  }
});

Deno.test("parseCreateContextRequest() defaults everything for an empty body", () => {
  assert.deepEqual(parseCreateContextRequest(undefined), { language: null, cwd: null });
  assert.deepEqual(parseCreateContextRequest({ language: "python", cwd: "/root" }), {
    language: "python",
    cwd: "/root",
  });
  assert.throws(() => parseCreateContextRequest({ cwd: 1 }), RequestValidationError);
});
