import assert from "node:assert/strict";
import { ApiError } from "../errors.ts";
import { errorBody, METRIC_FIELDS, setup } from "../testing/api_env.ts";
import { MAX_BATCH_METRICS, parseMetricsRange, parseSandboxIds } from "./sandbox_metrics.ts";

Deno.test("parseMetricsRange() and parseSandboxIds() check the query with 400s", () => {
  assert.deepEqual(parseMetricsRange(), { start: undefined, end: undefined });
  assert.deepEqual(parseMetricsRange("10", "20"), { start: 10, end: 20 });
  assert.deepEqual(parseSandboxIds(["a,b", "c", "a"]), ["a", "b", "c"]);
  const bad: (() => unknown)[] = [
    () => parseMetricsRange("x"),
    () => parseMetricsRange("1.5"),
    () => parseMetricsRange(undefined, "-1"),
    () => parseMetricsRange("20", "10"),
    () => parseSandboxIds([]),
    () => parseSandboxIds([" , "]),
    () =>
      parseSandboxIds([Array.from({ length: MAX_BATCH_METRICS + 1 }, (_, i) => `s${i}`).join()]),
  ];
  for (const fn of bad) {
    assert.throws(fn, (e: unknown) => e instanceof ApiError && e.status === 400, String(fn));
  }
});

Deno.test("metrics keep a history: in-range samples, and the batch form's latest sample", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 2 }], {
    metricsIntervalMs: 200,
  });
  const { sandboxID } = await (await env.call("POST", "/v2/sandboxes", {
    body: { templateID: "base" },
  })).json();
  const metrics = async (query = "") => {
    const res = await env.call("GET", `/sandboxes/${sandboxID}/metrics${query}`);
    assert.equal(res.status, 200);
    return await res.json() as { timestampUnix: number }[];
  };
  // The first request already has a sample, with every field the SDKs require.
  const [first, ...none] = await metrics();
  assert.equal(none.length, 0);
  for (const f of METRIC_FIELDS) assert.ok(f in first!, f);
  // Sampled in the background while watched: samples are one per runtime second.
  await new Promise((resolve) => setTimeout(resolve, 2300));
  const history = await metrics();
  assert.ok(history.length >= 2, JSON.stringify(history));
  const stamps = history.map((m) => m.timestampUnix);
  assert.deepEqual(stamps, [...new Set(stamps)].sort());
  assert.deepEqual(
    (await metrics(`?start=${first!.timestampUnix}&end=${first!.timestampUnix}`))
      .map((m) => m.timestampUnix),
    [first!.timestampUnix],
  );
  assert.deepEqual(await metrics(`?start=0&end=${first!.timestampUnix - 60}`), []);
  await errorBody(await env.call("GET", `/sandboxes/${sandboxID}/metrics?start=x`), 400);

  const batch = await env.call("GET", `/sandboxes/metrics?sandbox_ids=${sandboxID},unknownid`);
  assert.equal(batch.status, 200);
  const body = await batch.json();
  assert.deepEqual(Object.keys(body.sandboxes), [sandboxID]);
  for (const f of METRIC_FIELDS) assert.ok(f in body.sandboxes[sandboxID], f);
  // Another team sees nothing of it.
  assert.deepEqual(
    await (await env.call("GET", `/sandboxes/metrics?sandbox_ids=${sandboxID}`, {
      key: env.keys.b,
    })).json(),
    { sandboxes: {} },
  );
  await errorBody(await env.call("GET", "/sandboxes/metrics"), 400);
  await errorBody(
    await env.call("GET", `/sandboxes/${sandboxID}/metrics`, { key: env.keys.b }),
    404,
  );
});
