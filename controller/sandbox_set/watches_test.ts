import assert from "node:assert/strict";
import type { Sandbox, SandboxSet } from "@kruise-agents/shared/api";
import type { Cached, EventHandler, Informer } from "@kruise-agents/shared/kube";
import { ManualClock } from "@kruise-agents/shared/std";
import { Expectations } from "../machinery/expectations.ts";
import { WorkQueue } from "../machinery/work_queue.ts";
import { standaloneSandbox } from "../_test_kit.ts";
import { REFILL_DELAY_MS, watchSandboxSets } from "./watches.ts";

/** An informer that only records the handlers it is given. */
function fakeInformer<T extends Cached>(): Informer<T> & { handler: EventHandler<T> } {
  const fake = {
    handler: {} as EventHandler<T>,
    addEventHandler(handler: EventHandler<T>) {
      fake.handler = handler;
    },
  };
  return fake as unknown as Informer<T> & { handler: EventHandler<T> };
}

function member(name: string, set?: string): Sandbox {
  const sandbox = standaloneSandbox(name);
  if (set !== undefined) {
    sandbox.metadata.ownerReferences = [{
      apiVersion: "agents.kruise.io/v1alpha1",
      kind: "SandboxSet",
      name: set,
      uid: `uid-${set}`,
      controller: true,
    }];
  }
  return sandbox;
}

Deno.test("a claim queues its pool's refill after the delay; other member changes at once", async () => {
  const cases: { name: string; old: Sandbox; now: Sandbox; at0: string[]; atDelay: string[] }[] = [
    {
      name: "claim (the set's ownerReference removed)",
      old: member("a", "pool"),
      now: member("a"),
      at0: [],
      atDelay: ["team-a/pool"],
    },
    {
      name: "a member's own change",
      old: member("a", "pool"),
      now: member("a", "pool"),
      at0: ["team-a/pool"],
      atDelay: [],
    },
    {
      name: "moved to another set: the new owner at once, the old after the delay",
      old: member("a", "old"),
      now: member("a", "new"),
      at0: ["team-a/new"],
      atDelay: ["team-a/old"],
    },
  ];
  for (const c of cases) {
    const clock = new ManualClock(0);
    const queue = new WorkQueue({ clock });
    const sets = fakeInformer<SandboxSet>();
    const sandboxes = fakeInformer<Sandbox>();
    watchSandboxSets({ sets, sandboxes }, { queue, expectations: new Expectations({ clock }) });
    sandboxes.handler.onUpdate?.(c.old, c.now);
    const drain = async () => {
      const keys: string[] = [];
      while (queue.length > 0) {
        const key = (await queue.get())!;
        keys.push(key);
        queue.done(key);
      }
      return keys;
    };
    assert.deepEqual(await drain(), c.at0, `${c.name}: queued at once`);
    clock.advance(REFILL_DELAY_MS - 1);
    assert.deepEqual(await drain(), [], `${c.name}: nothing before the delay`);
    clock.advance(1);
    assert.deepEqual(await drain(), c.atDelay, `${c.name}: queued after the delay`);
    queue.shutdown();
  }
});
