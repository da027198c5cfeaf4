/**
 * The two pieces every benchmark script of the project prints its figures with: a percentile of
 * raw samples and a table row of name, value and target. One definition, so the benches' tables
 * read alike and their percentiles mean the same thing.
 *
 * @module
 */

/**
 * The `p`th percentile of `values` (unsorted; left as given): the sample at index
 * `floor(p/100 * n)`, clamped to the last, so with fewer than 100 samples p99 is the maximum.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { percentile } from "@kruise-agents/shared/testing";
 * const samples = [12, 3, 7, 40, 5];
 * assert.equal(percentile(samples, 50), 7);
 * assert.equal(percentile(samples, 99), 40); // fewer than 100 samples: the maximum
 * ```
 */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * A printer of table rows `name value  target`, the name padded to `nameWidth` and the value to
 * `valueWidth`, each bench choosing widths that fit its longest name.
 *
 * @example
 * ```ts
 * import { percentile, rowPrinter } from "@kruise-agents/shared/testing";
 * const row = rowPrinter(24);
 * row("create p50 (ms)", percentile([31, 34, 29], 50).toFixed(1), "< 50");
 * ```
 */
export function rowPrinter(
  nameWidth: number,
  valueWidth = 14,
): (name: string, value: string, target?: string) => void {
  return (name, value, target = "") =>
    console.log(`${name.padEnd(nameWidth)} ${value.padStart(valueWidth)}  ${target}`);
}
