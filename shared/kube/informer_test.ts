import assert from "node:assert/strict";
import {
  Informer,
  type InformerOptions,
  isOlderVersion,
  KubeApiError,
  type KubeClient,
  type KubeObject,
  type ObjectList,
  type WatchEvent,
  type WatchOptions,
} from "./mod.ts";
import { type LogFields, type Logger, ManualClock, poll } from "../std/mod.ts";

function obj(name: string, rv: string, owner?: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Thing",
    metadata: {
      namespace: "ns",
      name,
      uid: `uid-${name}`,
      resourceVersion: rv,
      ...(owner
        ? { ownerReferences: [{ apiVersion: "v1", kind: "O", name: owner, uid: owner }] }
        : {}),
    },
  };
}

/** One watch call's script: events to deliver, then an end (`undefined`), an error, or a hang. */
interface Session {
  events: WatchEvent<KubeObject>[];
  end?: Error | "hang";
}

/**
 * A KubeClient that answers lists and watches from a script, and records how each watch was
 * asked for. Models the API server's failure modes the informer must survive: a refused list at
 * start-up, a 410 Gone watch, a broken connection, a watch the server ends, and one that goes
 * silent without ever ending.
 */
class ScriptedClient {
  lists: (ObjectList<KubeObject> | Error)[] = [];
  sessions: Session[] = [];
  watches: WatchOptions[] = [];

  list(): Promise<ObjectList<KubeObject>> {
    const next = this.lists.shift();
    if (next === undefined) return Promise.reject(new Error("no list scripted"));
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  }

  async *watch(_r: unknown, options: WatchOptions = {}): AsyncIterable<WatchEvent<KubeObject>> {
    this.watches.push(options);
    const session = this.sessions.shift() ?? { events: [], end: "hang" };
    for (const event of session.events) yield event;
    if (session.end === "hang") {
      await new Promise((_, reject) => {
        if (options.signal?.aborted) reject(options.signal.reason);
        options.signal?.addEventListener("abort", () => reject(options.signal?.reason));
      });
    }
    if (session.end instanceof Error) throw session.end;
  }

  get watchedFrom(): (string | undefined)[] {
    return this.watches.map((w) => w.resourceVersion);
  }
}

class RecordingLogger implements Logger {
  lines: string[] = [];
  info(message: string, _fields?: LogFields): void {
    this.lines.push(`info ${message}`);
  }
  warn(message: string, _fields?: LogFields): void {
    this.lines.push(`warn ${message}`);
  }
  error(message: string, _fields?: LogFields): void {
    this.lines.push(`error ${message}`);
  }
}

function informerOn(
  client: ScriptedClient,
  options: Partial<InformerOptions<KubeObject>> = {},
) {
  const log: string[] = [];
  const clock = new ManualClock(0);
  const logger = new RecordingLogger();
  const informer = new Informer<KubeObject>({
    kube: client as unknown as KubeClient,
    resource: { apiVersion: "v1", kind: "Thing", plural: "things", namespaced: true },
    parse: (o) => o as KubeObject,
    indexes: { owner: (o) => (o.metadata.ownerReferences ?? []).map((r) => r.uid) },
    clock,
    logger,
    // No jitter: delays are exactly base × 2^n, watch timeouts exactly twice the base.
    random: () => 1,
    baseRetryDelayMs: 1000,
    watchTimeoutSeconds: 10,
    watchDeadlineGraceMs: 5000,
    ...options,
  });
  informer.addEventHandler({
    onAdd: (o) => log.push(`add ${o.metadata.name}@${o.metadata.resourceVersion}`),
    onUpdate: (_, o) => log.push(`update ${o.metadata.name}@${o.metadata.resourceVersion}`),
    onDelete: (o) => log.push(`delete ${o.metadata.name}`),
  });
  return { informer, log, clock, logger };
}

/** Lets the informer's loop run until `condition` holds (real microtasks, manual clock). */
async function until(condition: () => boolean, what: string): Promise<void> {
  await poll(what, () => condition() || undefined, { timeoutMs: 2000, intervalMs: 1 });
}

