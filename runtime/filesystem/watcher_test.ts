import assert from "node:assert/strict";
import { EventType, FileType } from "@kruise-agents/shared/envd";
import { UserDirectory } from "../users.ts";
import { DirWatcher, type FilesystemEventInit } from "./watcher.ts";

const users = new UserDirectory();

/** Reads events until one matches, returning everything seen up to and including it. */
async function until(
  reader: ReadableStreamDefaultReader<FilesystemEventInit>,
  match: (e: FilesystemEventInit) => boolean,
): Promise<FilesystemEventInit[]> {
  const seen: FilesystemEventInit[] = [];
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before a match; saw ${JSON.stringify(seen)}`);
    seen.push(value);
    if (match(value)) return seen;
  }
}

Deno.test("DirWatcher reports create, write, chmod, rename and remove by relative name", async () => {
  const dir = await Deno.makeTempDir();
  using watcher = await DirWatcher.open(dir, { recursive: false, includeEntry: false, users });
  const reader = watcher.events.getReader();
  await Deno.writeTextFile(`${dir}/a.txt`, "one");
  const created = await until(reader, (e) => e.type === EventType.WRITE && e.name === "a.txt");
  assert.deepEqual(created.map((e) => [e.name, e.type]), [
    ["a.txt", EventType.CREATE],
    ["a.txt", EventType.WRITE],
  ]);
  // A chmod in a later second than the last write is told apart from a write.
  await Deno.utime(`${dir}/a.txt`, 0, 0);
  await Deno.chmod(`${dir}/a.txt`, 0o600);
  await until(reader, (e) => e.type === EventType.CHMOD && e.name === "a.txt");
  await Deno.rename(`${dir}/a.txt`, `${dir}/b.txt`);
  const renamed = await until(reader, (e) => e.type === EventType.CREATE && e.name === "b.txt");
  assert.deepEqual(renamed.map((e) => [e.name, e.type]).slice(-2), [
    ["a.txt", EventType.RENAME],
    ["b.txt", EventType.CREATE],
  ]);
  await Deno.remove(`${dir}/b.txt`);
  await until(reader, (e) => e.type === EventType.REMOVE && e.name === "b.txt");
  reader.releaseLock();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("DirWatcher covers directories created after the watch started when recursive", async () => {
  const dir = await Deno.makeTempDir();
  using watcher = await DirWatcher.open(dir, { recursive: true, includeEntry: true, users });
  const reader = watcher.events.getReader();
  await Deno.mkdir(`${dir}/nested`);
  const [dirEvent] = await until(reader, (e) => e.name === "nested");
  assert.equal(dirEvent?.type, EventType.CREATE);
  assert.equal(dirEvent?.entry?.type, FileType.DIRECTORY);
  await Deno.writeTextFile(`${dir}/nested/file.txt`, "x");
  const seen = await until(reader, (e) => e.type === EventType.WRITE);
  const write = seen.at(-1);
  assert.equal(write?.name, "nested/file.txt");
  assert.equal(write?.entry?.path, `${dir}/nested/file.txt`);
  assert.equal(write?.entry?.size, 1n);
  reader.releaseLock();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("DirWatcher.open() rejects a missing path as not_found and a file as invalid_argument", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/f`, "");
  const options = { recursive: false, includeEntry: false, users };
  await assert.rejects(DirWatcher.open(`${dir}/missing`, options), { code: 5 });
  await assert.rejects(DirWatcher.open(`${dir}/f`, options), { code: 3 });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("DirWatcher events stream ends when the watcher is closed", async () => {
  const dir = await Deno.makeTempDir();
  const watcher = await DirWatcher.open(dir, { recursive: false, includeEntry: false, users });
  const reader = watcher.events.getReader();
  const read = reader.read();
  watcher.close();
  assert.deepEqual(await read, { value: undefined, done: true });
  await Deno.remove(dir, { recursive: true });
});
