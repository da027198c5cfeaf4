/**
 * Which SandboxSet serves a create. A template is a SandboxSet name; identically named
 * SandboxSets in several namespaces visible to the caller are one template. The rule, pure and
 * deterministic so every replica decides alike:
 *
 * 1. `namespace/name` pins one namespace (it must be visible to the caller).
 * 2. Otherwise the namespace with the most available stock (unclaimed, Ready pool Sandboxes)
 *    wins, which spreads creates to where warm sandboxes wait;
 * 3. ties (including all-empty pools, where the create goes cold) go to the lexically first
 *    namespace.
 *
 * @module
 */

/** One SandboxSet that could serve the template, with its current stock. */
export interface TemplateCandidate {
  /** Namespace of the SandboxSet. */
  namespace: string;
  /** SandboxSet name (= template ID). */
  name: string;
  /** Available (unclaimed, Ready, unlocked) pool Sandboxes. */
  available: number;
}

/** A parsed template reference. */
export interface TemplateRef {
  /** Pinned namespace, if the ID was `namespace/name`. */
  namespace?: string;
  /** SandboxSet name. */
  name: string;
}

/** Splits `namespace/name` or `name` (an E2B `name:tag` keeps its tag: tags are not modelled). */
export function parseTemplateId(templateId: string): TemplateRef {
  const slash = templateId.indexOf("/");
  if (slash < 0) return { name: templateId };
  return { namespace: templateId.slice(0, slash), name: templateId.slice(slash + 1) };
}

/** Picks the candidate per the module's rule; `undefined` when there is none. */
export function chooseTemplate(
  candidates: readonly TemplateCandidate[],
): TemplateCandidate | undefined {
  let best: TemplateCandidate | undefined;
  for (const c of candidates) {
    if (
      !best || c.available > best.available ||
      (c.available === best.available && c.namespace < best.namespace)
    ) best = c;
  }
  return best;
}
