/**
 * The subset of Kubernetes' `JSONSchemaProps` (apiextensions.k8s.io/v1) that our CRD schemas use.
 * The schema constants of each kind are typed with it, so a misspelt keyword is a type error
 * rather than a CRD the API server silently prunes.
 *
 * @example
 * ```ts
 * import type { JsonSchemaProps } from "@kruise-agents/shared/api";
 * const replicas: JsonSchemaProps = {
 *   type: "integer",
 *   format: "int32",
 *   minimum: 0,
 *   description: "Unused sandboxes to keep.",
 * };
 * ```
 */
export interface JsonSchemaProps {
  /** The JSON type; required everywhere in a structural schema except under the x- escapes. */
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  /** Human-readable text; shown by `kubectl explain`. */
  description?: string;
  /** Format hint, e.g. `int32`, `int64`, `date-time`. */
  format?: string;
  /** Named members of an object. */
  properties?: Record<string, JsonSchemaProps>;
  /** Schema of every member of a map-like object. */
  additionalProperties?: JsonSchemaProps;
  /** Schema of every array item. */
  items?: JsonSchemaProps;
  /** Members that must be present. */
  required?: string[];
  /** Allowed values. */
  enum?: (string | number | boolean)[];
  /** Lower bound for numbers. */
  minimum?: number;
  /** Lower bound for string length. */
  minLength?: number;
  /** Upper bound for string length. */
  maxLength?: number;
  /** Regular expression a string must match. */
  pattern?: string;
  /** Alternatives, used with `x-kubernetes-int-or-string`. */
  anyOf?: JsonSchemaProps[];
  /** Keep fields the schema does not name (e.g. an embedded PodTemplateSpec). */
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  /** Accept an integer or a string (Kubernetes `IntOrString`). */
  "x-kubernetes-int-or-string"?: boolean;
  /** How server-side apply merges a list: `atomic`, `set` or `map`. */
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  /** The keys of a `map` list. */
  "x-kubernetes-list-map-keys"?: string[];
}

/**
 * What {@linkcode kindSchema} fills in around: the kind's own parts of its spec and status.
 *
 * @example
 * ```ts
 * import { kindSchema, type KindSchemaParts } from "@kruise-agents/shared/api";
 * const parts: KindSchemaParts = {
 *   description: "A Widget.",
 *   spec: { required: ["size"], properties: { size: { type: "integer" } } },
 *   status: { properties: { ready: { type: "boolean" } } },
 * };
 * const schema = kindSchema("Widget", parts);
 * ```
 */
export interface KindSchemaParts {
  /** What an object of the kind is. */
  description: string;
  /** The spec's members (`properties`, `required`); the type and description are added. */
  spec: JsonSchemaProps;
  /** The status's members; the type and description are added. */
  status: JsonSchemaProps;
}

/**
 * The `openAPIV3Schema` of a kind with a required spec and a status subresource: the members
 * every such kind has (apiVersion, kind, metadata, the spec and status objects and their
 * descriptions) around the kind's own `parts`, so each kind's file lists only its fields.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kindSchema } from "@kruise-agents/shared/api";
 * const schema = kindSchema("Widget", {
 *   description: "A Widget.",
 *   spec: { properties: { size: { type: "integer" } } },
 *   status: {},
 * });
 * assert.deepEqual(schema.required, ["spec"]);
 * ```
 */
export function kindSchema(kind: string, parts: KindSchemaParts): JsonSchemaProps {
  return {
    type: "object",
    description: parts.description,
    required: ["spec"],
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
      spec: { type: "object", description: `Desired state of the ${kind}.`, ...parts.spec },
      status: {
        type: "object",
        description: `Observed state of the ${kind}; written through the status subresource.`,
        ...parts.status,
      },
    },
  };
}
