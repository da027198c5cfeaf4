/**
 * `filesystem.Filesystem` through the published JS SDK (`e2b` from npm) against a runtime
 * process: list (exact pre-order), exists, getInfo, makeDir, rename, remove and watchDir.
 */
import assert from "node:assert/strict";
import { FileNotFoundError, FilesystemEventType, Sandbox } from "e2b";
import { startRuntime } from "../testing/harness.ts";
import { SDK_TREE_DEPTH_2 } from "./testdata/sdk_tree.ts";

Deno.test("JS SDK: list, exists, getInfo, makeDir, rename and remove", async () => {
  await using rt = await startRuntime();
  const sbx = await Sandbox.create(rt.sdkOptions);
  const root = `test_list_${rt.pid}`;
  assert.equal(await sbx.files.makeDir(`${root}/subdir1/subdir1_1`), true);
  assert.equal(await sbx.files.makeDir(`${root}/subdir1/subdir1_1`), false);
  await sbx.files.makeDir(`${root}/subdir1/subdir1_2`);
  await sbx.files.makeDir(`${root}/subdir2/subdir2_1`);
  await sbx.files.write(`${root}/file1.txt`, "x");
  await sbx.files.write(`${root}/subdir1/subdir1_1/deep.txt`, "x");

  const names = async (depth: number) =>
    (await sbx.files.list(root, { depth })).map((e) => e.path.slice(`/home/user/${root}/`.length));
  assert.deepEqual(await names(1), ["file1.txt", "subdir1", "subdir2"]);
  assert.deepEqual(await names(2), SDK_TREE_DEPTH_2);
  assert.deepEqual((await names(3)).slice(2, 4), [
    "subdir1/subdir1_1",
    "subdir1/subdir1_1/deep.txt",
  ]);

  const [file, dir] = await sbx.files.list(root);
  assert.deepEqual(
    [
      file?.type,
      file?.mode,
      file?.permissions,
      file?.owner,
      file?.group,
      file?.size,
      file?.symlinkTarget,
    ],
    ["file", 0o644, "-rw-r--r--", "user", "user", 1, undefined],
  );
  assert.ok(file?.modifiedTime instanceof Date);
  assert.deepEqual([dir?.type, dir?.mode, dir?.permissions], ["dir", 0o755, "drwxr-xr-x"]);

  assert.equal(await sbx.files.exists(`${root}/file1.txt`), true);
  assert.equal(await sbx.files.exists(`${root}/nope`), false);
  await assert.rejects(sbx.files.getInfo(`${root}/nope`), FileNotFoundError);
  await assert.rejects(sbx.files.list(`${root}/file1.txt`));

  await sbx.commands.run(`ln -s /home/user/${root}/file1.txt /home/user/${root}/link`);
  const link = await sbx.files.getInfo(`${root}/link`);
  assert.deepEqual(
    [link.name, link.type, link.mode, link.permissions, link.symlinkTarget],
    ["link", "file", 0o644, "Lrwxrwxrwx", `/home/user/${root}/file1.txt`],
  );

  const moved = await sbx.files.rename(`${root}/file1.txt`, `${root}/new/dir/renamed.txt`);
  assert.equal(moved.path, `/home/user/${root}/new/dir/renamed.txt`);
  assert.equal(await sbx.files.exists(`${root}/file1.txt`), false);
  await assert.rejects(sbx.files.rename(`${root}/file1.txt`, `${root}/x`), FileNotFoundError);

  await sbx.files.remove(`${root}/missing`);
  await sbx.files.remove(root);
  assert.equal(await sbx.files.exists(root), false);
});

Deno.test("JS SDK: watchDir streams write events, recursive names and new subdirectories", async () => {
  await using rt = await startRuntime();
  const sbx = await Sandbox.create(rt.sdkOptions);
  const dir = `test_watch_${rt.pid}`;
  await sbx.files.makeDir(dir);
  await sbx.files.write(`${dir}/test_watch.txt`, "before");

  const seen: { type: string; name: string; size?: number | undefined }[] = [];
  let wake: () => void = () => {};
  const waitFor = async (type: FilesystemEventType, name: string) => {
    while (!seen.some((e) => e.type === type && e.name === name)) {
      await new Promise<void>((resolve) => wake = resolve);
    }
  };
  const handle = await sbx.files.watchDir(dir, (event) => {
    seen.push({ type: event.type, name: event.name, size: event.entry?.size });
    wake();
  }, { recursive: true, includeEntry: true });

  await sbx.files.write(`${dir}/test_watch.txt`, "after!");
  await waitFor(FilesystemEventType.WRITE, "test_watch.txt");
  assert.equal(seen.find((e) => e.name === "test_watch.txt")?.size, 6);
  // A replaced file is a write, not a new file.
  assert.equal(seen.some((e) => e.type === FilesystemEventType.CREATE), false);

  await sbx.files.makeDir(`${dir}/nested`);
  await waitFor(FilesystemEventType.CREATE, "nested");
  await sbx.files.write(`${dir}/nested/test_watch.txt`, "nested");
  await waitFor(FilesystemEventType.WRITE, "nested/test_watch.txt");
  await sbx.files.remove(`${dir}/nested/test_watch.txt`);
  await waitFor(FilesystemEventType.REMOVE, "nested/test_watch.txt");
  assert.equal(seen.some((e) => e.name.includes(".e2b-upload")), false);
  await handle.stop();

  await assert.rejects(sbx.files.watchDir(`${dir}/missing`, () => {}), FileNotFoundError);
  await assert.rejects(
    sbx.files.watchDir(`${dir}/nested`.replace("nested", "test_watch.txt"), () => {}),
  );
  await sbx.files.remove(dir);
});
