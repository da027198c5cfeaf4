/**
 * `SandboxSet` (`agents.kruise.io/v1alpha1`, short name `sbs`): a warm pool of Sandboxes and, by
 * its name, an E2B template. `spec.replicas` counts the *unused* sandboxes (creating + available);
 * a claim takes a Sandbox out of the pool and the controller replaces it. Field names are those of
 * OpenKruise Agents (reference §2.2). Replica changes go through the scale subresource, because
 * the controller writes the object constantly and a full update would meet 409s.
 *
 * @module
 */
import { array, integer, intOrString, object, optionals, string } from "./_parse.ts";
import { type Condition, CONDITIONS_SCHEMA, parseCondition } from "./meta.ts";
import { type CustomObject, parseCustomObject } from "./custom_object.ts";
import { type JsonSchemaProps, kindSchema } from "./openapi.ts";
import {
  EMBEDDED_TEMPLATE_PROPERTIES,
  type EmbeddedSandboxTemplate,
  parseEmbeddedSandboxTemplate,
  parsePauseStrategy,
  parseRuntimeConfig,
  PAUSE_STRATEGY_SCHEMA,
  type PauseStrategy,
  PERSISTENT_CONTENTS_SCHEMA,
  type RuntimeConfig,
  RUNTIMES_SCHEMA,
} from "./template.ts";

/**
 * `kind` of a SandboxSet.
 *
 * @example
 * ```ts
 * import { API_VERSION, parseSandboxSet, SANDBOX_SET_KIND } from "@kruise-agents/shared/api";
 * const pool = parseSandboxSet({
 *   apiVersion: API_VERSION,
 *   kind: SANDBOX_SET_KIND,
 *   metadata: { namespace: "default", name: "python" },
 *   spec: { replicas: 2 },
 * });
 * ```
 */
export const SANDBOX_SET_KIND = "SandboxSet";

/**
 * A bound on sandboxes that may be unavailable at once: a count, or a percentage like `20%`.
 *
 * @example
 * ```ts
 * import type { MaxUnavailableStrategy, SandboxSetSpec } from "@kruise-agents/shared/api";
 * const rolling: MaxUnavailableStrategy = { maxUnavailable: "25%" };
 * const spec: SandboxSetSpec = { replicas: 8, updateStrategy: rolling };
 * ```
 */
export interface MaxUnavailableStrategy {
  /** Integer, or percentage string. */
  maxUnavailable?: number | string;
}

/**
 * Desired state of a SandboxSet.
 *
 * @example
 * ```ts
 * import type { SandboxSetSpec } from "@kruise-agents/shared/api";
 * const spec: SandboxSetSpec = {
 *   replicas: 3,
 *   template: { spec: { containers: [{ name: "main", image: "python:3.12" }] } },
 *   runtimes: [{ name: "agent-runtime" }],
 * };
 * ```
 */
export interface SandboxSetSpec extends EmbeddedSandboxTemplate {
  /** Number of unused (creating + available) sandboxes to keep. */
  replicas: number;
  /** Copied onto created Sandboxes; part of the revision hash. */
  pauseStrategy?: PauseStrategy;
  /** Copied onto created Sandboxes; part of the revision hash. */
  persistentContents?: string[];
  /** Copied onto created Sandboxes; part of the revision hash. */
  runtimes?: RuntimeConfig[];
  /** Caps creating sandboxes during scale-up (only). */
  scaleStrategy?: MaxUnavailableStrategy;
  /** Batch size of rolling template updates of unclaimed sandboxes. @default {"20%"} */
  updateStrategy?: MaxUnavailableStrategy;
}

/**
 * Observed state of a SandboxSet; written only through the status subresource.
 *
 * @example
 * ```ts
 * import type { SandboxSetStatus } from "@kruise-agents/shared/api";
 * function warm(status: SandboxSetStatus | undefined): string {
 *   return `${status?.availableReplicas ?? 0}/${status?.replicas ?? 0} available`;
 * }
 * ```
 */
export interface SandboxSetStatus {
  /** The `metadata.generation` this status was computed from. */
  observedGeneration?: number;
  /** Creating + available sandboxes, plus creates not yet observed. */
  replicas?: number;
  /** Sandboxes ready to be claimed. */
  availableReplicas?: number;
  /** Hash of template, persistentContents, runtimes and pauseStrategy. */
  updateRevision?: string;
  /** Name of the materialised SandboxTemplate, or the templateRef name. */
  currentRevision?: string;
  /** Sandboxes at `updateRevision`. */
  updatedReplicas?: number;
  /** Available sandboxes at `updateRevision`. */
  updatedAvailableReplicas?: number;
  /** Conditions, keyed by type. */
  conditions?: Condition[];
  /**
   * Label selector of the pool's unused sandboxes, as a string (the scale subresource's
   * `labelSelectorPath`): `agents.kruise.io/sandbox-pool=<name>,agents.kruise.io/sandbox-claimed=false`.
   */
  selector?: string;
}

/**
 * A SandboxSet object; its `metadata.name` is the E2B template ID.
 *
 * @example
 * ```ts
 * import type { SandboxSet } from "@kruise-agents/shared/api";
 * const pool: SandboxSet = {
 *   apiVersion: "agents.kruise.io/v1alpha1",
 *   kind: "SandboxSet",
 *   metadata: { namespace: "default", name: "python" }, // the E2B template ID
 *   spec: { replicas: 2, template: { spec: { containers: [{ name: "main", image: "python" }] } } },
 * };
 * ```
 */
