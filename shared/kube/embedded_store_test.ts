// Behaviours of the embedded store that a cluster has no counterpart for (persistence, deep
// copies, watcher buffers) or that the contract test cannot make deterministic on a real server.
// The shared API semantics are in contract_test.ts, contract_delete_test.ts and
// contract_watch_test.ts.
import assert from "node:assert/strict";
import { silentLogger } from "../std/logger.ts";
import { isGone, type KubeObject, NAMESPACES, PODS, SANDBOX_SETS, SANDBOXES } from "./client.ts";
import { EmbeddedStore } from "./embedded_store.ts";
import { isKubeApiError } from "./_test_util.ts";
import { ManualClock } from "../std/clock.ts";

function sandbox(name: string, extra: Partial<KubeObject["metadata"]> = {}): KubeObject {
  return {
    apiVersion: SANDBOXES.apiVersion,
    kind: SANDBOXES.kind,
    metadata: { name, namespace: "team", ...extra },
    spec: { paused: false },
  };
}

Deno.test("EmbeddedStore.open() on the same dataDir restores every object and continues the resourceVersion", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    let last: string;
    {
      await using store = await EmbeddedStore.open({ dataDir });
      const owner = await store.create(SANDBOX_SETS, {
        ...sandbox("set"),
        apiVersion: SANDBOX_SETS.apiVersion,
        kind: SANDBOX_SETS.kind,
      });
      await store.create(SANDBOXES, sandbox("a", { labels: { x: "1" } }));
      const b = await store.create(SANDBOXES, sandbox("b"));
      await store.updateStatus(SANDBOXES, { ...b, status: { phase: "Running" } });
      await store.create(SANDBOXES, sandbox("gone"));
      await store.delete(SANDBOXES, "team", "gone");
      await store.create(
        SANDBOXES,
        sandbox("owned", {
          ownerReferences: [{
            ...owner.metadata,
            apiVersion: owner.apiVersion,
            kind: owner.kind,
            name: "set",
            uid: owner.metadata.uid!,
          }],
        }),
      );
      last = store.resourceVersion;
    }
    const before = await (async () => {
      await using store = await EmbeddedStore.open({ dataDir });
      assert.equal(store.resourceVersion, last, "the counter survives, deletes included");
      const list = await store.list(SANDBOXES, { namespace: "team" });
      assert.deepEqual(list.items.map((i) => i.metadata.name), ["a", "b", "owned"]);
      assert.deepEqual(list.items[0]!.metadata.labels, { x: "1" });
      assert.deepEqual(list.items[1]!.status, { phase: "Running" });
      const next = await store.create(SANDBOXES, sandbox("c"));
      assert.equal(Number(next.metadata.resourceVersion), Number(last) + 1);
      // The ownerReference index is rebuilt too: deleting the owner still collects "owned".
      await store.delete(SANDBOX_SETS, "team", "set");
      return store.list(SANDBOXES, { namespace: "team" });
    })();
    await using store = await EmbeddedStore.open({ dataDir });
    const after = await store.list(SANDBOXES, { namespace: "team" });
    assert.deepEqual(after.items.map((i) => i.metadata.name), ["a", "b", "c"]);
    assert.deepEqual(after, before);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("EmbeddedStore.open() ignores a torn last log line (a crash mid-append)", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    {
      await using store = await EmbeddedStore.open({ dataDir });
      await store.create(SANDBOXES, sandbox("kept"));
    }
    await Deno.writeTextFile(`${dataDir}/log.jsonl`, '{"rv":99,"put":{"resou', { append: true });
    await using store = await EmbeddedStore.open({ dataDir });
    assert.deepEqual((await store.list(SANDBOXES)).items.map((i) => i.metadata.name), ["kept"]);
    assert.equal(store.resourceVersion, "1");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("EmbeddedStore keeps its files root's alone, and sets a damaged record aside once", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    {
      await using store = await EmbeddedStore.open({ dataDir, logger: silentLogger });
      await store.create(SANDBOXES, sandbox("first"));
      await store.create(SANDBOXES, sandbox("second"));
    }
    // A damaged line in the middle of the log, with a good one after it.
    const [first, second] = (await Deno.readTextFile(`${dataDir}/log.jsonl`)).split("\n");
    await Deno.writeTextFile(`${dataDir}/log.jsonl`, `${first}\n{not json}\n${second}\n`);
    const reported: string[] = [];
    const logger = { ...silentLogger, error: (msg: string) => void reported.push(msg) };
    {
      await using store = await EmbeddedStore.open({ dataDir, logger });
      const names = (await store.list(SANDBOXES)).items.map((i) => i.metadata.name).sort();
      assert.deepEqual(names, ["first", "second"]);
    }
    assert.deepEqual(reported, ["set aside a damaged record of the embedded store"]);
    // Set aside at the first open after the damage (reported there), not again afterwards.
    {
      await using _store = await EmbeddedStore.open({ dataDir, logger });
    }
    assert.equal(reported.length, 1);
    assert.match(await Deno.readTextFile(`${dataDir}/damaged.jsonl`), /\{not json\}/);
    for await (const entry of Deno.readDir(dataDir)) {
      const mode = (await Deno.stat(`${dataDir}/${entry.name}`)).mode! & 0o777;
      assert.equal(mode & 0o077, 0, `${entry.name} is ${mode.toString(8)}`);
    }
    assert.equal((await Deno.stat(dataDir)).mode! & 0o777, 0o700);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("EmbeddedStore copies objects in and out: callers cannot change stored state", async () => {
  await using store = await EmbeddedStore.open();
  const input = sandbox("a", { labels: { v: "1" } });
  const created = await store.create(SANDBOXES, input);
  input.metadata.labels!.v = "changed-input";
  created.metadata.labels!.v = "changed-output";
  const got = await store.get(SANDBOXES, "team", "a");
  got.metadata.labels!.v = "changed-get";
  assert.deepEqual((await store.get(SANDBOXES, "team", "a")).metadata.labels, { v: "1" });
});

Deno.test('EmbeddedStore.watch() without resourceVersion starts at the call; "0" replays the state first', async () => {
  await using store = await EmbeddedStore.open();
  await store.create(SANDBOXES, sandbox("old"));
  const controller = new AbortController();
  const fromNow = store.watch(SANDBOXES, { signal: controller.signal })[Symbol.asyncIterator]();
  const fromZero = store.watch(SANDBOXES, { resourceVersion: "0", signal: controller.signal })[
    Symbol.asyncIterator
  ]();
  await store.create(SANDBOXES, sandbox("new"));
  const first = await fromNow.next();
  assert.deepEqual([first.value?.type, first.value?.object.metadata.name], ["ADDED", "new"]);
  const replay = [(await fromZero.next()).value, (await fromZero.next()).value];
  assert.deepEqual(replay.map((e) => [e?.type, e?.object.metadata.name]), [
    ["ADDED", "old"],
    ["ADDED", "new"],
  ]);
  controller.abort();
  assert.equal((await fromNow.next()).done, true);
  assert.equal((await fromZero.next()).done, true);
});

Deno.test("EmbeddedStore ends a watcher that falls too far behind with 410 Gone, without blocking writers", async () => {
  await using store = await EmbeddedStore.open({ watchBufferLimit: 5 });
  const events = store.watch(SANDBOXES, {})[Symbol.asyncIterator]();
  const first = events.next(); // registers the watcher
  await store.create(SANDBOXES, sandbox("s0"));
  assert.equal((await first).value?.object.metadata.name, "s0");
  for (let i = 1; i <= 10; i++) await store.create(SANDBOXES, sandbox(`s${i}`));
  assert.equal((await store.list(SANDBOXES)).items.length, 11, "writers went on");
  await assert.rejects(events.next(), (error) => isGone(error));
});

Deno.test("EmbeddedStore.close() ends open watches and refuses later calls", async () => {
  const store = await EmbeddedStore.open();
  const events = store.watch(SANDBOXES, {})[Symbol.asyncIterator]();
  const pending = events.next();
  await store.close();
  assert.equal((await pending).done, true);
  await assert.rejects(store.get(SANDBOXES, "team", "x"), /closed/);
});

Deno.test("EmbeddedStore.delete() with Foreground keeps the owner until its dependents are gone", async () => {
  await using store = await EmbeddedStore.open();
  const owner = await store.create(SANDBOXES, sandbox("owner"));
  const ref = {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: "owner",
    uid: owner.metadata.uid!,
  };
  await store.create(PODS, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "held",
      namespace: "team",
      ownerReferences: [ref],
      finalizers: ["test/hold"],
    },
    spec: {},
  });
  await store.delete(SANDBOXES, "team", "owner", { propagationPolicy: "Foreground" });
  const waiting = await store.get(SANDBOXES, "team", "owner");
  assert.deepEqual(waiting.metadata.finalizers, ["foregroundDeletion"]);
  assert.ok(waiting.metadata.deletionTimestamp);
  const pod = await store.get(PODS, "team", "held");
  assert.ok(pod.metadata.deletionTimestamp, "the dependent is being deleted");
  await store.patch(PODS, "team", "held", { metadata: { finalizers: null } });
  await assert.rejects(store.get(PODS, "team", "held"), isKubeApiError(404, "NotFound"));
  await assert.rejects(store.get(SANDBOXES, "team", "owner"), isKubeApiError(404, "NotFound"));
});

Deno.test("EmbeddedStore.delete() of a Namespace deletes its content, then the namespace", async () => {
  await using store = await EmbeddedStore.open();
  await store.create(NAMESPACES, {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "team" },
  });
  await store.create(SANDBOXES, sandbox("a", { finalizers: ["test/hold"] }));
  await store.create(SANDBOXES, sandbox("b"));
  await store.delete(NAMESPACES, "", "team");
  const terminating = await store.get(NAMESPACES, "", "team");
  assert.equal((terminating.status as { phase: string }).phase, "Terminating");
  await assert.rejects(store.get(SANDBOXES, "team", "b"), isKubeApiError(404, "NotFound"));
  await assert.rejects(store.create(SANDBOXES, sandbox("c")), isKubeApiError(403, "Forbidden"));
  await store.patch(SANDBOXES, "team", "a", { metadata: { finalizers: null } });
  await assert.rejects(store.get(NAMESPACES, "", "team"), isKubeApiError(404, "NotFound"));
});

