import {
  KubeApiError,
  type KubeClient,
  type KubeObject,
  type ObjectList,
  type WatchEvent,
  type WatchOptions,
} from "@kruise-agents/shared/kube";
import { assert, assertEquals } from "./_assert.ts";
import { ManualClock } from "./clock.ts";
import { Informer } from "./informer.ts";

function obj(name: string, rv: string, owner?: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Thing",
    metadata: {
      namespace: "ns",
      name,
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
 * A KubeClient that answers lists and watches from a script, and records the resourceVersion
 * each watch started from. Models the API server's failure modes the informer must survive: a
 * 410 Gone watch and a broken connection.
 */
class ScriptedClient {
  lists: ObjectList<KubeObject>[] = [];
  sessions: Session[] = [];
  watchedFrom: (string | undefined)[] = [];

  list(): Promise<ObjectList<KubeObject>> {
    const next = this.lists.shift();
    if (next === undefined) return Promise.reject(new Error("no list scripted"));
    return Promise.resolve(next);
  }

  async *watch(_r: unknown, options: WatchOptions = {}): AsyncIterable<WatchEvent<KubeObject>> {
    this.watchedFrom.push(options.resourceVersion);
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
}

function informerOn(client: ScriptedClient, clock = new ManualClock(0)) {
  const log: string[] = [];
  const informer = new Informer<KubeObject>({
    kube: client as unknown as KubeClient,
    resource: { apiVersion: "v1", kind: "Thing", plural: "things", namespaced: true },
    parse: (o) => o as KubeObject,
    indexes: {
      owner: (o) => (o.metadata.ownerReferences ?? []).map((r) => r.uid),
    },
    clock,
  });
  informer.addEventHandler({
    onAdd: (o) => log.push(`add ${o.metadata.name}@${o.metadata.resourceVersion}`),
    onUpdate: (_, o) => log.push(`update ${o.metadata.name}@${o.metadata.resourceVersion}`),
    onDelete: (o) => log.push(`delete ${o.metadata.name}`),
  });
  return { informer, log, clock };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`timed out waiting for ${what}`);
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
  assertEquals(client.watchedFrom, ["5"]);
  assertEquals(log, ["add a@1", "add b@6", "update a@7", "delete b"]);
  assertEquals(informer.byIndex("owner", "o2").map((o) => o.metadata.name), ["a"]);
  assertEquals(informer.byIndex("owner", "o1"), [], "the index follows updates and deletes");
  assertEquals(informer.resourceVersion, "8");
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
  await until(() => client.watchedFrom.length === 2, "the second watch");
  assertEquals(client.watchedFrom, ["2", "10"]);
  assertEquals(log, ["add a@1", "add b@2", "delete a", "update b@9", "add c@10"]);
  assertEquals(informer.list().map((o) => o.metadata.name).sort(), ["b", "c"]);
  await informer.stop();
});

Deno.test("Informer reconnects after a failure with backoff, from the last resourceVersion", async () => {
  const client = new ScriptedClient();
  client.lists.push({ items: [], resourceVersion: "3" });
  client.sessions.push({
    events: [{ type: "ADDED", object: obj("a", "4") }],
    end: new Error("connection reset"),
  });
  client.sessions.push({ events: [], end: new Error("connection refused") });
  client.sessions.push({ events: [], end: "hang" });
  const { informer, clock } = informerOn(client);
  informer.start();
  await until(() => clock.pendingTimers === 1, "the first backoff");
  assertEquals(client.watchedFrom, ["3"]);
  clock.advance(999);
  await new Promise((r) => setTimeout(r, 5));
  assertEquals(client.watchedFrom.length, 1, "the reconnect waits for the backoff");
  clock.advance(1);
  await until(() => client.watchedFrom.length === 2 && clock.pendingTimers === 1, "retry 1");
  clock.advance(1999);
  await new Promise((r) => setTimeout(r, 5));
  assertEquals(client.watchedFrom.length, 2, "the second backoff doubles");
  clock.advance(1);
  await until(() => client.watchedFrom.length === 3, "retry 2");
  assertEquals(client.watchedFrom, ["3", "4", "4"]);
  assert(informer.get("ns/a") !== undefined);
  await informer.stop();
});

Deno.test("Informer leaves out an object that does not parse", async () => {
  const client = new ScriptedClient();
  client.lists.push({ items: [obj("good", "1"), obj("bad", "2")], resourceVersion: "2" });
  const informer = new Informer<KubeObject>({
    kube: client as unknown as KubeClient,
    resource: { apiVersion: "v1", kind: "Thing", plural: "things", namespaced: true },
    parse: (o) => {
      const k = o as KubeObject;
      if (k.metadata.name === "bad") throw new TypeError("bad object");
      return k;
    },
    clock: new ManualClock(0),
  });
  informer.start();
  await informer.synced();
  assertEquals(informer.list().map((o) => o.metadata.name), ["good"]);
  await informer.stop();
});
