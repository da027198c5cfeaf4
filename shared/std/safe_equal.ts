/**
 * Token comparison whose time does not depend on where two strings differ, so an attacker who
 * can time the answers cannot guess a token byte by byte. Used wherever a secret sent by a client
 * is checked: API keys' hashes, envd access tokens, signed file URLs.
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * Whether `a` and `b` are equal, compared in time that depends only on their lengths.
 *
 * @example
 * ```ts
 * import { safeEqual } from "@kruise-agents/shared/std";
 * safeEqual("token", "token"); // true
 * ```
 */
export function safeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a), y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