Deno.test("Informer lists, then applies watch events from the list's resourceVersion", async () => {
  const client = new ScriptedClient();
  client.lists.push({ items: [obj("a", "1", "o1")], resourceVersion: "5" });
  client.sessions.push({
    events: [
      { type: "ADDED", object: obj("b", "6", "o1") },
      { type: "MODIFIED", object: obj("a", "7", "o2") },
      { type: "DELETED", object: obj("b", "8", "o1") },
    ],
    end: "hang",
  });
  const { informer, log } = informerOn(client);
  informer.start();
  await informer.synced();
  await until(() => log.length === 4, "four events");
  assert.deepEqual(client.watchedFrom, ["5"]);
  assert.equal(client.watches[0]!.timeoutSeconds, 20, "server-side timeout, jittered up to 2×");
  assert.equal(client.watches[0]!.allowBookmarks, true);
  assert.deepEqual(log, ["add a@1", "add b@6", "update a@7", "delete b"]);
  assert.deepEqual(informer.byIndex("owner", "o2").map((o) => o.metadata.name), ["a"]);
  assert.deepEqual(informer.byIndex("owner", "o1"), [], "the index follows updates and deletes");
  assert.equal(informer.resourceVersion, "8");
  await informer.stop();
});

Deno.test("Informer relists on 410 Gone and reports what changed across the gap", async () => {
  const client = new ScriptedClient();
  client.lists.push({ items: [obj("a", "1"), obj("b", "2")], resourceVersion: "2" });
  client.sessions.push({ events: [], end: new KubeApiError(410, "Gone", "too old") });
  // While the watch was gone: a was deleted, b changed, c was created.
  client.lists.push({ items: [obj("b", "9"), obj("c", "10")], resourceVersion: "10" });
  client.sessions.push({ events: [], end: "hang" });
  const { informer, log } = informerOn(client);
  informer.start();
  await until(() => client.watches.length === 2, "the second watch");
  assert.deepEqual(client.watchedFrom, ["2", "10"]);
  assert.deepEqual(log, ["add a@1", "add b@2", "delete a", "update b@9", "add c@10"]);
  assert.deepEqual(informer.list().map((o) => o.metadata.name).sort(), ["b", "c"]);
  assert.equal(informer.health().relists, 1);
  await informer.stop();
});

Deno.test("Informer reconnects after a failure with capped backoff, from the last resourceVersion", async () => {
  const client = new ScriptedClient();
  client.lists.push({ items: [], resourceVersion: "3" });
  client.sessions.push({
    events: [{ type: "ADDED", object: obj("a", "4") }],
    end: new TypeError("connection reset"),
  });
  client.sessions.push({ events: [], end: new TypeError("connection refused") });
  client.sessions.push({ events: [], end: "hang" });
  const { informer, clock, logger } = informerOn(client, { maxRetryDelayMs: 1500 });
  informer.start();
  await until(() => logger.lines.includes("warn watch failed; reconnecting"), "the failure");
  assert.deepEqual(client.watchedFrom, ["3"]);
  clock.advance(999);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(client.watches.length, 1, "the reconnect waits for the backoff");
  clock.advance(1);
  await until(() => client.watches.length === 2, "retry 1");
  await until(() => logger.lines.length === 3, "the second failure");
  clock.advance(1499);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(client.watches.length, 2, "the second backoff doubles, up to the cap");
  clock.advance(1);
  await until(() => client.watches.length === 3, "retry 2");
  assert.deepEqual(client.watchedFrom, ["3", "4", "4"], "no relist: resumed where it was");
  assert.ok(informer.get("ns/a") !== undefined);
  assert.equal(informer.health().restarts, 2);
  await informer.stop();
});

Deno.test("Informer retries a list that fails at start-up until the API server answers", async () => {
  const client = new ScriptedClient();
  const initializing = new KubeApiError(500, "InternalError", "storage is (re)initializing");
  client.lists.push(initializing, new TypeError("error sending request: connection refused"));
  client.lists.push({ items: [obj("a", "1")], resourceVersion: "1" });
  const { informer, clock, logger } = informerOn(client);
  informer.start();
  await until(() => logger.lines.length === 1, "the first failure");
  assert.equal(informer.hasSynced, false);
  assert.match(informer.health().lastError ?? "", /initializing/);
  clock.advance(1000);
  await until(() => logger.lines.length === 2, "the second failure");
  clock.advance(2000);
  await informer.synced();
  assert.deepEqual(logger.lines.slice(0, 3), [
    "warn list failed; retrying",
    "warn list failed; retrying",
    "info informer synced",
  ]);
  assert.equal(informer.health().synced, true);
  await informer.stop();
});

