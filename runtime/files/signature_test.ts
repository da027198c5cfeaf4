import assert from "node:assert/strict";
import { RuntimeState } from "../state.ts";
import { checkFileAccess, fileSignature } from "./signature.ts";

const TOKEN = "0tQG31xiMp0IOQfaz9dcwi72L1CPo8e0";

Deno.test("fileSignature() matches the SDK tests' known vector", async () => {
  assert.equal(
    await fileSignature("hello.txt", "read", "user", TOKEN),
    "v1_gUtH/s9YCJWgCizjfUxuWfhFE4QSydOWEIIvfLwDr6E",
  );
});

Deno.test("checkFileAccess() applies envd's order of checks", async (t) => {
  const state = new RuntimeState();
  const req = (query: string, headers: HeadersInit = {}) =>
    new Request(`http://sandbox/files?${query}`, { headers });
  const now = 1_700_000_000_000;
  const fails = (r: Request, message: string, op: "read" | "write" = "read") =>
    assert.rejects(checkFileAccess(r, state, op, now), { status: 401, message });

  await t.step("open when the sandbox has no token", async () => {
    await checkFileAccess(req("path=x"), state, "read", now);
  });
  state.apply({ accessToken: TOKEN });
  await t.step("a matching header token wins, a wrong one fails", async () => {
    await checkFileAccess(req("path=x", { "x-access-token": TOKEN }), state, "read", now);
    await fails(
      req("path=x", { "x-access-token": "nope" }),
      "access token present in header but does not match",
    );
  });
  await t.step("signatures: missing, wrong, wrong operation, valid, expired", async () => {
    await fails(req("path=x"), "missing signature query parameter");
    await fails(req("path=x&signature=v1_nope"), "invalid signature");
    const read = await fileSignature("x", "read", "", TOKEN);
    await checkFileAccess(req(`path=x&signature=${encodeURIComponent(read)}`), state, "read", now);
    await fails(req(`path=x&signature=${encodeURIComponent(read)}`), "invalid signature", "write");
    const exp = now / 1000 + 10;
    const timed = await fileSignature("x", "read", "root", TOKEN, exp);
    const q = `path=x&username=root&signature=${
      encodeURIComponent(timed)
    }&signature_expiration=${exp}`;
    await checkFileAccess(req(q), state, "read", now);
    await assert.rejects(checkFileAccess(req(q), state, "read", now + 11_000), {
      status: 401,
      message: "signature is already expired",
    });
  });
});
