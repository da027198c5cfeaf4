import assert from "node:assert/strict";
import { ManualClock } from "@kruise-agents/shared/std";
import { Controller } from "./controller.ts";
import { TerminalError } from "./result.ts";
import { WorkQueue } from "./work_queue.ts";

/** Lets queued microtasks and the workers' awaits run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
}

Deno.test("Controller retries a failing key with backoff, then forgets it on success", async () => {
  const clock = new ManualClock(0);
  const queue = new WorkQueue({ clock, baseDelayMs: 100 });
  const calls: number[] = [];
  let failuresLeft = 2;
  const controller = new Controller({
    name: "t",
    queue,
    workers: 1,
    reconcile: () => {
      calls.push(clock.now());
      if (failuresLeft-- > 0) return Promise.reject(new Error("boom"));
      return Promise.resolve();
    },
  });
  controller.start();
  queue.add("k");
  await settle();
  assert.deepEqual(calls, [0]);
  clock.advance(100);
  await settle();
  assert.deepEqual(calls, [0, 100]);
  clock.advance(199);
  await settle();
  assert.deepEqual(calls.length, 2, "the second retry waits twice as long");
  clock.advance(1);
  await settle();
  assert.deepEqual(calls, [0, 100, 300]);
  assert.deepEqual(queue.failures("k"), 0, "success forgets the backoff");
  await controller.stop();
});

Deno.test("Controller drops a key whose reconcile throws TerminalError", async () => {
  const clock = new ManualClock(0);
  const queue = new WorkQueue({ clock });
  let calls = 0;
  const controller = new Controller({
    name: "t",
    queue,
    reconcile: () => {
      calls++;
      return Promise.reject(new TerminalError("invalid"));
    },
  });
  controller.start();
  queue.add("k");
  await settle();
  clock.advance(60_000);
  await settle();
  assert.deepEqual(calls, 1);
  assert.deepEqual(clock.pendingTimers, 0);
  await controller.stop();
});

Deno.test("Controller requeues after requeueAfter and resets the backoff", async () => {
  const clock = new ManualClock(0);
  const queue = new WorkQueue({ clock });
  const calls: number[] = [];
  const controller = new Controller({
    name: "t",
    queue,
    reconcile: () => {
      calls.push(clock.now());
      return Promise.resolve(calls.length === 1 ? { requeueAfter: 5000 } : undefined);
    },
  });
  queue.backoffFor("k");
  controller.start();
  queue.add("k");
  await settle();
  assert.deepEqual(queue.failures("k"), 0);
  clock.advance(4999);
  await settle();
  assert.deepEqual(calls, [0]);
  clock.advance(1);
  await settle();
  assert.deepEqual(calls, [0, 5000]);
  await controller.stop();
});

Deno.test("Controller never reconciles one key concurrently, even with many workers", async () => {
  const queue = new WorkQueue();
  let inFlight = 0;
  let maxInFlight = 0;
  let calls = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const controller = new Controller({
    name: "t",
    queue,
    workers: 4,
    reconcile: async () => {
      calls++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await gate;
      inFlight--;
    },
  });
  controller.start();
  queue.add("k");
  await settle();
  for (let i = 0; i < 10; i++) queue.add("k");
  await settle();
  release();
  await settle();
  assert.deepEqual(maxInFlight, 1);
  assert.deepEqual(calls, 2, "ten adds during processing collapse into one more reconcile");
  await controller.stop();
});

Deno.test("Controller.stop() waits for the reconcile in flight", async () => {
  const queue = new WorkQueue();
  let finished = false;
  const controller = new Controller({
    name: "t",
    queue,
    reconcile: async () => {
      await new Promise((r) => setTimeout(r, 20));
      finished = true;
    },
  });
  controller.start();
  queue.add("k");
  await settle();
  await controller.stop();
  assert.deepEqual(finished, true);
});
