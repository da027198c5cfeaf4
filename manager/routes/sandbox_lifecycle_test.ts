import assert from "node:assert/strict";
import { errorBody, setup } from "../testing/api_env.ts";

Deno.test("refreshes raise durations below 15 s to 15 s and never shorten", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 1 }]);
  const { sandboxID } = await (await env.call("POST", "/v2/sandboxes", {
    body: { templateID: "base", timeout: 1 },
  })).json();
  const endAt = async () =>
    Date.parse((await (await env.call("GET", `/sandboxes/${sandboxID}`)).json()).endAt);
  assert.ok(await endAt() <= Date.now() + 1000);
  for (const body of [{ duration: 1 }, { duration: 0 }, {}, undefined]) {
    const before = Date.now();
    const res = await env.call("POST", `/sandboxes/${sandboxID}/refreshes`, { body });
    assert.equal(res.status, 204, JSON.stringify(body));
    const end = await endAt();
    assert.ok(end >= before + 14_000 && end <= Date.now() + 15_000, JSON.stringify(body));
  }
  // Longer durations extend; shorter ones never shorten.
  assert.equal(
    (await env.call("POST", `/sandboxes/${sandboxID}/refreshes`, { body: { duration: 120 } }))
      .status,
    204,
  );
  const extended = await endAt();
  assert.ok(extended >= Date.now() + 110_000);
  await env.call("POST", `/sandboxes/${sandboxID}/refreshes`, { body: { duration: 5 } });
  assert.equal(await endAt(), extended);
  await errorBody(
    await env.call("POST", `/sandboxes/${sandboxID}/refreshes`, { body: { duration: 7200 } }),
    400,
  );
});
