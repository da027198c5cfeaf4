/**
 * Field selectors as the API server parses them: `path=value`, `path==value` and `path!=value`
 * joined by commas (all must hold), `path` a dotted field path such as `spec.nodeName` or
 * `metadata.name`. The embedded store filters with it, together with the label selector; the
 * Kubernetes backend sends the string as is. A node agent watches only its own node's pods with
 * `spec.nodeName=NODE`, as the kubelet does.
 *
 * @module
 */
import type { KubeObject } from "./client.ts";
import { KubeApiError } from "./client.ts";
import { parseLabelSelector } from "./_label_selector.ts";

/** Whether an object matches a selector. */
export type ObjectMatcher = (object: KubeObject) => boolean;

interface FieldRequirement {
  path: string[];
  value: string;
  equal: boolean;
}

const PATH = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;

function bad(selector: string, why: string): KubeApiError {
  return new KubeApiError(
    400,
    "BadRequest",
    `invalid field selector ${JSON.stringify(selector)}: ${why}`,
  );
}

function parseRequirement(text: string, selector: string): FieldRequirement {
  const match = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(text.trim());
  if (!match) throw bad(selector, `${JSON.stringify(text)} is not path=value or path!=value`);
  const [, path, op, value] = match as unknown as [string, string, string, string];
  if (!PATH.test(path.trim())) throw bad(selector, `invalid field path ${JSON.stringify(path)}`);
  return { path: path.trim().split("."), value: value.trim(), equal: op !== "!=" };
}

/** The value at `path` as the API server compares it: a string, `""` when absent. */
function fieldValue(object: KubeObject, path: string[]): string {
  let at: unknown = object;
  for (const key of path) {
    if (at === null || typeof at !== "object") return "";
    at = (at as Record<string, unknown>)[key];
  }
  return at === undefined || at === null ? "" : String(at);
}

/**
 * Parses a field selector (empty or absent: everything matches). Throws a 400 `BadRequest`
 * {@linkcode KubeApiError}, as the API server answers a bad `fieldSelector`.
 */
export function parseFieldSelector(selector: string | undefined): ObjectMatcher {
  const text = selector ?? "";
  const requirements = text.trim() === ""
    ? []
    : text.split(",").map((part) => parseRequirement(part, text));
  return (object) =>
    requirements.every((r) => (fieldValue(object, r.path) === r.value) === r.equal);
}

/** The matcher of a list or watch: its label selector and its field selector, both. */
export function parseSelectors(
  options: { labelSelector?: string | undefined; fieldSelector?: string | undefined },
): ObjectMatcher {
  const labels = parseLabelSelector(options.labelSelector);
  const fields = parseFieldSelector(options.fieldSelector);
  return (object) => labels(object.metadata.labels) && fields(object);
}
