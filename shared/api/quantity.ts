/**
 * Kubernetes resource quantities, read the one way every program reads them (a node turning a
 * pod's `resources` into cgroup limits, the manager reporting a template's CPU and memory):
 * memory in bytes (`512Mi`, `1G`, `1e9`, `1.5Gi`) and CPU in millicores (`500m`, `1`, `0.25`).
 * A malformed quantity is a `RangeError` naming it, which the caller reports rather than guessing.
 *
 * @module
 */

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/**
 * The value of quantity `text` (e.g. `1.5Gi` → 1610612736, `500m` → 0.5).
 *
 * @example
 * ```ts
 * import { parseQuantity } from "@kruise-agents/shared/api";
 * parseQuantity("512Mi"); // 536870912
 * ```
 */
export function parseQuantity(text: string | number): number {
  if (typeof text === "number") return text;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(
    text.trim(),
  );
  if (!m) throw new RangeError(`Cannot parse quantity "${text}"`);
  const base = Number(m[1]);
  if (m[2] !== undefined) return base * 10 ** Number(m[2].slice(1));
  const suffix = m[3] ?? "";
  return base * (BINARY[suffix] ?? DECIMAL[suffix]!);
}

/**
 * Memory quantity → whole bytes (rounded up, as the kubelet does).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { memoryBytes } from "@kruise-agents/shared/api";
 * assert.equal(memoryBytes("1Gi"), 1073741824);
 * assert.equal(memoryBytes("1.5k"), 1500);
 * ```
 */
export function memoryBytes(text: string | number): number {
  return Math.ceil(parseQuantity(text));
}

/**
 * CPU quantity → whole millicores (rounded up; at least 1 for any positive amount).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cpuMillis } from "@kruise-agents/shared/api";
 * assert.equal(cpuMillis("500m"), 500);
 * assert.equal(cpuMillis("2"), 2000);
 * assert.equal(cpuMillis("0.0001"), 1); // rounded up
 * ```
 */
export function cpuMillis(text: string | number): number {
  return Math.ceil(parseQuantity(text) * 1000);
}
