/**
 * What a template reference names, and which SandboxSet serves a create. A template is a
 * SandboxSet name; the SandboxSet's `e2b.agents.kruise.io/aliases` annotation gives it further
 * names (the SDKs' defaults, such as `code-interpreter-v1`). The rules, pure and deterministic so
 * every replica decides alike:
 *
 * 1. A reference is E2B's `[namespace/]name[:tag]` (E2B's `id.ParseName`): trimmed and
 *    lowercased; tag `default` (or none) is the template itself. Tags are not modelled here (a
 *    SandboxSet has one build), so any other tag answers E2B's 404 for a missing tag.
 * 2. `namespace/name` pins one namespace (it must be visible to the caller).
 * 3. SandboxSets whose name is `name` win over SandboxSets that only alias it, so an alias can
 *    never capture a template's own name.
 * 4. Among the candidates, the namespace with the most available stock (unclaimed, Ready pool
 *    Sandboxes) wins, which spreads creates to where warm sandboxes wait; ties (including
 *    all-empty pools, where the create goes cold) go to the lexically first namespace.
 *
 * @module
 */
import { ANNOTATION_TEMPLATE_ALIASES, type SandboxSet } from "@kruise-agents/shared/api";
import { ApiError } from "../errors.ts";

/** E2B's tag that means "the template itself". */
export const DEFAULT_TAG = "default";

/** E2B's shape of a template name or alias (`identifierRegex` in E2B's `id` package). */
const IDENTIFIER = /^[a-z0-9_-]+$/;
/** E2B's shape of a tag. */
const TAG = /^[a-z0-9_.-]+$/;

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
  /** Pinned namespace, if the reference was `namespace/name`. */
  namespace?: string;
  /** Template name or alias. */
  name: string;
  /** A tag other than `default`, if one was given. */
  tag?: string;
}

function invalid(reference: string, why: string): never {
  throw new ApiError(400, `Invalid template reference "${reference}": ${why}`);
}

/**
 * Parses E2B's `[namespace/]name[:tag]`; throws a 400 {@linkcode ApiError} for an empty part or
 * a malformed tag. Names are not checked further: one that names nothing is a 404 later.
 */
export function parseTemplateRef(reference: string): TemplateRef {
  const trimmed = reference.trim();
  const colon = trimmed.indexOf(":");
  const id = (colon < 0 ? trimmed : trimmed.slice(0, colon)).trim().toLowerCase();
  const slash = id.indexOf("/");
  const ref: TemplateRef = slash < 0
    ? { name: id }
    : { namespace: id.slice(0, slash).trim(), name: id.slice(slash + 1).trim() };
  if (ref.name === "") invalid(reference, "the template name is empty");
  if (ref.namespace === "") invalid(reference, "the namespace is empty");
  if (colon >= 0) {
    const tag = trimmed.slice(colon + 1).trim().toLowerCase();
    if (!TAG.test(tag)) invalid(reference, `invalid tag "${tag}"`);
    if (tag !== DEFAULT_TAG) ref.tag = tag;
  }
  return ref;
}

/** The reference as E2B's messages quote it: `namespace/name` or `name`. */
export function displayRef(ref: TemplateRef): string {
  return ref.namespace === undefined ? ref.name : `${ref.namespace}/${ref.name}`;
}

/**
 * The aliases in an `e2b.agents.kruise.io/aliases` value: comma- or space-separated, trimmed,
 * lowercased, in order, without duplicates; entries that are not E2B template names are skipped.
 */
export function parseAliases(value: string | undefined): string[] {
  const out: string[] = [];
  for (const raw of (value ?? "").split(/[\s,]+/)) {
    const alias = raw.trim().toLowerCase();
    if (IDENTIFIER.test(alias) && !out.includes(alias)) out.push(alias);
  }
  return out;
}

/**
 * Every name a SandboxSet's template answers to, as E2B's `aliases`: its aliases first (the first
 * is what bodies report as `alias`), then its own name.
 */
export function templateAliases(set: SandboxSet): string[] {
  const aliases = parseAliases(set.metadata.annotations?.[ANNOTATION_TEMPLATE_ALIASES]);
  const name = set.metadata.name ?? "";
  return aliases.includes(name) ? aliases : [...aliases, name];
}

/**
 * The SandboxSets `ref` names among `sets` (already limited to what the caller may see): those
 * of the pinned namespace, if any; named `ref.name` if any is, else aliasing it.
 */
export function matchTemplates(ref: TemplateRef, sets: readonly SandboxSet[]): SandboxSet[] {
  const pinned = sets.filter((s) =>
    ref.namespace === undefined || s.metadata.namespace === ref.namespace
  );
  const named = pinned.filter((s) => s.metadata.name === ref.name);
  if (named.length > 0) return named;
  return pinned.filter((s) =>
    parseAliases(s.metadata.annotations?.[ANNOTATION_TEMPLATE_ALIASES]).includes(ref.name)
  );
}

/**
 * E2B's 404s for a reference that resolves to nothing (`template 'x' not found`) or to a
 * template without the tag asked for (`template 'x' (id) with tag 't' not found`), as E2B's
 * template cache words them.
 */
export function templateNotFound(ref: TemplateRef, templateId?: string): ApiError {
  const shown = displayRef(ref);
  const label = templateId === undefined || templateId === shown
    ? `'${shown}'`
    : `'${shown}' (${templateId})`;
  return new ApiError(
    404,
    ref.tag === undefined
      ? `template ${label} not found`
      : `template ${label} with tag '${ref.tag}' not found`,
  );
}

/**
 * The SandboxSet that serves `ref` among `sets` (visible to the caller), by the module's rules;
 * `available` counts a SandboxSet's stock. Throws {@linkcode templateNotFound} when nothing
 * matches or the tag is unknown.
 */
export function resolveTemplate(
  ref: TemplateRef,
  sets: readonly SandboxSet[],
  available: (set: SandboxSet) => number = () => 0,
): SandboxSet {
  const matched = matchTemplates(ref, sets);
  const choice = chooseTemplate(matched.map((s) => ({
    namespace: s.metadata.namespace ?? "",
    name: s.metadata.name ?? "",
    available: available(s),
  })));
  const set = matched.find((s) =>
    s.metadata.namespace === choice?.namespace && s.metadata.name === choice?.name
  );
  if (!set) {
    const { tag: _tag, ...untagged } = ref;
    throw templateNotFound(untagged);
  }
  if (ref.tag !== undefined) throw templateNotFound(ref, set.metadata.name);
  return set;
}

/** Picks the candidate per the module's rule; `undefined` when there is none. */
export function chooseTemplate(
  candidates: readonly TemplateCandidate[],
): TemplateCandidate | undefined {
  let best: TemplateCandidate | undefined;
  for (const c of candidates) {
    if (
      !best || c.available > best.available ||
      (c.available === best.available &&
        (c.namespace < best.namespace || (c.namespace === best.namespace && c.name < best.name)))
    ) best = c;
  }
  return best;
}
