import assert from "node:assert/strict";
import { ManualClock } from "@kruise-agents/shared/std";
import { WorkQueue } from "./work_queue.ts";

Deno.test("WorkQueue.add() stores a waiting key once however often it is added", async () => {
  const queue = new WorkQueue();
  queue.add("a");
  queue.add("b");
  queue.add("a");
  assert.deepEqual(queue.length, 2);
  assert.deepEqual(await queue.get(), "a");
  assert.deepEqual(await queue.get(), "b");
  assert.deepEqual(queue.length, 0);
});

Deno.test("WorkQueue.get() never hands one key to two workers; a re-add waits for done()", async () => {
  const queue = new WorkQueue();
  queue.add("a");
  const first = await queue.get();
  assert.deepEqual(first, "a");
  queue.add("a");
  queue.add("a");
  assert.deepEqual(queue.length, 0, "a key in process is parked, not queued");
  let second: string | undefined;
  const pending = queue.get().then((k) => second = k);
  await Promise.resolve();
  assert.deepEqual(second, undefined);
  queue.done("a");
  await pending;
  assert.deepEqual(second, "a");
  queue.done("a");
  assert.deepEqual(queue.length, 0, "the parked adds collapsed into one");
});

Deno.test("WorkQueue.get() resolves a waiting getter when a key arrives", async () => {
  const queue = new WorkQueue();
  const got = queue.get();
  queue.add("x");
  assert.deepEqual(await got, "x");
});

Deno.test("WorkQueue.addAfter() delays a key and keeps the earliest of two delays", async () => {
  const clock = new ManualClock(0);
  const queue = new WorkQueue({ clock });
  queue.addAfter("a", 1000);
  queue.addAfter("a", 300);
  queue.addAfter("a", 2000);
  clock.advance(299);
  assert.deepEqual(queue.length, 0);
  clock.advance(1);
  assert.deepEqual(queue.length, 1);
  assert.deepEqual(await queue.get(), "a");
  queue.done("a");
  clock.advance(5000);
  assert.deepEqual(queue.length, 0, "the later delays were replaced, not kept");
});

Deno.test("WorkQueue.addRateLimited() backs off exponentially per key until forget()", () => {
  const queue = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 50 });
  assert.deepEqual(queue.backoffFor("a"), 10);
  assert.deepEqual(queue.backoffFor("a"), 20);
  assert.deepEqual(queue.backoffFor("a"), 40);
  assert.deepEqual(queue.backoffFor("a"), 50);
  assert.deepEqual(queue.backoffFor("a"), 50);
  assert.deepEqual(queue.backoffFor("b"), 10, "keys back off independently");
  assert.deepEqual(queue.failures("a"), 5);
  queue.forget("a");
  assert.deepEqual(queue.failures("a"), 0);
  assert.deepEqual(queue.backoffFor("a"), 10);
});

Deno.test("WorkQueue.addRateLimited() adds the key after its backoff delay", () => {
  const clock = new ManualClock(0);
  const queue = new WorkQueue({ clock, baseDelayMs: 100 });
  queue.addRateLimited("a");
  clock.advance(99);
  assert.deepEqual(queue.length, 0);
  clock.advance(1);
  assert.deepEqual(queue.length, 1);
});

Deno.test("WorkQueue.shutdown() releases getters, drops delayed adds and refuses new keys", async () => {
  const clock = new ManualClock(0);
  const queue = new WorkQueue({ clock });
  const waiting = queue.get();
  queue.addAfter("late", 10);
  queue.shutdown();
  assert.deepEqual(await waiting, undefined);
  assert.deepEqual(clock.pendingTimers, 0);
  queue.add("b");
  assert.deepEqual(await queue.get(), undefined);
  assert.deepEqual(queue.shuttingDown, true);
});

Deno.test("new WorkQueue() rejects a backoff cap below its base", () => {
  assert.throws(() => new WorkQueue({ baseDelayMs: 10, maxDelayMs: 5 }), RangeError);
});
