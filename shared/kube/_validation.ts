/**
 * The object-metadata validation the API server applies to every kind, for the embedded store:
 * names (RFC 1123 subdomain; DNS label for namespaces) and label keys and values. A name the real
 * server would reject must not be accepted locally, or code that works in `deno task dev` fails on
 * a cluster.
 *
 * @module
 */
import type { ObjectMeta } from "../api/meta.ts";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Problems with `name` as an object name (`label`: a DNS label, as namespaces need). */
export function validateName(name: string, label: boolean): string[] {
  if (label) {
    if (name.length > 63 || !DNS_LABEL.test(name)) {
      return [
        `metadata.name: Invalid value: ${
          JSON.stringify(name)
        }: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`,
      ];
    }
  } else if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    return [
      `metadata.name: Invalid value: ${
        JSON.stringify(name)
      }: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    ];
  }
  return [];
}

function validateKey(key: string, field: string): string[] {
  const slash = key.lastIndexOf("/");
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  const ok = name.length <= 63 && QUALIFIED_NAME.test(name) &&
    (prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix)));
  return ok ? [] : [
    `${field}: Invalid value: ${
      JSON.stringify(key)
    }: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
  ];
}

/** Problems with the labels and annotations of `meta`. */
export function validateMetadata(meta: ObjectMeta): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(meta.labels ?? {})) {
    problems.push(...validateKey(key, "metadata.labels"));
    if (typeof value !== "string" || value.length > 63 || !LABEL_VALUE.test(value)) {
      problems.push(
        `metadata.labels: Invalid value: ${
          JSON.stringify(value)
        }: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
      );
    }
  }
  for (const [key, value] of Object.entries(meta.annotations ?? {})) {
    problems.push(...validateKey(key, "metadata.annotations"));
    if (typeof value !== "string") {
      problems.push(
        `metadata.annotations: Invalid value: ${JSON.stringify(value)}: must be a string`,
      );
    }
  }
  return problems;
}
