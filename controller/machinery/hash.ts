/**
 * Short, label-safe content hashes for revisions (`template-hash`, `pod-template-hash`), as
 * Kubernetes computes `pod-template-hash`: FNV-1a (32 bit) over a canonical serialisation,
 * rendered with `rand.SafeEncodeString`'s alphabet (no vowels, so a hash never spells a word, and
 * never all digits). Canonical JSON sorts object keys, so the same content in a different key
 * order hashes the same.
 *
 * @module
 */
import { canonicalJson } from "@kruise-agents/shared/std";

const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

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
