import assert from "node:assert/strict";
import { ManualClock } from "@kruise-agents/shared/std";
import { Expectations } from "./expectations.ts";

Deno.test("Expectations counts creations until each is observed", () => {
  const e = new Expectations({ clock: new ManualClock(0) });
  assert.deepEqual(e.satisfied("ns/a"), true);
  e.expectCreations("ns/a", 3);
  assert.deepEqual(e.pending("ns/a").creates, 3);
  e.creationObserved("ns/a");
  e.creationObserved("ns/a");
  assert.deepEqual(e.satisfied("ns/a"), false);
  e.creationObserved("ns/a");
  assert.deepEqual(e.satisfied("ns/a"), true);
  e.creationObserved("ns/a");
  assert.deepEqual(e.pending("ns/a").creates, 0, "an extra observation does not go negative");
});

Deno.test("Expectations tracks deletions by uid, so an unrelated delete does not satisfy them", () => {
  const e = new Expectations({ clock: new ManualClock(0) });
  e.expectDeletion("ns/a", "uid-1");
  e.expectDeletion("ns/a", "uid-2");
  e.deletionObserved("ns/a", "uid-3");
  assert.deepEqual([...e.pending("ns/a").deletes].sort(), ["uid-1", "uid-2"]);
  e.deletionObserved("ns/a", "uid-1");
  e.deletionObserved("ns/a", "uid-2");
  assert.deepEqual(e.satisfied("ns/a"), true);
});

Deno.test("Expectations expire after the timeout, counted from the last raise", () => {
  const clock = new ManualClock(0);
  const e = new Expectations({ clock, timeoutMs: 1000 });
  e.expectCreations("k", 1);
  clock.advance(600);
  e.expectDeletion("k", "u");
  assert.deepEqual(e.pending("k").expiresInMs, 1000);
  clock.advance(999);
  assert.deepEqual(e.satisfied("k"), false);
  clock.advance(1);
  assert.deepEqual(e.satisfied("k"), true);
  assert.deepEqual(e.pending("k").creates, 0);
});

Deno.test("Expectations keeps keys apart and delete() drops one key", () => {
  const e = new Expectations({ clock: new ManualClock(0) });
  e.expectCreations("a", 1);
  e.expectCreations("b", 2);
  e.delete("a");
  assert.deepEqual(e.satisfied("a"), true);
  assert.deepEqual(e.pending("b").creates, 2);
});
