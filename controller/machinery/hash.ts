/**
 * Short, label-safe content hashes for revisions (`template-hash`, `pod-template-hash`), as
 * Kubernetes computes `pod-template-hash`: FNV-1a (32 bit) over a canonical serialisation,
 * rendered with `rand.SafeEncodeString`'s alphabet (no vowels, so a hash never spells a word, and
 * never all digits). Canonical JSON sorts object keys, so the same content in a different key
 * order hashes the same.
 *
 * @module
 */

const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** JSON with object keys sorted recursively; `undefined` members are dropped as JSON does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(",")}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(",")}}`;
}

/** FNV-1a, 32 bit, over the UTF-8 bytes of `text`. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** A label-safe hash of `value`'s canonical JSON, e.g. `5d8f7b9c6`. */
export function hashObject(value: unknown): string {
  const digits = String(fnv1a32(canonicalJson(value)));
  let out = "";
  for (const digit of digits) out += SAFE_ALPHABET[digit.charCodeAt(0) % SAFE_ALPHABET.length];
  return out;
}
