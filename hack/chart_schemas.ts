/**
 * JSON schemas for kubeconform, made on this machine: kubeconform downloads them from GitHub by
 * default, which our machines cannot reach, so the chart test writes them from the sources a
 * cluster itself serves:
 *
 * - built-in kinds from a real kube-apiserver's `/openapi/v2` (every definition that carries
 *   `x-kubernetes-group-version-kind`, with the definitions it references inlined under
 *   `definitions`, as openapi2jsonschema's "standalone" flavour);
 * - our kinds from the CRDs' `openAPIV3Schema`.
 *
 * Files are named as kubeconform's own schema repository names them,
 * `{kind}-{first label of the group}-{version}.json` (`deployment-apps-v1.json`,
 * `service-v1.json`, `sandboxset-agents-v1alpha1.json`), so the location template is
 * `DIR/{{ .ResourceKind }}{{ .KindSuffix }}.json`. The schemas are strict: every object schema
 * that lists its properties gets `additionalProperties: false` (unless it already says, or
 * preserves unknown fields), so a misspelt field fails validation instead of being dropped.
 *
 * @module
 */

/** A JSON schema, loosely typed. */
export type Schema = { [key: string]: unknown };

/** kubeconform's name for the schema of `kind` in `apiVersion` (`apps/v1` → `-apps-v1`). */
export function schemaFileName(kind: string, apiVersion: string): string {
  const [groupOrVersion, version] = apiVersion.split("/") as [string, string | undefined];
  const suffix = version === undefined
    ? `-${groupOrVersion.toLowerCase()}`
    : `-${groupOrVersion.split(".")[0]!.toLowerCase()}-${version.toLowerCase()}`;
  return `${kind.toLowerCase()}${suffix}.json`;
}

const INT_OR_STRING: Schema = { oneOf: [{ type: "string" }, { type: "integer" }] };
const QUANTITY: Schema = { oneOf: [{ type: "string" }, { type: "number" }] };
const QUANTITY_DEFINITION = "io.k8s.apimachinery.pkg.api.resource.Quantity";

/**
 * `schema` made strict and made to accept what the API server accepts: int-or-string fields
 * (`format: int-or-string` in OpenAPI v2, `x-kubernetes-int-or-string` in CRDs) take both, and
 * objects with listed properties refuse others unless they preserve unknown fields.
 */
export function strictSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictSchema);
  if (typeof schema !== "object" || schema === null) return schema;
  const s = schema as Schema;
  if (s.format === "int-or-string" || s["x-kubernetes-int-or-string"] === true) {
    const { type: _type, format: _format, ...rest } = s;
    return { ...rest, ...INT_OR_STRING };
  }
  const out: Schema = {};
  for (const [key, value] of Object.entries(s)) {
    // The members of `properties` and `definitions` are names, not schema keywords.
    out[key] = key === "properties" || key === "definitions" || key === "patternProperties"
      ? Object.fromEntries(
        Object.entries(value as Schema).map(([name, sub]) => [name, strictSchema(sub)]),
      )
      : strictSchema(value);
  }
  if (
    out.properties !== undefined && out.additionalProperties === undefined &&
    out["x-kubernetes-preserve-unknown-fields"] !== true
  ) {
    out.additionalProperties = false;
  }
  return out;
}

function refsOf(schema: unknown, into: Set<string>): void {
  if (Array.isArray(schema)) return schema.forEach((s) => refsOf(s, into));
  if (typeof schema !== "object" || schema === null) return;
  for (const [key, value] of Object.entries(schema)) {
    if (key === "$ref" && typeof value === "string") {
      into.add(value.replace("#/definitions/", ""));
    } else {
      refsOf(value, into);
    }
  }
}

/** The definitions `name` needs, itself included (transitively through `$ref`). */
function closure(definitions: Record<string, Schema>, name: string): string[] {
  const seen = new Set<string>();
  const queue = [name];
  while (queue.length > 0) {
    const next = queue.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    const refs = new Set<string>();
    refsOf(definitions[next], refs);
    queue.push(...refs);
  }
  return [...seen].sort();
}

/**
 * The standalone strict schema of every kind in an OpenAPI v2 document (`/openapi/v2`), by file
 * name.
 */
export function schemasFromOpenApi(openapi: { definitions: Record<string, Schema> }): Map<
  string,
  Schema
> {
  const definitions: Record<string, Schema> = {
    ...openapi.definitions,
    [QUANTITY_DEFINITION]: QUANTITY,
  };
  const out = new Map<string, Schema>();
  for (const [name, definition] of Object.entries(definitions)) {
    const gvks = definition["x-kubernetes-group-version-kind"] as
      | { group: string; version: string; kind: string }[]
      | undefined;
    for (const gvk of gvks ?? []) {
      const apiVersion = gvk.group === "" ? gvk.version : `${gvk.group}/${gvk.version}`;
      const needed = closure(definitions, name).filter((n) => n !== name);
      const schema = strictSchema({
        ...definition,
        definitions: Object.fromEntries(needed.map((n) => [n, definitions[n]])),
      }) as Schema;
      out.set(schemaFileName(gvk.kind, apiVersion), schema);
    }
  }
  return out;
}

/** A CustomResourceDefinition, as much of it as the schemas need. */
export interface CrdLike {
  /** The CRD's spec. */
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; schema?: { openAPIV3Schema?: Schema } }[];
  };
}

/** The strict schema of each version of each CRD, by file name. */
export function schemasFromCrds(crds: CrdLike[]): Map<string, Schema> {
  const out = new Map<string, Schema>();
  for (const crd of crds) {
    for (const version of crd.spec.versions) {
      const schema = version.schema?.openAPIV3Schema;
      if (schema === undefined) {
        throw new TypeError(`Cannot make a schema for ${crd.spec.names.kind}: no openAPIV3Schema`);
      }
      const apiVersion = `${crd.spec.group}/${version.name}`;
      out.set(schemaFileName(crd.spec.names.kind, apiVersion), strictSchema(schema) as Schema);
    }
  }
  return out;
}

/** Writes `schemas` into `dir` and returns kubeconform's `-schema-location` template for it. */
export async function writeSchemas(dir: string, schemas: Map<string, Schema>): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  for (const [file, schema] of schemas) {
    await Deno.writeTextFile(`${dir}/${file}`, JSON.stringify(schema));
  }
  return `${dir}/{{ .ResourceKind }}{{ .KindSuffix }}.json`;
}
