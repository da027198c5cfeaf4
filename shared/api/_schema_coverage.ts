// Private test helper: checks that an OpenAPI schema and a fully populated example object name
// exactly the same fields. With a parse round trip of the same example (which keeps only the
// fields the model knows), this ties schema, model and fixture together: a field added to one and
// not the others fails a test.
import type { JsonSchemaProps } from "./openapi.ts";

/** Returns the differences between `schema` and `value` as `path: problem` lines (empty = same). */
export function schemaCoverage(schema: JsonSchemaProps, value: unknown, path = ""): string[] {
  // Below these nodes the schema names no fields on purpose (pod template, PVCs, metadata, maps).
  if (
    schema["x-kubernetes-preserve-unknown-fields"] || schema["x-kubernetes-int-or-string"] ||
    schema.additionalProperties !== undefined ||
    (schema.type === "object" && schema.properties === undefined)
  ) return [];
  if (schema.type === "array") {
    if (!Array.isArray(value) || value.length === 0) return [`${path}: no array item in example`];
    return value.flatMap((item, i) => schemaCoverage(schema.items ?? {}, item, `${path}[${i}]`));
  }
  if (schema.properties === undefined) return [];
  if (typeof value !== "object" || value === null) return [`${path}: example is not an object`];
  const problems: string[] = [];
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(key in schema.properties)) problems.push(`${path}.${key}: not in the schema`);
  }
  for (const [key, sub] of Object.entries(schema.properties)) {
    if (!(key in record)) problems.push(`${path}.${key}: not in the example`);
    else problems.push(...schemaCoverage(sub, record[key], `${path}.${key}`));
  }
  return problems;
}
