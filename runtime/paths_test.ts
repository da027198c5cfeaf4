import assert from "node:assert/strict";
import { resolvePath } from "./paths.ts";

Deno.test("resolvePath() resolves relative paths under the home, not the workdir", () => {
  const cases: [string, string | undefined, string][] = [
    ["", undefined, "/home/user"],
    ["", "/work", "/work"],
    ["a.txt", "/work", "/home/user/a.txt"],
    ["~", undefined, "/home/user"],
    ["~/x/../y", undefined, "/home/user/y"],
    ["/tmp//a/./b", undefined, "/tmp/a/b"],
    ["../etc", undefined, "/home/etc"],
    ["/", undefined, "/"],
  ];
  for (const [input, workdir, expected] of cases) {
    assert.equal(resolvePath(input, "/home/user", workdir), expected, input);
  }
});
