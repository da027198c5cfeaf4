import assert from "node:assert/strict";
import { writeFileAtomic } from "./atomic_write.ts";
import { UserFs } from "../filesystem/user_fs.ts";

const text = new TextEncoder();

/** The names in `dir`. */
async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) out.push(entry.name);
  return out;
}

/** A body of `chunks`, failing with `error` after them when given. */
function bodyOf(chunks: string[], error?: Error): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i < chunks.length) return controller.enqueue(text.encode(chunks[i++]));
      if (error) controller.error(error);
      else controller.close();
    },
  });
}

Deno.test("writeFileAtomic() writes one-chunk, empty and many-chunk bodies whole", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cases: [string, string[]][] = [
      ["one chunk (the synchronous path)", ["hello"]],
      ["empty", []],
      ["an empty chunk", [""]],
      ["two chunks", ["hel", "lo"]],
      ["many chunks", Array.from({ length: 50 }, (_, i) => `${i},`)],
    ];
    for (const [name, chunks] of cases) {
      const path = `${dir}/out.txt`;
      await writeFileAtomic(path, bodyOf(chunks), UserFs.SELF);
      assert.equal(await Deno.readTextFile(path), chunks.join(""), name);
      assert.deepEqual(await names(dir), ["out.txt"], name);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomic() leaves the target untouched and no temporary file when the body fails", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/kept.txt`;
    await Deno.writeTextFile(path, "before");
    const cases: [string, string[]][] = [
      ["at once", []],
      ["after one chunk", ["par"]],
      ["after three chunks", ["p", "a", "r"]],
    ];
    for (const [name, chunks] of cases) {
      await assert.rejects(
        writeFileAtomic(path, bodyOf(chunks, new Error("cut off")), UserFs.SELF),
        /cut off/,
        name,
      );
      assert.equal(await Deno.readTextFile(path), "before", name);
      assert.deepEqual(await names(dir), ["kept.txt"], name);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
