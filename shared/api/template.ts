/**
 * What a Sandbox is made from, shared by `Sandbox.spec` and `SandboxSet.spec`: the pod template
 * (inline, or a reference to a SandboxTemplate), PVC templates, the runtimes to inject, the pause
 * strategy and the persistent contents. A SandboxSet copies these onto each Sandbox it creates,
 * so both kinds use the same types and the same schema fragments.
 *
 * The pod template is kept schemaless (`x-kubernetes-preserve-unknown-fields`), as in the
 * reference's CRDs: a full PodTemplateSpec schema would be ~8 000 lines of YAML per kind, and
 * manifests written for OpenKruise Agents (which accepts any pod template fields) must apply
 * unchanged. Pod validity is checked when the Pod is created.
 *
 * @module
 */
import { array, compact, object, oneOf, optional, optionals, string, stringMap } from "./_parse.ts";
import type { JsonSchemaProps } from "./openapi.ts";

/**
 * How a paused Sandbox is paused. `Freeze` (this project's: the Pod stays and its cgroup is frozen,
 * by the local node or a cluster node's node agent) is the default where the node can freeze; the
 * reference's OSS has only `Stop` (delete the Pod), which is not implemented here yet.
 *
 * @example
 * ```ts
 * import type { PauseStrategy, PauseStrategyType } from "@kruise-agents/shared/api";
 * const type: PauseStrategyType = "Stop";
 * const pauseStrategy: PauseStrategy = { type };
 * ```
 */
export type PauseStrategyType = "Freeze" | "Stop" | "Hibernate";
/**
 * Every {@linkcode PauseStrategyType}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PAUSE_STRATEGY_TYPES } from "@kruise-agents/shared/api";
 * assert.ok(PAUSE_STRATEGY_TYPES.includes("Hibernate"));
 * ```
 */
export const PAUSE_STRATEGY_TYPES: readonly PauseStrategyType[] = ["Freeze", "Stop", "Hibernate"];

/**
 * `spec.pauseStrategy`: the mechanism used when `spec.paused` becomes true.
 *
 * @example
 * ```ts
 * import type { PauseStrategy } from "@kruise-agents/shared/api";
 * const hibernate: PauseStrategy = { type: "Hibernate", hibernateStrategy: { type: "disk" } };
 * ```
 */
export interface PauseStrategy {
  /** The pause mechanism. */
  type?: PauseStrategyType;
  /** Storage medium of the hibernate state; only with `type: Hibernate`. */
  hibernateStrategy?: { type?: string };
}

/**
 * One entry of `spec.runtimes`: a key of the `sandbox-injection-config` ConfigMap.
 *
 * @example
 * ```ts
 * import type { RuntimeConfig } from "@kruise-agents/shared/api";
 * const runtimes: RuntimeConfig[] = [{ name: "agent-runtime" }];
 * ```
 */
export interface RuntimeConfig {
  /** e.g. `agent-runtime`, `csi`, `traffic-proxy`. */
  name: string;
}

/**
 * `spec.templateRef`: use a SandboxTemplate instead of an inline template.
 *
 * @example
 * ```ts
 * import type { SandboxSetSpec, SandboxTemplateRef } from "@kruise-agents/shared/api";
 * const templateRef: SandboxTemplateRef = { name: "python-base" };
 * const spec: SandboxSetSpec = { replicas: 1, templateRef };
 * ```
 */
export interface SandboxTemplateRef {
  /** Name of the SandboxTemplate. */
  name: string;
  /** Kind of the referenced object. */
  kind?: string;
  /** API version of the referenced object. */
  apiVersion?: string;
}

/**
 * A container of the pod template; fields we do not read are kept as they are.
 *
 * @example
 * ```ts
 * import type { Container } from "@kruise-agents/shared/api";
 * const main: Container = {
 *   name: "main",
 *   image: "python:3.12",
 *   resources: { limits: { cpu: "1", memory: "1Gi" } }, // kept verbatim
 * };
 * ```
 */
export interface Container {
  /** Container name; `containers[0]` is the sandbox's main container. */
  name: string;
  /** Image reference. */
  image?: string;
  /** Any other `core/v1` Container field, kept verbatim. */
  [field: string]: unknown;
}

/**
 * The pod spec of the template; fields we do not read are kept as they are.
 *
 * @example
 * ```ts
 * import type { PodSpec } from "@kruise-agents/shared/api";
 * const spec: PodSpec = {
 *   containers: [{ name: "main", image: "python:3.12" }],
 *   restartPolicy: "Never",
 * };
 * ```
 */
export interface PodSpec {
  /** The containers; the first is the main container the runtime attaches to. */
  containers: Container[];
  /** Init containers (the runtime sidecar is a native sidecar init container). */
  initContainers?: Container[];
  /** Any other `core/v1` PodSpec field, kept verbatim. */
  [field: string]: unknown;
}

