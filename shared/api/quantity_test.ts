import assert from "node:assert/strict";
import { cpuMillis, memoryBytes, parseQuantity } from "./quantity.ts";

Deno.test("memoryBytes() and cpuMillis() read Kubernetes quantities", () => {
  const memory: [string | number, number][] = [
    ["512Mi", 512 * 2 ** 20],
    ["1Gi", 2 ** 30],
    ["1.5Gi", 1.5 * 2 ** 30],
    ["1G", 1e9],
    ["1e9", 1e9],
    ["128974848", 128974848],
    [1024, 1024],
    ["100k", 100_000],
  ];
  for (const [text, bytes] of memory) assert.equal(memoryBytes(text), bytes, String(text));
  const cpu: [string | number, number][] = [["500m", 500], ["1", 1000], ["0.25", 250], [2, 2000]];
  for (const [text, millis] of cpu) assert.equal(cpuMillis(text), millis, String(text));
  for (const bad of ["", "1Xi", "Gi", "1..2", "ten"]) {
    assert.throws(() => parseQuantity(bad), RangeError, bad);
  }
});
