import assert from "node:assert/strict";
import { percentile, rowPrinter } from "./bench.ts";

Deno.test("percentile() picks floor(p/100 * n) of the sorted samples, p99 of a few = max", () => {
  const values = [5, 1, 4, 2, 3];
  const cases: [number, number][] = [[0, 1], [50, 3], [80, 5], [99, 5], [100, 5]];
  for (const [p, want] of cases) assert.equal(percentile(values, p), want, `p${p}`);
  assert.deepEqual(values, [5, 1, 4, 2, 3], "the samples are left as given");
});

Deno.test("rowPrinter() pads the name and the value to its widths", () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (line: string) => void lines.push(line);
  try {
    rowPrinter(6, 5)("ab", "1", "t <= 2");
    rowPrinter(4)("cd", "22");
  } finally {
    console.log = log;
  }
  assert.deepEqual(lines, ["ab         1  t <= 2", `cd   ${"22".padStart(14)}  `]);
});
