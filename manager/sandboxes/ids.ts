/**
 * Identifiers the manager mints: E2B sandbox IDs, envd access tokens and claim locks. Sandbox IDs
 * follow E2B's shape (20 characters of `[a-z0-9]`): the SDKs and the data-plane host
 * `{port}-{id}.{domain}` split on the first `-`, so an ID must never contain one, and it must be
 * a valid DNS label and label value. IDs are random rather than derived from the object name so
 * that a recycled or re-claimed object never reuses an ID a client may still hold.
 *
 * @module
 */

const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
/** Length of a sandbox ID, as E2B's. */
export const SANDBOX_ID_LENGTH = 20;
const SANDBOX_ID_PATTERN = /^[a-z0-9]{1,63}$/;

/**
 * Returns a new random sandbox ID: 20 characters of `[a-z0-9]` (~103 bits), drawn without
 * modulo bias.
 */
export function newSandboxId(): string {
  let out = "";
  while (out.length < SANDBOX_ID_LENGTH) {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    for (const b of bytes) {
      // 252 = 7 * 36: values above it would favour the first letters.
      if (b < 252 && out.length < SANDBOX_ID_LENGTH) out += ID_ALPHABET[b % 36];
    }
  }
  return out;
}

/** Whether `id` has the shape of a sandbox ID (so it can be a label value and a host label). */
export function isSandboxId(id: string): boolean {
  return SANDBOX_ID_PATTERN.test(id);
}

/** Hex of `bytes`, lower case. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