Deno.test("EmbeddedStore garbage-collects an object created with an owner that no longer exists", async () => {
  await using store = await EmbeddedStore.open();
  const ref = { apiVersion: "v1", kind: "Pod", name: "ghost", uid: crypto.randomUUID() };
  await store.create(SANDBOXES, sandbox("orphan", { ownerReferences: [ref] }));
  await assert.rejects(store.get(SANDBOXES, "team", "orphan"), isKubeApiError(404, "NotFound"));
});

Deno.test("EmbeddedStore serialises concurrent optimistic updates: exactly one of racing writers wins", async () => {
  await using store = await EmbeddedStore.open({ dataDir: undefined });
  const base = await store.create(SANDBOXES, sandbox("race"));
  const results = await Promise.allSettled(
    Array.from(
      { length: 20 },
      (_, i) =>
        store.update(SANDBOXES, {
          ...base,
          metadata: { ...base.metadata, labels: { owner: `w${i}` } },
        }),
    ),
  );
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
  for (const r of results) {
    if (r.status === "rejected") assert.ok(isKubeApiError(409, "Conflict")(r.reason));
  }
});

Deno.test("EmbeddedStore.open() stamps creationTimestamp and deletionTimestamp from the injected clock", async () => {
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  await using store = await EmbeddedStore.open({ clock });
  const created = await store.create(SANDBOXES, sandbox("a", { finalizers: ["test/hold"] }));
  assert.equal(created.metadata.creationTimestamp, "2030-01-01T00:00:00Z");
  clock.advance(61_500);
  await store.delete(SANDBOXES, "team", "a");
  const marked = await store.get(SANDBOXES, "team", "a");
  assert.equal(marked.metadata.deletionTimestamp, "2030-01-01T00:01:01Z");
});
