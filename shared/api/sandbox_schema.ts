/**
 * OpenAPI v3 schema of a Sandbox, from which `crd_gen.ts` writes the CRD in `charts/`; apart from
 * the model (`sandbox.ts`) it describes, so that neither file grows past a screenful of reading.
 *
 * @module
 */
import { CONDITIONS_SCHEMA } from "./meta.ts";
import { type JsonSchemaProps, kindSchema } from "./openapi.ts";
import { UPGRADE_POLICY_TYPES } from "./sandbox.ts";
import {
  EMBEDDED_TEMPLATE_PROPERTIES,
  PAUSE_STRATEGY_SCHEMA,
  PERSISTENT_CONTENTS_SCHEMA,
  RUNTIMES_SCHEMA,
} from "./template.ts";

const UPGRADE_HOOK_SCHEMA: JsonSchemaProps = {
  type: "object",
  properties: {
    exec: {
      type: "object",
      description: "core/v1 ExecAction run inside the sandbox through the runtime.",
      properties: { command: { type: "array", items: { type: "string" } } },
    },
    timeoutSeconds: {
      type: "integer",
      format: "int32",
      description: "Hook deadline; default 60.",
    },
  },
};

const DATE_TIME: JsonSchemaProps = { type: "string", format: "date-time" };

/**
 * OpenAPI v3 schema of a Sandbox (`openAPIV3Schema` of its CRD). The CRD in `charts/` is
 * generated from it by `crd_gen.ts`, and a test checks that it names exactly the model's fields.
 *
 * @example
 * ```ts
 * import { SANDBOX_SCHEMA } from "@kruise-agents/shared/api";
 * const crdVersion = {
 *   name: "v1alpha1",
 *   served: true,
 *   storage: true,
 *   schema: { openAPIV3Schema: SANDBOX_SCHEMA },
 *   subresources: { status: {} },
 * };
 * ```
 */
export const SANDBOX_SCHEMA: JsonSchemaProps = kindSchema("Sandbox", {
  description: "Sandbox is one sandbox, backed by one Pod of the same name.",
  spec: {
    properties: {
      paused: { type: "boolean", description: "Desired pause state." },
      pauseStrategy: PAUSE_STRATEGY_SCHEMA,
      persistentContents: PERSISTENT_CONTENTS_SCHEMA,
      shutdownTime: {
        ...DATE_TIME,
        description: "Time the Sandbox is deleted; in the past means now.",
      },
      pauseTime: { ...DATE_TIME, description: "Time the Sandbox is paused." },
      runtimes: RUNTIMES_SCHEMA,
      lifecycle: {
        type: "object",
        description: "Hooks around pod-replacing upgrades.",
        properties: { preUpgrade: UPGRADE_HOOK_SCHEMA, postUpgrade: UPGRADE_HOOK_SCHEMA },
      },
      upgradePolicy: {
        type: "object",
        description: "Pod-replacing upgrade policy; empty disables upgrades.",
        properties: { type: { type: "string", enum: [...UPGRADE_POLICY_TYPES] } },
      },
      ...EMBEDDED_TEMPLATE_PROPERTIES,
    },
  },
  status: {
    properties: {
      observedGeneration: { type: "integer", format: "int64" },
      phase: { type: "string", description: "Lifecycle phase." },
      message: { type: "string" },
      conditions: CONDITIONS_SCHEMA,
      podInfo: {
        type: "object",
        description: "Details of the backing Pod.",
        properties: {
          annotations: { type: "object", additionalProperties: { type: "string" } },
          labels: { type: "object", additionalProperties: { type: "string" } },
          nodeName: { type: "string" },
          podIP: { type: "string" },
          podUID: { type: "string" },
        },
      },
      nodeName: { type: "string" },
      sandboxIp: { type: "string" },
      updateRevision: { type: "string", description: "Hash of spec.template." },
      recycledCount: { type: "integer", format: "int32" },
    },
  },
});
