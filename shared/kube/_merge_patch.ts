/**
 * JSON merge patch (RFC 7386), the `application/merge-patch+json` the API server applies: objects
 * merge recursively, `null` removes a member, anything else (arrays included) replaces. A member
 * whose value is `undefined` is absent, as `JSON.stringify` makes it on the way to a real API server,
 * so the embedded store and the API server apply the same object the same way.
 *
 * @module
 */
import { isRecord } from "../std/json.ts";

/** Returns `target` with `patch` applied; neither argument is modified. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) {
      delete result[key];
    } else {
      result[key] = applyMergePatch(result[key], value);
    }
  }
  return result;
}
