import assert from "node:assert/strict";
import { Mutex } from "./mutex.ts";

Deno.test("Mutex.lock() grants the lock in request order, one holder at a time", async () => {
  const mutex = new Mutex();
  const events: string[] = [];
  let holders = 0;
  await Promise.all([1, 2, 3].map(async (n) => {
    using _lock = await mutex.lock();
    holders++;
    assert.equal(holders, 1);
    events.push(`start ${n}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    events.push(`end ${n}`);
    holders--;
  }));
  assert.deepEqual(events, ["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]);
});

Deno.test("Mutex.lock() handle releases only once when disposed twice", async () => {
  const mutex = new Mutex();
  const first = await mutex.lock();
  const second = mutex.lock();
  const third = mutex.lock();
  first[Symbol.dispose]();
  first[Symbol.dispose]();
  const secondHandle = await second;
  let thirdGranted = false;
  void third.then(() => thirdGranted = true);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(thirdGranted, false);
  secondHandle[Symbol.dispose]();
  (await third)[Symbol.dispose]();
  assert.equal(thirdGranted, true);
});
