/**
 * JSON merge patch (RFC 7386), the `application/merge-patch+json` the API server applies: objects
 * merge recursively, `null` removes a member, anything else (arrays included) replaces.
 *
 * @module
 */
import { isRecord } from "../std/json.ts";

/** Returns `target` with `patch` applied; neither argument is modified. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      result[key] = applyMergePatch(result[key], value);
    }
  }
  return result;
}
