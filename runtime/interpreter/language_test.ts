import assert from "node:assert/strict";
import { kernelFamily, kernelNameFor, normalizeLanguage } from "./language.ts";

Deno.test("normalizeLanguage() maps empty, aliases and case like upstream", () => {
  const cases: [string | null | undefined, string][] = [
    [undefined, "python"],
    [null, "python"],
    ["", "python"],
    ["  ", "python"],
    ["Python", "python"],
    ["js", "javascript"],
    [" JS ", "javascript"],
    ["ts", "typescript"],
    ["R", "r"],
    ["bash", "bash"],
  ];
  for (const [input, expected] of cases) {
    assert.equal(normalizeLanguage(input), expected, `${input}`);
  }
});

Deno.test("kernelFamily() groups typescript with javascript", () => {
  assert.equal(kernelFamily("python"), "python");
  assert.equal(kernelFamily("javascript"), "javascript");
  assert.equal(kernelFamily("typescript"), "javascript");
  assert.equal(kernelFamily("bash"), "bash");
  assert.equal(kernelFamily("r"), "other");
});

Deno.test("kernelNameFor() uses defaults, overrides, then the language itself", () => {
  assert.equal(kernelNameFor("python"), "python3");
  assert.equal(kernelNameFor("typescript"), "deno");
  assert.equal(kernelNameFor("r"), "r");
  assert.equal(kernelNameFor("python", { python: "py311" }), "py311");
});
