/**
 * Label selectors as the API server parses them: `a=b`, `a==b`, `a!=b`, `a`, `!a`,
 * `a in (x,y)`, `a notin (x,y)`, joined by commas (all must hold). The embedded store filters with
 * it; the Kubernetes backend sends the string as is, so both accept the same syntax.
 *
 * @module
 */
import { KubeApiError } from "./client.ts";

/** A parsed selector: whether a label set matches. */
export type LabelMatcher = (labels: Readonly<Record<string, string>> | undefined) => boolean;

type Requirement =
  | { op: "exists" | "!exists"; key: string }
  | { op: "in" | "notin"; key: string; values: string[] };

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/**
 * Parses `selector` (empty or absent: everything matches). Throws a 400 `BadRequest`
 * {@linkcode KubeApiError}, as the API server answers a bad `labelSelector`.
 */
export function parseLabelSelector(selector: string | undefined): LabelMatcher {
  const requirements = splitRequirements(selector ?? "").map(parseRequirement);
  return (labels) =>
    requirements.every((r) => {
      const value = labels?.[r.key];
      switch (r.op) {
        case "exists":
          return value !== undefined;
        case "!exists":
          return value === undefined;
        case "in":
          return value !== undefined && r.values.includes(value);
        case "notin":
          return value === undefined || !r.values.includes(value);
      }
    });
}

function splitRequirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of selector) {
    if (char === "(") depth++;
    if (char === ")") depth--;
    if (char === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  if (current.trim() !== "" || parts.length > 0) parts.push(current);
  return parts.map((p) => p.trim());
}

function bad(selector: string, why: string): KubeApiError {
  return new KubeApiError(
    400,
    "BadRequest",
    `unable to parse requirement: ${JSON.stringify(selector)}: ${why}`,
  );
}

function checkKey(key: string, text: string): string {
  if (!KEY.test(key) || key.split("/").at(-1)!.length > 63) {
    throw bad(text, `invalid label key ${JSON.stringify(key)}`);
  }
  return key;
}

function checkValue(value: string, text: string): string {
  if (value.length > 63 || !VALUE.test(value)) {
    throw bad(text, `invalid label value ${JSON.stringify(value)}`);
  }
  return value;
}

function parseRequirement(text: string): Requirement {
  if (text === "") throw bad(text, "empty requirement");
  const set = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(text);
  if (set) {
    const values = set[3]!.split(",").map((v) => checkValue(v.trim(), text));
    return { op: set[2] as "in" | "notin", key: checkKey(set[1]!, text), values };
  }
  const equality = /^([^=!\s]+)\s*(==|=|!=)\s*([^=!\s]*)$/.exec(text);
  if (equality) {
    const key = checkKey(equality[1]!, text);
    const value = checkValue(equality[3]!, text);
    return { op: equality[2] === "!=" ? "notin" : "in", key, values: [value] };
  }
  if (text.startsWith("!")) return { op: "!exists", key: checkKey(text.slice(1).trim(), text) };
  return { op: "exists", key: checkKey(text, text) };
}