Deno.test("Informer resumes a watch the server ended, and follows bookmarks on a quiet one", async () => {
  const client = new ScriptedClient();
  client.lists.push({ items: [], resourceVersion: "3" });
  const bookmark = { type: "BOOKMARK" as const, object: obj("", "40") };
  client.sessions.push({ events: [bookmark] }); // a quiet collection: only a bookmark, then the end
  client.sessions.push({ events: [{ type: "ADDED", object: obj("a", "41") }], end: "hang" });
  const { informer, log, logger } = informerOn(client);
  informer.start();
  await until(() => client.watches.length === 2, "the resumed watch");
  await until(() => log.length === 1, "the event");
  assert.deepEqual(client.watchedFrom, ["3", "40"], "resumed from the bookmark's version");
  assert.deepEqual(log, ["add a@41"], "a bookmark is not an object");
  assert.ok(logger.lines.includes("info watch ended by the server; resuming"));
  await informer.stop();
});

Deno.test("Informer drops a watch that stays silent past its deadline and opens a new one", async () => {
  const client = new ScriptedClient();
  client.lists.push({ items: [obj("a", "5")], resourceVersion: "5" });
  client.sessions.push({ events: [], end: "hang" }); // never ends, never delivers
  client.sessions.push({ events: [{ type: "MODIFIED", object: obj("a", "6") }], end: "hang" });
  const { informer, clock, logger } = informerOn(client);
  informer.start();
  await until(() => client.watches.length === 1, "the first watch");
  clock.advance(10_000);
  const health = informer.health();
  assert.equal(health.connectedMs, 10_000);
  assert.equal(health.sinceLastEventMs, 10_000);
  clock.advance(14_999); // timeout 20 s + grace 5 s
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(client.watches.length, 1, "not before the deadline");
  clock.advance(1);
  await until(() => client.watches.length === 2, "the new watch");
  await until(() => informer.get("ns/a")?.metadata.resourceVersion === "6", "the event");
  assert.deepEqual(client.watchedFrom, ["5", "5"]);
  assert.ok(logger.lines.some((l) => /^warn watch restarted: .*past its timeout/.test(l)));
  await informer.stop();
});

Deno.test("Informer leaves out an object that does not parse", async () => {
  const client = new ScriptedClient();
  client.lists.push({ items: [obj("good", "1"), obj("bad", "2")], resourceVersion: "2" });
  const { informer } = informerOn(client, {
    parse: (o) => {
      const k = o as KubeObject;
      if (k.metadata.name === "bad") throw new TypeError("bad object");
      return k;
    },
  });
  informer.start();
  await informer.synced();
  assert.deepEqual(informer.list().map((o) => o.metadata.name), ["good"]);
  await informer.stop();
});

Deno.test("Informer reads its own writes: older events are ignored, forgotten objects stay gone", async () => {
  const client = new ScriptedClient();
  client.lists.push({ items: [obj("a", "5"), obj("b", "5")], resourceVersion: "5" });
  client.sessions.push({ events: [], end: "hang" });
  const { informer, log } = informerOn(client);
  informer.start();
  await informer.synced();
  informer.observe(obj("a", "9"));
  informer.observe(obj("a", "7")); // an older version, e.g. a late watch event
  assert.equal(informer.get("ns/a")?.metadata.resourceVersion, "9");
  informer.forget(obj("b", "6"));
  informer.observe(obj("b", "8")); // an event in flight about the deleted object
  assert.equal(informer.get("ns/b"), undefined);
  const waiting = informer.waitFor(
    "ns/a",
    (o) => o.metadata.resourceVersion === "10",
    AbortSignal.timeout(1000),
  );
  informer.observe(obj("a", "10"));
  assert.equal((await waiting).metadata.resourceVersion, "10");
  const deleted = informer.waitFor("ns/a", () => false, AbortSignal.timeout(1000));
  informer.forget(obj("a", "11"));
  await assert.rejects(deleted, /was deleted/);
  assert.deepEqual(log, [
    "add a@5",
    "add b@5",
    "update a@9",
    "delete b",
    "update a@10",
    "delete a",
  ]);
  assert.equal(isOlderVersion("9", "10"), true);
  assert.equal(isOlderVersion("x", "10"), false);
  await informer.stop();
});
