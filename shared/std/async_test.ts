import assert from "node:assert/strict";
import { delay, ManualClock, pause, poll } from "./mod.ts";

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
