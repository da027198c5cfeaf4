import assert from "node:assert/strict";
import { posix as node } from "node:path";
import { posix } from "./posix_path.ts";

const paths = [
  "",
  ".",
  "..",
  "/",
  "//",
  "a",
  "/a",
  "a/",
  "/a/",
  "a/b",
  "/a/b/",
  "a//b",
  "/a/./b",
  "/a/../b",
  "../a",
  "a/../..",
  "/../a",
  "~/x/../y",
  "/tmp//a/./b",
  "a/b/../../..",
  "/home/user/file.txt",
  "file.tar.gz",
  ".bashrc",
  "/x/.hidden",
  "dir/",
  "/a/b/c/../../d",
  "./a",
  "a/.",
  "/..",
];

Deno.test("posix.normalize, dirname, basename and extname match Node's path.posix", () => {
  for (const p of paths) {
    assert.equal(posix.normalize(p), node.normalize(p), `normalize(${JSON.stringify(p)})`);
    assert.equal(posix.dirname(p), node.dirname(p), `dirname(${JSON.stringify(p)})`);
    assert.equal(posix.basename(p), node.basename(p), `basename(${JSON.stringify(p)})`);
    assert.equal(posix.extname(p), node.extname(p), `extname(${JSON.stringify(p)})`);
  }
  assert.equal(posix.basename("/a/file.txt", ".txt"), node.basename("/a/file.txt", ".txt"));
  assert.equal(posix.basename(".txt", ".txt"), node.basename(".txt", ".txt"));
});

Deno.test("posix.join and relative match Node's path.posix", () => {
  const joins: string[][] = [
    [],
    [""],
    ["/home/user", "a.txt"],
    ["/home/user", "../etc"],
    ["/home/user", "/abs"],
    ["a", "", "b"],
    ["/", "tmp", "x/"],
    ["a", ".."],
    ["/home/user/", "./x/./y"],
  ];
  for (const parts of joins) {
    assert.equal(posix.join(...parts), node.join(...parts), `join(${JSON.stringify(parts)})`);
  }
  const pairs: [string, string][] = [
    ["/work/main", "/work/main/runtime/main.ts"],
    ["/a/b", "/a/c/d"],
    ["/a", "/a"],
    ["/a/b/c", "/"],
    ["/", "/x"],
    ["/a/b/", "/a/b/c/"],
  ];
  for (const [from, to] of pairs) {
    assert.equal(posix.relative(from, to), node.relative(from, to), `relative(${from}, ${to})`);
  }
});
