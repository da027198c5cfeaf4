/**
 * Kubernetes resource quantities as a node reads them from a pod's `resources`: memory in bytes
 * (`512Mi`, `1G`, `1e9`, `1.5Gi`) and CPU in millicores (`500m`, `1`, `0.25`). Pure, so the
 * table of suffixes is tested without a cluster; a malformed quantity is a `RangeError` naming it,
 * which the node reports on the pod rather than guessing a limit.
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

/** The value of quantity `text` (e.g. `1.5Gi` → 1610612736, `500m` → 0.5). */
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

/** Memory quantity → whole bytes (rounded up, as the kubelet does). */
export function memoryBytes(text: string | number): number {
  return Math.ceil(parseQuantity(text));
}

/** CPU quantity → whole millicores (rounded up; at least 1 for any positive amount). */
export function cpuMillis(text: string | number): number {
  return Math.ceil(parseQuantity(text) * 1000);
}
