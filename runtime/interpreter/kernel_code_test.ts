import assert from "node:assert/strict";
import { envCode, envRestore, initCode } from "./kernel_code.ts";
import type { KernelFamily } from "./language.ts";

Deno.test("envRestore() reverts overrides to the global value and removes the rest", () => {
  assert.deepEqual(envRestore({ A: "1", B: "2" }, { B: "global", C: "3" }), {
    set: { B: "global" },
    unset: ["A"],
  });
  assert.deepEqual(envRestore({}, { B: "global" }), { set: {}, unset: [] });
});

Deno.test("envCode() is empty when there is nothing to set or unset", () => {
  for (const family of ["python", "javascript", "bash", "r", "java", "other"] as const) {
    assert.equal(envCode(family, {}, []), "");
  }
});

Deno.test("envCode() embeds values as JSON literals for python and javascript", () => {
  const python = envCode("python", { A: 'it\'s "q"\n' }, ["B"]);
  assert.match(python, /os\.environ\.update/);
  assert.ok(python.includes(JSON.stringify({ A: 'it\'s "q"\n' })));
  assert.ok(python.includes(`["B"]`));
  const js = envCode("javascript", { A: "1" }, ["B"]);
  assert.match(js, /Deno\.env\.set\(k, v\)/);
  assert.match(js, /Deno\.env\.delete\(k\)/);
});

Deno.test("envCode() writes each family's own statements", () => {
  const cases: [KernelFamily, Record<string, string>, string[], string][] = [
    ["bash", { A: "it's", "BAD-NAME": "x" }, ["B", "1X"], "export A='it'\\''s'\nunset B"],
    [
      "r",
      { A: 'say "hi"', "B C": "2" },
      ["D"],
      'invisible(Sys.setenv("A" = "say \\"hi\\"", "B C" = "2"))\ninvisible(Sys.unsetenv(c("D")))',
    ],
    ["r", {}, ["D", "E"], 'invisible(Sys.unsetenv(c("D", "E")))'],
    [
      "java",
      { A: "1\n" },
      ["B"],
      'System.setProperty("A", "1\\n");\nSystem.clearProperty("B");',
    ],
    ["other", { A: "1" }, [], ""],
  ];
  for (const [family, set, unset, expected] of cases) {
    assert.equal(envCode(family, set, unset), expected, family);
  }
});

Deno.test("initCode() changes to the context's cwd", () => {
  assert.match(initCode("python", "/home/user"), /os\.chdir\("\/home\/user"\)/);
  assert.match(initCode("python", "/home/user"), /formatters\["e2b\/chart"\]/);
  assert.equal(initCode("javascript", "/tmp/x"), `Deno.chdir("/tmp/x");`);
  assert.equal(initCode("bash", "/it's"), `cd '/it'\\''s'`);
  assert.equal(initCode("r", '/a "b"'), `setwd("/a \\"b\\"")`);
  assert.equal(initCode("java", "/x"), `System.setProperty("user.dir", "/x");`);
  assert.equal(initCode("other", "/x"), "");
});
