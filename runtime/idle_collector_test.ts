import assert from "node:assert/strict";
import { IdleCollector } from "./idle_collector.ts";

/** A collector on a hand-driven timer queue. */
function harness(delayMs = 1000) {
  let now = 0, next = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const collected: number[] = [];
  const collector = new IdleCollector({
    delayMs,
    collect: () => collected.push(now),
    setTimeout: (fn, ms) => {
      timers.set(next, { at: now + ms, fn });
      return next++;
    },
    clearTimeout: (id) => timers.delete(id as number),
  });
  const advance = (ms: number) => {
    now += ms;
    for (const [id, t] of [...timers]) {
      if (t.at <= now) {
        timers.delete(id);
        t.fn();
      }
    }
  };
  return { collector, collected, advance, timers };
}

Deno.test("IdleCollector collects once, a quiet delay after a burst", () => {
  const h = harness();
  h.collector.idle();
  h.advance(5000);
  assert.deepEqual(h.collected, [], "nothing happened: nothing to collect, no timer");
  assert.equal(h.timers.size, 0);

  h.collector.busy();
  h.collector.busy();
  h.collector.idle();
  h.advance(999);
  assert.deepEqual(h.collected, []);
  h.advance(1);
  assert.deepEqual(h.collected, [6000]);

  h.collector.idle();
  h.advance(5000);
  assert.equal(h.collector.collections, 1, "idle again without a request: no second collection");
});

Deno.test("IdleCollector waits while busy: a request inside the delay restarts it", () => {
  const h = harness();
  h.collector.busy();
  h.collector.idle();
  h.advance(600);
  h.collector.busy(); // a new request before the delay ran out
  h.advance(600);
  assert.deepEqual(h.collected, [], "no collection while a request is in flight");
  h.collector.idle();
  h.advance(999);
  assert.deepEqual(h.collected, []);
  h.advance(1);
  assert.deepEqual(h.collected, [2200]);
});

Deno.test("IdleCollector does nothing without a gc to call", () => {
  const collector = new IdleCollector({ collect: undefined });
  collector.busy();
  collector.idle(); // V8's gc is not exposed in tests: no timer is left behind
  assert.equal(collector.collections, 0);
});