/**
 * `spec.template`: a `core/v1` PodTemplateSpec.
 *
 * @example
 * ```ts
 * import type { PodTemplateSpec } from "@kruise-agents/shared/api";
 * const template: PodTemplateSpec = {
 *   metadata: { labels: { app: "python" } },
 *   spec: { containers: [{ name: "main", image: "python:3.12" }] },
 * };
 * ```
 */
export interface PodTemplateSpec {
  /** Labels and annotations copied onto the Pod. */
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  /** The pod spec. */
  spec: PodSpec;
}

/**
 * The template fields both kinds embed inline (Go's `EmbeddedSandboxTemplate`).
 *
 * @example
 * ```ts
 * import type { EmbeddedSandboxTemplate } from "@kruise-agents/shared/api";
 * function image(t: EmbeddedSandboxTemplate): string | undefined {
 *   return t.template?.spec.containers[0]?.image; // undefined with a templateRef
 * }
 * ```
 */
export interface EmbeddedSandboxTemplate {
  /** A SandboxTemplate to use; mutually exclusive with `template`. */
  templateRef?: SandboxTemplateRef;
  /** The inline pod template; mutually exclusive with `templateRef`. */
  template?: PodTemplateSpec;
  /** `core/v1` PersistentVolumeClaim templates, one PVC per Sandbox each, kept verbatim. */
  volumeClaimTemplates?: Record<string, unknown>[];
}

/**
 * Parses a pause strategy; throws `TypeError` naming the first bad field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePauseStrategy } from "@kruise-agents/shared/api";
 * assert.deepEqual(parsePauseStrategy({ type: "Stop" }), { type: "Stop" });
 * assert.throws(() => parsePauseStrategy({ type: "Sleep" }), TypeError);
 * ```
 */
export function parsePauseStrategy(value: unknown, path = "pauseStrategy"): PauseStrategy {
  const o = object(value, path);
  return optionals(o, path, {
    type: (v, p) => oneOf(v, p, PAUSE_STRATEGY_TYPES),
    hibernateStrategy: (v, p) => optionals(object(v, p), p, { type: string }),
  });
}

/**
 * Parses a runtime entry; throws `TypeError` naming the first bad field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRuntimeConfig } from "@kruise-agents/shared/api";
 * assert.deepEqual(parseRuntimeConfig({ name: "agent-runtime" }), { name: "agent-runtime" });
 * assert.throws(() => parseRuntimeConfig({}), TypeError);
 * ```
 */
export function parseRuntimeConfig(value: unknown, path = "runtime"): RuntimeConfig {
  const o = object(value, path);
  return { name: string(o.name, `${path}.name`) };
}

/**
 * Parses a template reference; throws `TypeError` naming the first bad field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSandboxTemplateRef } from "@kruise-agents/shared/api";
 * assert.equal(parseSandboxTemplateRef({ name: "python-base" }).name, "python-base");
 * ```
 */
export function parseSandboxTemplateRef(value: unknown, path = "templateRef"): SandboxTemplateRef {
  const o = object(value, path);
  return {
    name: string(o.name, `${path}.name`),
    ...optionals(o, path, { kind: string, apiVersion: string }),
  };
}

function parseContainer(value: unknown, path: string): Container {
  const o = object(value, path);
  string(o.name, `${path}.name`);
  optional(o, "image", path, string);
  return { ...o } as Container;
}

/**
 * Parses a pod template. Only what our programs read is checked (container names and images,
 * template labels and annotations); every other field is kept verbatim.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePodTemplateSpec } from "@kruise-agents/shared/api";
 * const template = parsePodTemplateSpec({ spec: { containers: [{ name: "main", image: "py" }] } });
 * assert.equal(template.spec.containers[0]?.image, "py");
 * assert.throws(() => parsePodTemplateSpec({ spec: { containers: [{}] } }), TypeError);
 * ```
 */
export function parsePodTemplateSpec(value: unknown, path = "template"): PodTemplateSpec {
  const o = object(value, path);
  const spec = object(o.spec, `${path}.spec`);
  const parsedSpec: PodSpec = {
    ...spec,
    containers: array(spec.containers, `${path}.spec.containers`, parseContainer),
  };
  const init = optional(
    spec,
    "initContainers",
    `${path}.spec`,
    (v, p) => array(v, p, parseContainer),
  );
  if (init !== undefined) parsedSpec.initContainers = init;
  const meta = optional(o, "metadata", path, (v, p) => {
    const m = object(v, p);
    return compact({
      ...m,
      labels: optional(m, "labels", p, stringMap),
      annotations: optional(m, "annotations", p, stringMap),
    });
  });
  return compact({ ...o, metadata: meta, spec: parsedSpec });
}

