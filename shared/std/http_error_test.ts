import assert from "node:assert/strict";
import { HttpError } from "./http_error.ts";

Deno.test("HttpError names itself after the class it was constructed as and keeps the cause", () => {
  class NotThere extends HttpError {}
  const cause = new Error("lower layer");
  const error = new NotThere(404, "Cannot find it", { cause });
  assert.ok(error instanceof HttpError);
  assert.equal(error.name, "NotThere");
  assert.equal(error.status, 404);
  assert.equal(error.message, "Cannot find it");
  assert.equal(error.cause, cause);
  assert.equal(new HttpError(500, "x").name, "HttpError");
});
