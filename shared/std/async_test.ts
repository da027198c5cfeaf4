import assert from "node:assert/strict";
import { delay, ManualClock, pause, poll, settleEach } from "./mod.ts";

Deno.test("delay() resolves after the time and rejects with the abort reason", async () => {
  await delay(1);
  const controller = new AbortController();
  const pending = delay(10_000, { signal: controller.signal });
  controller.abort(new Error("stop"));
  await assert.rejects(pending, { message: "stop" });
  await assert.rejects(delay(1, { signal: AbortSignal.abort(new Error("early")) }), {
    message: "early",
  });
});

Deno.test("delay() waits on an injected clock", async () => {
  const clock = new ManualClock(0);
  let done = false;
  const pending = delay(1000, { clock }).then(() => done = true);
  clock.advance(999);
  await Promise.resolve();
  assert.equal(done, false);
  clock.advance(1);
  await pending;
  assert.equal(done, true);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("pause() ends quietly on abort", async () => {
  const controller = new AbortController();
  const pending = pause(10_000, { signal: controller.signal });
  controller.abort(new Error("stop"));
  await pending;
});

Deno.test("poll() returns the first defined value and times out with a TimeoutError", async () => {
  let calls = 0;
  assert.equal(await poll("three calls", () => ++calls === 3 ? "ok" : undefined), "ok");
  await assert.rejects(
    poll("never", () => undefined, { timeoutMs: 30, intervalMs: 5 }),
    (e: unknown) =>
      e instanceof DOMException && e.name === "TimeoutError" && /never/.test(e.message),
  );
});

Deno.test("settleEach() keeps at most `limit` calls in flight and settles every item", async () => {
  const cases: { items: number[]; limit: number; peak: number }[] = [
    { items: [], limit: 4, peak: 0 },
    { items: [1, 2, 3, 4, 5], limit: 2, peak: 2 },
    { items: [1, 2], limit: 8, peak: 2 },
    { items: [1, 2, 3], limit: 0, peak: 1 },
  ];
  for (const { items, limit, peak } of cases) {
    let inFlight = 0, seen = 0;
    const results = await settleEach(items, limit, async (n) => {
      seen = Math.max(seen, ++inFlight);
      await delay(2);
      inFlight--;
      if (n === 3) throw new Error("three");
      return n * 10;
    });
    assert.equal(seen, peak, `peak for ${items.length} items, limit ${limit}`);
    assert.deepEqual(
      results.map((r) => r.status === "fulfilled" ? r.value : (r.reason as Error).message),
      items.map((n) => n === 3 ? "three" : n * 10),
    );
  }
});
