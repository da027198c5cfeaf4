import assert from "node:assert/strict";
import { FileType } from "@kruise-agents/shared/envd";
import { UserDirectory } from "../users.ts";
import { entryInfo, fileModeString } from "./entry_info.ts";
import { writeMetadata } from "./xattr.ts";

Deno.test("fileModeString() renders st_mode as Go's FileMode.String()", () => {
  const cases: [number, string][] = [
    [0o100644, "-rw-r--r--"],
    [0o100755, "-rwxr-xr-x"],
    [0o040755, "drwxr-xr-x"],
    [0o120777, "Lrwxrwxrwx"],
    [0o041777, "dtrwxrwxrwx"],
    [0o104755, "urwxr-xr-x"],
    [0o102755, "grwxr-xr-x"],
    [0o020666, "Dcrw-rw-rw-"],
    [0o060660, "Drw-rw----"],
    [0o010644, "prw-r--r--"],
    [0o140755, "Srwxr-xr-x"],
    [0o100000, "----------"],
  ];
  for (const [mode, expected] of cases) {
    assert.equal(fileModeString(mode), expected, mode.toString(8));
  }
});

Deno.test("entryInfo() describes a file, a directory and a symlink as envd does", async () => {
  const users = new UserDirectory();
  const dir = await Deno.realPath(await Deno.makeTempDir());
  await Deno.writeTextFile(`${dir}/f.txt`, "hello");
  await Deno.chmod(`${dir}/f.txt`, 0o644);
  await Deno.mkdir(`${dir}/d`);
  await Deno.chmod(`${dir}/d`, 0o755);
  await Deno.symlink("d", `${dir}/link`);

  const file = await entryInfo(`${dir}/f.txt`, { users });
  assert.equal(file.name, "f.txt");
  assert.equal(file.type, FileType.FILE);
  assert.equal(file.path, `${dir}/f.txt`);
  assert.equal(file.size, 5n);
  assert.equal(file.mode, 0o644);
  assert.equal(file.permissions, "-rw-r--r--");
  assert.equal(file.owner, users.userName(Deno.uid() ?? 0));
  assert.equal(file.symlinkTarget, undefined);
  assert.equal(file.metadata, undefined);
  assert.ok(file.modifiedTime);

  const sub = await entryInfo(`${dir}/d`, { users });
  assert.equal(sub.type, FileType.DIRECTORY);
  assert.equal(sub.mode, 0o755);
  assert.equal(sub.permissions, "drwxr-xr-x");

  const link = await entryInfo(`${dir}/link`, { users });
  assert.equal(link.name, "link");
  assert.equal(link.type, FileType.DIRECTORY);
  assert.equal(link.mode, 0o755);
  assert.equal(link.permissions, "Lrwxrwxrwx");
  assert.equal(link.symlinkTarget, `${dir}/d`);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("entryInfo() carries user.e2b xattrs as metadata", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/m`, "");
  if (!await writeMetadata(`${dir}/m`, { owner: "team-a", note: "x=y" })) {
    console.warn("skipped: no user xattrs here");
    return;
  }
  const entry = await entryInfo(`${dir}/m`, { users: new UserDirectory() });
  assert.deepEqual(entry.metadata, { owner: "team-a", note: "x=y" });
  await Deno.remove(dir, { recursive: true });
});
