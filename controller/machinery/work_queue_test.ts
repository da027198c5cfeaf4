import { assertEquals, assertThrows } from "./_assert.ts";
import { ManualClock } from "./clock.ts";
import { WorkQueue } from "./work_queue.ts";

Deno.test("WorkQueue.add() stores a waiting key once however often it is added", async () => {
  const queue = new WorkQueue();
  queue.add("a");
  queue.add("b");
  queue.add("a");
  assertEquals(queue.length, 2);
  assertEquals(await queue.get(), "a");
  assertEquals(await queue.get(), "b");
  assertEquals(queue.length, 0);
});

Deno.test("WorkQueue.get() never hands one key to two workers; a re-add waits for done()", async () => {
  const queue = new WorkQueue();
  queue.add("a");
  const first = await queue.get();
  assertEquals(first, "a");
  queue.add("a");
  queue.add("a");
  assertEquals(queue.length, 0, "a key in process is parked, not queued");
  let second: string | undefined;
  const pending = queue.get().then((k) => second = k);
  await Promise.resolve();
  assertEquals(second, undefined);
  queue.done("a");
  await pending;
  assertEquals(second, "a");
  queue.done("a");
  assertEquals(queue.length, 0, "the parked adds collapsed into one");
});

Deno.test("WorkQueue.get() resolves a waiting getter when a key arrives", async () => {
  const queue = new WorkQueue();
  const got = queue.get();
  queue.add("x");
  assertEquals(await got, "x");
});

Deno.test("WorkQueue.addAfter() delays a key and keeps the earliest of two delays", async () => {
  const clock = new ManualClock(0);
  const queue = new WorkQueue({ clock });
  queue.addAfter("a", 1000);
  queue.addAfter("a", 300);
  queue.addAfter("a", 2000);
  clock.advance(299);
  assertEquals(queue.length, 0);
  clock.advance(1);
  assertEquals(queue.length, 1);
  assertEquals(await queue.get(), "a");
  queue.done("a");
  clock.advance(5000);
  assertEquals(queue.length, 0, "the later delays were replaced, not kept");
});

Deno.test("WorkQueue.addRateLimited() backs off exponentially per key until forget()", () => {
  const queue = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 50 });
  assertEquals(queue.backoffFor("a"), 10);
  assertEquals(queue.backoffFor("a"), 20);
  assertEquals(queue.backoffFor("a"), 40);
  assertEquals(queue.backoffFor("a"), 50);
  assertEquals(queue.backoffFor("a"), 50);
  assertEquals(queue.backoffFor("b"), 10, "keys back off independently");
  assertEquals(queue.failures("a"), 5);
  queue.forget("a");
  assertEquals(queue.failures("a"), 0);
  assertEquals(queue.backoffFor("a"), 10);
});

Deno.test("WorkQueue.addRateLimited() adds the key after its backoff delay", () => {
  const clock = new ManualClock(0);
  const queue = new WorkQueue({ clock, baseDelayMs: 100 });
  queue.addRateLimited("a");
  clock.advance(99);
  assertEquals(queue.length, 0);
  clock.advance(1);
  assertEquals(queue.length, 1);
});

Deno.test("WorkQueue.shutdown() releases getters, drops delayed adds and refuses new keys", async () => {
  const clock = new ManualClock(0);
  const queue = new WorkQueue({ clock });
  const waiting = queue.get();
  queue.addAfter("late", 10);
  queue.shutdown();
  assertEquals(await waiting, undefined);
  assertEquals(clock.pendingTimers, 0);
  queue.add("b");
  assertEquals(await queue.get(), undefined);
  assertEquals(queue.shuttingDown, true);
});

Deno.test("new WorkQueue() rejects a backoff cap below its base", () => {
  assertThrows(() => new WorkQueue({ baseDelayMs: 10, maxDelayMs: 5 }), RangeError);
});
