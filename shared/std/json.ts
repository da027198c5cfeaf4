/**
 * JSON values as the programs handle them: a type guard for objects, structural equality (for
 * "write the status only when it changed") and a canonical serialisation (for content hashes).
 * `undefined`-valued keys count as absent in both, as they do not survive `JSON.stringify`.
 *
 * @module
 */

/**
 * Whether `value` is a plain JSON object (not `null`, not an array).
 *
 * @example
 * ```ts
 * import { isRecord } from "@kruise-agents/shared/std";
 * isRecord({ a: 1 }); // true
 * isRecord([1]); // false
 * ```
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Whether `a` and `b` are the same JSON value, whatever the key order.
 *
 * @example
 * ```ts
 * import { deepEqual } from "@kruise-agents/shared/std";
 * deepEqual({ a: 1, b: [2] }, { b: [2], a: 1, c: undefined }); // true
 * ```
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const aKeys = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bKeys = Object.keys(bo).filter((k) => bo[k] !== undefined);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every((k) => Object.hasOwn(bo, k) && deepEqual(ao[k], bo[k]));
}

/**
 * JSON with object keys sorted recursively, so the same content in another key order serialises
 * (and hashes) the same.
 *
 * @example
 * ```ts
 * import { canonicalJson } from "@kruise-agents/shared/std";
 * canonicalJson({ b: 1, a: [true, null] }); // '{"a":[true,null],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(",")}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(",")}}`;
}
