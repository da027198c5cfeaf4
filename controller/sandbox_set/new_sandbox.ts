/**
 * The single place pool fields are copied onto a new Sandbox (openkruise's
 * `NewSandboxFromSandboxSet`): anything a warm Sandbox inherits from its SandboxSet is set here
 * and nowhere else, so the revision hash and what a Sandbox actually gets cannot drift apart.
 *
 * @module
 */
import {
  ANNOTATION_CLEANUP_ENABLED,
  ANNOTATION_CLEANUP_RETAIN_ON_FAILURE,
  API_VERSION,
  LABEL_SANDBOX_CLAIMED,
  LABEL_SANDBOX_POOL,
  LABEL_SANDBOX_TEMPLATE,
  LABEL_TEMPLATE_HASH,
  PREFIX_AGENTS,
  type Sandbox,
  SANDBOX_KIND,
  type SandboxSet,
  type SandboxSpec,
} from "@kruise-agents/shared/api";
import { controllerReference } from "../machinery/owner.ts";

/** Longest `generateName` prefix: the server appends 5 characters, and the Pod (same name) must fit a 63-character DNS label. */
export const MAX_GENERATE_NAME_PREFIX = 58;

const KEPT_INTERNAL_KEYS = new Set([
  ANNOTATION_CLEANUP_ENABLED,
  ANNOTATION_CLEANUP_RETAIN_ON_FAILURE,
]);

function withoutInternalKeys(map: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(map ?? {})) {
    if (key.startsWith(PREFIX_AGENTS) && !KEPT_INTERNAL_KEYS.has(key)) continue;
    out[key] = value;
  }
  return out;
}

/** The `generateName` of `set`'s Sandboxes: `{set}-`, truncated to fit. */
export function generateNameFor(setName: string): string {
  return `${setName.slice(0, MAX_GENERATE_NAME_PREFIX - 1)}-`;
}

/**
 * A new unclaimed member of `set` at `revision`: generateName `{set}-`, the template's labels and
 * annotations (internal `agents.kruise.io/` keys stripped but the cleanup ones), the pool labels,
 * the set's template fields, and a controller ownerReference to the set.
 */
export function newSandboxFromSandboxSet(set: SandboxSet, revision: string): Sandbox {
  const name = set.metadata.name ?? "";
  const src = set.spec;
  const spec: SandboxSpec = {};
  if (src.persistentContents !== undefined) {
    spec.persistentContents = structuredClone(src.persistentContents);
  }
  if (src.runtimes !== undefined) spec.runtimes = structuredClone(src.runtimes);
  if (src.pauseStrategy !== undefined) spec.pauseStrategy = structuredClone(src.pauseStrategy);
  if (src.templateRef !== undefined) spec.templateRef = structuredClone(src.templateRef);
  if (src.template !== undefined) spec.template = structuredClone(src.template);
  if (src.volumeClaimTemplates !== undefined) {
    spec.volumeClaimTemplates = structuredClone(src.volumeClaimTemplates);
  }
  return {
    apiVersion: API_VERSION,
    kind: SANDBOX_KIND,
    metadata: {
      generateName: generateNameFor(name),
      namespace: set.metadata.namespace,
      labels: {
        ...withoutInternalKeys(src.template?.metadata?.labels),
        [LABEL_SANDBOX_POOL]: name,
        [LABEL_SANDBOX_TEMPLATE]: name,
        [LABEL_SANDBOX_CLAIMED]: "false",
        [LABEL_TEMPLATE_HASH]: revision,
      },
      annotations: withoutInternalKeys(src.template?.metadata?.annotations),
      ownerReferences: [controllerReference(set)],
    },
    spec,
  };
}