/**
 * Parses the embedded template fields of a spec object (`templateRef`, `template`, ...).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseEmbeddedSandboxTemplate } from "@kruise-agents/shared/api";
 * const parsed = parseEmbeddedSandboxTemplate({ replicas: 2, templateRef: { name: "base" } });
 * assert.deepEqual(parsed, { templateRef: { name: "base" } });
 * ```
 */
export function parseEmbeddedSandboxTemplate(
  spec: Record<string, unknown>,
  path = "spec",
): EmbeddedSandboxTemplate {
  return optionals(spec, path, {
    templateRef: parseSandboxTemplateRef,
    template: parsePodTemplateSpec,
    volumeClaimTemplates: (v, p) => array(v, p, object),
  });
}

/**
 * Schema of `spec.pauseStrategy`.
 *
 * @example
 * ```ts
 * import { type JsonSchemaProps, PAUSE_STRATEGY_SCHEMA } from "@kruise-agents/shared/api";
 * const spec: JsonSchemaProps = {
 *   type: "object",
 *   properties: { pauseStrategy: PAUSE_STRATEGY_SCHEMA },
 * };
 * ```
 */
export const PAUSE_STRATEGY_SCHEMA: JsonSchemaProps = {
  type: "object",
  description: "How sandboxes are paused when spec.paused is true. Freeze (the default where " +
    "the node can freeze) keeps the Pod and freezes its processes; Stop deletes the Pod and is " +
    "not implemented yet; Hibernate is accepted for compatibility and not implemented.",
  properties: {
    type: { type: "string", enum: [...PAUSE_STRATEGY_TYPES], description: "The pause mechanism." },
    hibernateStrategy: {
      type: "object",
      description: "Storage medium of the hibernate state; only with type Hibernate.",
      properties: { type: { type: "string", description: "e.g. Snapshot." } },
    },
  },
};

/**
 * Schema of `spec.persistentContents`.
 *
 * @example
 * ```ts
 * import { type JsonSchemaProps, PERSISTENT_CONTENTS_SCHEMA } from "@kruise-agents/shared/api";
 * const spec: JsonSchemaProps = {
 *   type: "object",
 *   properties: { persistentContents: PERSISTENT_CONTENTS_SCHEMA },
 * };
 * ```
 */
export const PERSISTENT_CONTENTS_SCHEMA: JsonSchemaProps = {
  type: "array",
  description: "What a pause or checkpoint keeps: ip, memory, filesystem.",
  items: { type: "string" },
  "x-kubernetes-list-type": "atomic",
};

/**
 * Schema of `spec.runtimes`.
 *
 * @example
 * ```ts
 * import { type JsonSchemaProps, RUNTIMES_SCHEMA } from "@kruise-agents/shared/api";
 * const spec: JsonSchemaProps = { type: "object", properties: { runtimes: RUNTIMES_SCHEMA } };
 * ```
 */
export const RUNTIMES_SCHEMA: JsonSchemaProps = {
  type: "array",
  description: "Runtimes injected into the pod, by key of the sandbox-injection-config ConfigMap " +
    "(agent-runtime, csi, traffic-proxy).",
  items: {
    type: "object",
    required: ["name"],
    properties: { name: { type: "string", description: "Key of the injection config." } },
  },
  "x-kubernetes-list-type": "atomic",
};

/**
 * Schema fragments of the embedded template fields, merged into each kind's `spec`.
 *
 * @example
 * ```ts
 * import { EMBEDDED_TEMPLATE_PROPERTIES, type JsonSchemaProps } from "@kruise-agents/shared/api";
 * const spec: JsonSchemaProps = {
 *   type: "object",
 *   properties: { ...EMBEDDED_TEMPLATE_PROPERTIES, replicas: { type: "integer" } },
 * };
 * ```
 */
export const EMBEDDED_TEMPLATE_PROPERTIES: Record<string, JsonSchemaProps> = {
  templateRef: {
    type: "object",
    description: "A SandboxTemplate to create the sandbox from; exclusive with template.",
    required: ["name"],
    properties: {
      name: { type: "string", description: "Name of the SandboxTemplate." },
      kind: { type: "string", description: "Kind of the referenced object." },
      apiVersion: { type: "string", description: "API version of the referenced object." },
    },
  },
  template: {
    type: "object",
    description: "core/v1 PodTemplateSpec of the sandbox pod; exclusive with templateRef. " +
      "Kept schemaless so reference manifests apply unchanged; validated when the Pod is created.",
    "x-kubernetes-preserve-unknown-fields": true,
  },
  volumeClaimTemplates: {
    type: "array",
    description: "core/v1 PersistentVolumeClaim templates; each sandbox gets one PVC per entry.",
    items: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
  },
};
