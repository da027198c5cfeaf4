import assert from "node:assert/strict";
import { EventType } from "@kruise-agents/shared/envd";
import { writeFileAtomic } from "../files/atomic_write.ts";
import { translateFsEvents } from "./fs_event_translate.ts";
import { replaceFile } from "./replace_file.ts";
import { UserFs } from "./user_fs.ts";

const text = new TextEncoder();

Deno.test("replaceFile() puts the new file in place and leaves nothing under the temporary name", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    await t.step("an existing file: its other hard link keeps the old content", () => {
      Deno.writeTextFileSync(`${dir}/f`, "old");
      Deno.linkSync(`${dir}/f`, `${dir}/other-link`);
      Deno.writeTextFileSync(`${dir}/tmp`, "new");
      const ino = Deno.statSync(`${dir}/tmp`).ino;
      replaceFile(`${dir}/tmp`, `${dir}/f`);
      assert.equal(Deno.readTextFileSync(`${dir}/f`), "new");
      assert.equal(Deno.statSync(`${dir}/f`).ino, ino);
      assert.equal(Deno.readTextFileSync(`${dir}/other-link`), "old");
      assert.throws(() => Deno.lstatSync(`${dir}/tmp`), Deno.errors.NotFound);
    });
    await t.step("the target gone meanwhile: renamed into place", () => {
      Deno.writeTextFileSync(`${dir}/tmp`, "new");
      replaceFile(`${dir}/tmp`, `${dir}/gone`);
      assert.equal(Deno.readTextFileSync(`${dir}/gone`), "new");
      assert.throws(() => Deno.lstatSync(`${dir}/tmp`), Deno.errors.NotFound);
    });
    await t.step("without FFI: renamed over", async () => {
      await Deno.writeTextFile(`${dir}/f`, "old");
      await Deno.writeTextFile(`${dir}/tmp`, "new");
      const module = new URL("./replace_file.ts", import.meta.url).href;
      const code =
        `import { replaceFile } from "${module}"; replaceFile("${dir}/tmp", "${dir}/f");`;
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "eval",
          "--no-config",
          "--no-lock",
          `--allow-read=${dir}`,
          `--allow-write=${dir}`,
          code,
        ],
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      assert.equal(await Deno.readTextFile(`${dir}/f`), "new");
      await assert.rejects(Deno.lstat(`${dir}/tmp`), Deno.errors.NotFound);
    });
    await t.step("a directory put there meanwhile, empty or not: refused, both kept", () => {
      for (const withFile of [false, true]) {
        Deno.mkdirSync(`${dir}/d`);
        if (withFile) Deno.writeTextFileSync(`${dir}/d/inside`, "x");
        Deno.writeTextFileSync(`${dir}/tmp`, "new");
        assert.throws(() => replaceFile(`${dir}/tmp`, `${dir}/d`));
        assert.ok(Deno.statSync(`${dir}/d`).isDirectory);
        assert.equal(Deno.readTextFileSync(`${dir}/tmp`), "new");
        Deno.removeSync(`${dir}/d`, { recursive: true });
        Deno.removeSync(`${dir}/tmp`);
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an upload replacing a file swaps the names, and a watcher sees one WRITE", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  const watcher = Deno.watchFs(dir);
  try {
    await Deno.writeTextFile(`${dir}/f`, "old");
    // The file's own creation is seen before the watch starts counting.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const events: Deno.FsEvent[] = [];
    const collected = (async () => {
      for await (const event of watcher) events.push(event);
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    events.length = 0;
    await writeFileAtomic(`${dir}/f`, ReadableStream.from([text.encode("new")]), UserFs.SELF);
    await new Promise((resolve) => setTimeout(resolve, 300));
    watcher.close();
    await collected;
    assert.equal(await Deno.readTextFile(`${dir}/f`), "new");
    assert.deepEqual(await Array.fromAsync(Deno.readDir(dir), (entry) => entry.name), ["f"]);
    // The swap itself: the old file moved from `f` to the temporary name.
    assert.ok(
      events.some((event) =>
        event.kind === "rename" && event.paths[0] === `${dir}/f` && event.paths.length === 2
      ),
      JSON.stringify(events),
    );
    assert.deepEqual(translateFsEvents(events, dir), [
      { path: `${dir}/f`, type: EventType.WRITE },
    ]);
  } finally {
    try {
      watcher.close();
    } catch {
      // closed already
    }
    await Deno.remove(dir, { recursive: true });
  }
});
