import assert from "node:assert/strict";
import { RuntimeState } from "./state.ts";

Deno.test("RuntimeState with a token from birth refuses /init without it or changing it", () => {
  const state = new RuntimeState({ accessToken: "birth" });
  assert.equal(state.accessToken, "birth");
  assert.equal(state.accepts(null), false);
  assert.equal(state.accepts("birth"), true);
  assert.equal(state.refuseInit(null, {}), "missing-token");
  assert.equal(state.refuseInit("other", { envVars: {} }), "missing-token");
  assert.equal(state.refuseInit("birth", { accessToken: "other" }), "token-change");
  assert.equal(state.refuseInit("birth", { accessToken: "" }), "token-change");
  assert.equal(state.refuseInit("birth", { accessToken: "birth" }), undefined);
  assert.equal(state.refuseInit("birth", { defaultUser: "root" }), undefined);
  assert.throws(() => state.apply({ accessToken: "" }), /change the access token/);
  assert.equal(state.accessToken, "birth");
});

Deno.test("RuntimeState without a token is open until an /init names one", () => {
  const state = new RuntimeState();
  assert.equal(state.accepts(null), true);
  assert.equal(state.refuseInit(null, { accessToken: "" }), undefined);
  state.apply({ accessToken: "" });
  assert.equal(state.accessToken, undefined, "an empty token sets nothing");
  state.apply({ accessToken: "late" });
  assert.equal(state.accepts(null), false);
  assert.equal(state.refuseInit(null, {}), "missing-token");
});

Deno.test("RuntimeState.apply() replaces the last /init's env vars over the template's", () => {
  const state = new RuntimeState({ envVars: { TEMPLATE: "t", SHARED: "t" } });
  assert.deepEqual(state.envVars, { E2B_SANDBOX: "true", TEMPLATE: "t", SHARED: "t" });
  state.apply({ envVars: { A: "1", SHARED: "a" } });
  assert.deepEqual(state.envVars, { E2B_SANDBOX: "true", TEMPLATE: "t", SHARED: "a", A: "1" });
  state.apply({ envVars: { B: "2" } });
  assert.deepEqual(state.envVars, { E2B_SANDBOX: "true", TEMPLATE: "t", SHARED: "t", B: "2" });
  state.apply({ defaultUser: "root" });
  assert.equal(state.envVars.B, "2", "an /init without envVars leaves them as they are");
  state.apply({ envVars: {} });
  assert.deepEqual(state.envVars, { E2B_SANDBOX: "true", TEMPLATE: "t", SHARED: "t" });
});

Deno.test("RuntimeState.apply() ignores an /init older than the last applied one", () => {
  const state = new RuntimeState();
  assert.equal(state.apply({ envVars: { A: "new" }, timestamp: "2026-01-01T00:00:10Z" }), true);
  assert.equal(state.apply({ envVars: { A: "old" }, timestamp: "2026-01-01T00:00:05Z" }), false);
  assert.equal(state.envVars.A, "new");
  assert.equal(state.apply({ envVars: { A: "same" }, timestamp: "2026-01-01T00:00:10Z" }), true);
  assert.equal(state.envVars.A, "same");
});
