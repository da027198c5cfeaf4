import assert from "node:assert/strict";
import { kernelCandidates, kernelFamily, normalizeLanguage, pickKernelspec } from "./language.ts";

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
    ["Java", "java"],
  ];
  for (const [input, expected] of cases) {
    assert.equal(normalizeLanguage(input), expected, `${input}`);
  }
});

Deno.test("kernelFamily() groups the languages Deno's kernel serves and names the rest", () => {
  const cases: [string, string][] = [
    ["python", "python"],
    ["javascript", "javascript"],
    ["typescript", "javascript"],
    ["deno", "javascript"],
    ["bash", "bash"],
    ["r", "r"],
    ["java", "java"],
    ["cobol", "other"],
  ];
  for (const [language, family] of cases) assert.equal(kernelFamily(language), family, language);
});

Deno.test("kernelCandidates() uses an override alone, then the defaults, then the language", () => {
  assert.deepEqual(kernelCandidates("python"), ["python3"]);
  assert.deepEqual(kernelCandidates("typescript"), ["deno"]);
  assert.deepEqual(kernelCandidates("r"), ["r", "ir"]);
  assert.deepEqual(kernelCandidates("cobol"), ["cobol"]);
  assert.deepEqual(kernelCandidates("r", { r: "ir-4.2" }), ["ir-4.2"]);
});

Deno.test("pickKernelspec() takes the first installed candidate, or none", () => {
  const cases: [string, string[], string | undefined][] = [
    ["r", ["python3", "ir"], "ir"],
    ["r", ["ir", "r"], "r"],
    ["java", ["python3", "bash"], undefined],
    ["javascript", ["deno"], "deno"],
  ];
  for (const [language, installed, expected] of cases) {
    assert.equal(pickKernelspec(language, installed), expected, `${language} of ${installed}`);
  }
});
