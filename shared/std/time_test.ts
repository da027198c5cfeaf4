import assert from "node:assert/strict";
import { rfc3339Micro, rfc3339Seconds } from "./time.ts";

Deno.test("rfc3339Micro() writes six fractional digits and reads back as the same millisecond", () => {
  const ms = Date.UTC(2030, 0, 1, 0, 0, 1, 7);
  assert.equal(rfc3339Micro(ms), "2030-01-01T00:00:01.007000Z");
  assert.equal(Date.parse(rfc3339Micro(ms)), ms);
  assert.equal(rfc3339Micro(ms + 0.9), "2030-01-01T00:00:01.007000Z", "sub-millisecond is dropped");
  assert.equal(rfc3339Seconds(ms), "2030-01-01T00:00:01Z");
});
