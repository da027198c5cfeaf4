/**
 * The revision of a SandboxSet: a hash of everything it copies onto new Sandboxes that defines
 * what a sandbox *is* (template or templateRef, volume claim templates, persistentContents,
 * runtimes, pauseStrategy). A member whose `template-hash` label differs is from an older
 * revision and is replaced by the rollout. `replicas` and strategies are not part of it: resizing
 * a pool must not replace its members.
 *
 * @module
 */
import type { SandboxSet } from "@kruise-agents/shared/api";
import { hashObject } from "../machinery/hash.ts";

/** The members of `spec` that define what a sandbox is, in the order they are hashed. */
const REVISION_FIELDS = [
  "template",
  "templateRef",
  "volumeClaimTemplates",
  "persistentContents",
  "runtimes",
  "pauseStrategy",
] as const;

/** `status.updateRevision` of `set`. */
export function updateRevision(set: SandboxSet): string {
  const spec = set.spec;
  return hashObject(Object.fromEntries(REVISION_FIELDS.map((key) => [key, spec[key]])));
}