export type SandboxSet = CustomObject<typeof SANDBOX_SET_KIND, SandboxSetSpec, SandboxSetStatus>;

function parseMaxUnavailable(value: unknown, path: string): MaxUnavailableStrategy {
  const o = object(value, path);
  return optionals(o, path, { maxUnavailable: intOrString });
}

/**
 * Parses a SandboxSet spec; throws `TypeError` naming the first bad field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSandboxSetSpec } from "@kruise-agents/shared/api";
 * assert.equal(parseSandboxSetSpec({ replicas: 2 }).replicas, 2);
 * assert.throws(() => parseSandboxSetSpec({}), TypeError); // replicas is required
 * ```
 */
export function parseSandboxSetSpec(value: unknown, path = "spec"): SandboxSetSpec {
  const o = object(value, path);
  return {
    replicas: integer(o.replicas, `${path}.replicas`),
    ...optionals(o, path, {
      pauseStrategy: parsePauseStrategy,
      persistentContents: (v, p) => array(v, p, string),
      runtimes: (v, p) => array(v, p, parseRuntimeConfig),
      scaleStrategy: parseMaxUnavailable,
      updateStrategy: parseMaxUnavailable,
    }),
    ...parseEmbeddedSandboxTemplate(o, path),
  };
}

/**
 * Parses a SandboxSet status; throws `TypeError` naming the first bad field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSandboxSetStatus } from "@kruise-agents/shared/api";
 * const status = parseSandboxSetStatus({ replicas: 2, availableReplicas: 1 });
 * assert.equal(status.availableReplicas, 1);
 * ```
 */
export function parseSandboxSetStatus(value: unknown, path = "status"): SandboxSetStatus {
  const o = object(value, path);
  return optionals(o, path, {
    observedGeneration: integer,
    replicas: integer,
    availableReplicas: integer,
    updateRevision: string,
    currentRevision: string,
    updatedReplicas: integer,
    updatedAvailableReplicas: integer,
    conditions: (v, p) => array(v, p, parseCondition),
    selector: string,
  });
}

/**
 * Parses a SandboxSet as returned by the API server or written in a manifest; throws `TypeError`
 * naming the first field that does not match the model.
 *
 * @example
 * ```ts
 * import { parseSandboxSet } from "@kruise-agents/shared/api";
 * const pool = parseSandboxSet({
 *   apiVersion: "agents.kruise.io/v1alpha1",
 *   kind: "SandboxSet",
 *   metadata: { name: "code-interpreter" },
 *   spec: { replicas: 2, template: { spec: { containers: [{ name: "sandbox" }] } } },
 * });
 * ```
 */
export function parseSandboxSet(value: unknown): SandboxSet {
  return parseCustomObject(value, SANDBOX_SET_KIND, {
    spec: parseSandboxSetSpec,
    status: parseSandboxSetStatus,
  });
}

const MAX_UNAVAILABLE_SCHEMA: JsonSchemaProps = {
  anyOf: [{ type: "integer" }, { type: "string" }],
  "x-kubernetes-int-or-string": true,
  description: "An absolute number (5) or a percentage (10%).",
};

const INT32: JsonSchemaProps = { type: "integer", format: "int32" };

/**
 * OpenAPI v3 schema of a SandboxSet (`openAPIV3Schema` of its CRD). The CRD in `charts/` is
 * generated from it by `crd_gen.ts`, and a test checks that it names exactly the model's fields.
 *
 * @example
 * ```ts
 * import { SANDBOX_SET_SCHEMA } from "@kruise-agents/shared/api";
 * const crdVersion = {
 *   name: "v1alpha1",
 *   served: true,
 *   storage: true,
 *   schema: { openAPIV3Schema: SANDBOX_SET_SCHEMA },
 *   subresources: { status: {} },
 * };
 * ```
 */
export const SANDBOX_SET_SCHEMA: JsonSchemaProps = kindSchema("SandboxSet", {
  description: "SandboxSet is a warm pool of Sandboxes; its name is the E2B template ID.",
  spec: {
    required: ["replicas"],
    properties: {
      replicas: {
        ...INT32,
        minimum: 0,
        description: "Number of unused (creating + available) sandboxes to keep.",
      },
      pauseStrategy: PAUSE_STRATEGY_SCHEMA,
      persistentContents: PERSISTENT_CONTENTS_SCHEMA,
      runtimes: RUNTIMES_SCHEMA,
      scaleStrategy: {
        type: "object",
        description: "Caps creating sandboxes during scale-up.",
        properties: { maxUnavailable: MAX_UNAVAILABLE_SCHEMA },
      },
      updateStrategy: {
        type: "object",
        description: "Batch size of rolling template updates; default 20%.",
        properties: { maxUnavailable: MAX_UNAVAILABLE_SCHEMA },
      },
      ...EMBEDDED_TEMPLATE_PROPERTIES,
    },
  },
  status: {
    properties: {
      observedGeneration: { type: "integer", format: "int64" },
      replicas: { ...INT32, description: "Creating + available sandboxes." },
      availableReplicas: { ...INT32, description: "Sandboxes ready to be claimed." },
      updateRevision: { type: "string", description: "Hash of the desired template." },
      currentRevision: { type: "string" },
      updatedReplicas: INT32,
      updatedAvailableReplicas: INT32,
      conditions: CONDITIONS_SCHEMA,
      selector: { type: "string", description: "Label selector of the unused sandboxes." },
    },
  },
});
