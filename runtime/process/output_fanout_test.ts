import assert from "node:assert/strict";
import { Fanout } from "./output_fanout.ts";

Deno.test("Fanout sends every item to every subscriber and the end to late ones", async () => {
  const fanout = new Fanout<string>();
  const a = fanout.subscribe(), b = fanout.subscribe();
  await fanout.publish("x");
  fanout.close(["end"]);
  assert.deepEqual(await Array.fromAsync(a), ["x", "end"]);
  assert.deepEqual(await Array.fromAsync(b), ["x", "end"]);
  assert.deepEqual(await Array.fromAsync(fanout.subscribe()), ["end"]);
  await assert.rejects(fanout.publish("late"), TypeError);
});

Deno.test("Fanout.publish() waits for a full subscriber and not for a cancelled one", async () => {
  const fanout = new Fanout<number>({ highWaterMark: 2 });
  const stream = fanout.subscribe();
  await fanout.publish(1);
  let done = false;
  const pending = fanout.publish(2).then(() => done = true);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(done, false, "publish must wait while the subscriber is full");
  const reader = stream.getReader();
  assert.equal((await reader.read()).value, 1);
  await pending;
  const blocked = fanout.publish(3);
  await reader.cancel();
  await blocked;
  assert.equal(fanout.size, 0);
});

Deno.test("Fanout drops items when nobody listens", async () => {
  const fanout = new Fanout<number>({ highWaterMark: 1 });
  for (let i = 0; i < 100; i++) await fanout.publish(i);
  fanout.close([-1]);
  assert.deepEqual(await Array.fromAsync(fanout.subscribe()), [-1]);
});
