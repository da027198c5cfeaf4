import assert from "node:assert/strict";
import { UserDirectory } from "../users.ts";
import { listDir, walkDir } from "./list_dir.ts";
import { uploadTempName } from "./upload_temp.ts";
import { SDK_TREE_DEPTH_2 } from "./testdata/sdk_tree.ts";

async function tree(): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (const d of ["subdir1/subdir1_1", "subdir1/subdir1_2", "subdir2/subdir2_1", "b"]) {
    await Deno.mkdir(`${dir}/${d}`, { recursive: true });
  }
  await Deno.writeTextFile(`${dir}/file1.txt`, "x");
  await Deno.writeTextFile(`${dir}/subdir1/subdir1_1/deep.txt`, "x");
  await Deno.writeTextFile(`${dir}/${uploadTempName(false)}`, "partial");
  await Deno.symlink(`${dir}/subdir1`, `${dir}/zlink`);
  return dir;
}

Deno.test("walkDir() lists depth-first pre-order, siblings by name, to the given depth", async () => {
  const dir = await tree();
  const rel = async (depth: number) =>
    (await walkDir(dir, "", depth)).map((p) => p.replace(/^\//, ""));
  assert.deepEqual(await rel(1), ["b", "file1.txt", "subdir1", "subdir2", "zlink"]);
  // The SDK's tree plus this test's extras: a directory before it and a symlink after it.
  assert.deepEqual(await rel(2), ["b", ...SDK_TREE_DEPTH_2, "zlink"]);
  assert.deepEqual((await rel(3)).slice(3, 5), ["subdir1/subdir1_1", "subdir1/subdir1_1/deep.txt"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("listDir() keeps the requested spelling of a symlinked directory in entry paths", async () => {
  const dir = await tree();
  const { entries } = await listDir(`${dir}/zlink`, 0, new UserDirectory());
  assert.deepEqual(entries.map((e) => e.path), [
    `${dir}/zlink/subdir1_1`,
    `${dir}/zlink/subdir1_2`,
  ]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("listDir() rejects a file as invalid_argument and a missing path as not_found", async () => {
  const dir = await tree();
  const users = new UserDirectory();
  assert.throws(() => listDir(`${dir}/file1.txt`, 1, users), { code: 3 });
  assert.throws(() => listDir(`${dir}/nope`, 1, users), { code: 5 });
  await Deno.remove(dir, { recursive: true });
});
