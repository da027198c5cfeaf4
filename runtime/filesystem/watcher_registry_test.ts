import assert from "node:assert/strict";
import { Code } from "@connectrpc/connect";
import { EventType } from "@kruise-agents/shared/envd";
import { writeFileAtomic } from "../files/atomic_write.ts";
import { UserDirectory } from "../users.ts";
import { UserFs } from "./user_fs.ts";
import { DirWatcher } from "./watcher.ts";
import { WatcherRegistry } from "./watcher_registry.ts";

const users = new UserDirectory();

/** Writes `text` to `path` the way `/files` uploads do (a temporary file renamed onto it). */
function upload(path: string, text: string): Promise<unknown> {
  return writeFileAtomic(path, ReadableStream.from([new TextEncoder().encode(text)]), UserFs.SELF);
}

// Regression (issue 10): a poll answered with what the watch had collected so far, which right
// after a write was nothing (events come out of inotify asynchronously and settle for 10 ms), so
// the Python SDK's "write a file, then get_new_events()" saw no events; E2B's own sync tests do
// exactly that.
Deno.test("WatcherRegistry.drain() returns every event of the uploads made before it", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/subdir2`);
  await Deno.writeTextFile(`${dir}/renamed.txt`, "x");
  using registry = new WatcherRegistry();
  const id = await registry.create(dir, { recursive: true, includeEntry: false, users });
  await upload(`${dir}/renamed.txt`, "changed");
  await upload(`${dir}/subdir2/new.txt`, "new");
  const events = (await registry.drain(id)).map((e) => [e.name, e.type]);
  assert.deepEqual(events, [
    ["renamed.txt", EventType.WRITE],
    ["subdir2/new.txt", EventType.CREATE],
    ["subdir2/new.txt", EventType.CHMOD],
    ["subdir2/new.txt", EventType.WRITE],
  ]);
  assert.deepEqual(await registry.drain(id), []);
  registry.remove(id);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("WatcherRegistry.drain() and remove() reject an unknown id as not_found", async () => {
  using registry = new WatcherRegistry();
  await assert.rejects(registry.drain("nope"), { code: Code.NotFound });
  assert.throws(() => registry.remove("nope"), { code: Code.NotFound });
});

// Regression (runtime-rpc branch): the events stream, with the default queue of one, pulled a
// batch of its own as soon as it was made; a reader of batches lost that batch to it.
Deno.test("DirWatcher.events pulls nothing until read, and nextBatch() has one reader", async () => {
  const dir = await Deno.makeTempDir();
  using watcher = await DirWatcher.open(dir, { recursive: false, includeEntry: false, users });
  await Deno.writeTextFile(`${dir}/a.txt`, "a");
  const batch = await watcher.nextBatch();
  assert.deepEqual(batch?.events.map((e) => [e.name, e.type])[0], ["a.txt", EventType.CREATE]);
  const next = watcher.nextBatch();
  await assert.rejects(watcher.nextBatch(), TypeError);
  watcher.close();
  assert.equal(await next, null);
  await Deno.remove(dir, { recursive: true });
});
