/**
 * Object metadata, owner references and conditions: the apimachinery types every kind of ours
 * embeds. Only the fields the controller and the manager read or write are modelled;
 * `managedFields` is dropped on parse because nothing of ours uses it and it is the bulk of every
 * object the API server returns.
 *
 * @module
 */
import { array, boolean, integer, object, oneOf, optionals, string, stringMap } from "./_parse.ts";
import type { JsonSchemaProps } from "./openapi.ts";

/**
 * The API group of every kind in this package, as in OpenKruise Agents.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GROUP, VERSION } from "@kruise-agents/shared/api";
 * assert.equal(`${GROUP}/${VERSION}`, "agents.kruise.io/v1alpha1");
 * ```
 */
export const GROUP = "agents.kruise.io";
/**
 * The only served and stored version.
 *
 * @example
 * ```ts
 * import { GROUP, VERSION } from "@kruise-agents/shared/api";
 * const path = `/apis/${GROUP}/${VERSION}/namespaces/default/sandboxes`;
 * ```
 */
export const VERSION = "v1alpha1";
/**
 * `apiVersion` of `Sandbox` and `SandboxSet` objects.
 *
 * @example
 * ```ts
 * import { API_VERSION, SANDBOX_KIND } from "@kruise-agents/shared/api";
 * const manifest = { apiVersion: API_VERSION, kind: SANDBOX_KIND, metadata: { name: "s" } };
 * ```
 */
export const API_VERSION = "agents.kruise.io/v1alpha1";

/**
 * Points from a dependent to its owner; the garbage collector deletes dependents of a deleted
 * owner.
 *
 * @example
 * ```ts
 * import type { OwnerReference } from "@kruise-agents/shared/api";
 * const owner: OwnerReference = {
 *   apiVersion: "agents.kruise.io/v1alpha1",
 *   kind: "SandboxSet",
 *   name: "python",
 *   uid: "6f1c2d3e-0000-4000-8000-000000000001",
 *   controller: true,
 *   blockOwnerDeletion: true,
 * };
 * ```
 */
export interface OwnerReference {
  /** API version of the owner, e.g. `agents.kruise.io/v1alpha1`. */
  apiVersion: string;
  /** Kind of the owner, e.g. `SandboxSet`. */
  kind: string;
  /** Name of the owner (same namespace as the dependent). */
  name: string;
  /** UID of the owner: a recreated owner with the same name does not adopt old dependents. */
  uid: string;
  /** True for the one managing controller (a pool Sandbox's SandboxSet). */
  controller?: boolean;
  /** With foreground deletion, the owner waits until this dependent is gone. */
  blockOwnerDeletion?: boolean;
}

/**
 * `metadata` of a namespaced object.
 *
 * @example
 * ```ts
 * import type { ObjectMeta } from "@kruise-agents/shared/api";
 * const metadata: ObjectMeta = {
 *   generateName: "python-",
 *   namespace: "default",
 *   labels: { "agents.kruise.io/sandbox-pool": "python" },
 *   finalizers: ["agents.kruise.io/sandbox"],
 * };
 * ```
 */
export interface ObjectMeta {
  /** Unique within the namespace; absent on create when `generateName` is used. */
  name?: string;
  /** Prefix for a server-generated name (pool Sandboxes use `{sandboxset}-`). */
  generateName?: string;
  /** Namespace of the object. */
  namespace?: string | undefined;
  /** Server-assigned identity, stable for the object's life. */
  uid?: string;
  /** Opaque version for optimistic concurrency: an update with a stale value gets 409. */
  resourceVersion?: string;
  /** Incremented by the server on every spec change (not on status writes). */
  generation?: number;
  /** RFC 3339 creation time. */
  creationTimestamp?: string;
  /** RFC 3339 time the object was asked to be deleted; set while finalizers hold it. */
  deletionTimestamp?: string;
  /** Grace period the deletion was requested with. */
  deletionGracePeriodSeconds?: number;
  /** Queryable key/value pairs (selectors), e.g. `agents.kruise.io/sandbox-pool`. */
  labels?: Record<string, string>;
  /** Non-queryable key/value pairs, e.g. the claim lock and owner. */
  annotations?: Record<string, string>;
  /** Owners; the garbage collector removes this object when they are gone. */
  ownerReferences?: OwnerReference[];
  /** Keys that block deletion until removed, e.g. `agents.kruise.io/sandbox`. */
  finalizers?: string[];
}

/**
 * Value of {@linkcode Condition.status}.
 *
 * @example
 * ```ts
 * import type { ConditionStatus } from "@kruise-agents/shared/api";
 * function statusOf(healthy: boolean | undefined): ConditionStatus {
 *   return healthy === undefined ? "Unknown" : healthy ? "True" : "False";
 * }
 * ```
 */
export type ConditionStatus = "True" | "False" | "Unknown";

/**
 * The three condition statuses, in apimachinery's order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CONDITION_STATUSES } from "@kruise-agents/shared/api";
 * assert.ok(CONDITION_STATUSES.includes("Unknown"));
 * ```
 */
export const CONDITION_STATUSES: readonly ConditionStatus[] = ["True", "False", "Unknown"];

/**
 * `metav1.Condition`: one observed aspect of an object's state, keyed by `type`.
 *
 * @example
 * ```ts
 * import type { Condition } from "@kruise-agents/shared/api";
 * const ready: Condition = {
 *   type: "Ready",
 *   status: "True",
 *   lastTransitionTime: "2026-01-01T00:00:00Z",
 *   reason: "PodReady",
 *   message: "",
 * };
 * ```
 */
export interface Condition {
  /** CamelCase type, unique within the list, e.g. `Ready`. */
  type: string;
  /** Whether the condition holds. */
  status: ConditionStatus;
  /** The `metadata.generation` the condition was computed from. */
  observedGeneration?: number;
  /** RFC 3339 time `status` last changed (not when the condition was last written). */
  lastTransitionTime: string;
  /** CamelCase machine-readable cause, e.g. `PodReady`. */
  reason: string;
  /** Human-readable detail; may be empty. */
  message: string;
}

/**
 * Parses an owner reference; throws `TypeError` naming the first bad field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseOwnerReference } from "@kruise-agents/shared/api";
 * const ref = parseOwnerReference({ apiVersion: "v1", kind: "Pod", name: "p", uid: "u1" });
 * assert.equal(ref.controller, undefined);
 * assert.throws(() => parseOwnerReference({ kind: "Pod" }), TypeError);
 * ```
 */
export function parseOwnerReference(value: unknown, path = "ownerReference"): OwnerReference {
  const o = object(value, path);
  return {
    apiVersion: string(o.apiVersion, `${path}.apiVersion`),
    kind: string(o.kind, `${path}.kind`),
    name: string(o.name, `${path}.name`),
    uid: string(o.uid, `${path}.uid`),
    ...optionals(o, path, { controller: boolean, blockOwnerDeletion: boolean }),
  };
}

/**
 * Parses object metadata; throws `TypeError` naming the first bad field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseObjectMeta } from "@kruise-agents/shared/api";
 * const meta = parseObjectMeta({ name: "s", managedFields: [{}], labels: { a: "b" } });
 * assert.deepEqual(meta, { name: "s", labels: { a: "b" } }); // managedFields dropped
 * ```
 */
export function parseObjectMeta(value: unknown, path = "metadata"): ObjectMeta {
  const o = object(value, path);
  return optionals(o, path, {
    name: string,
    generateName: string,
    namespace: string,
    uid: string,
    resourceVersion: string,
    generation: integer,
    creationTimestamp: string,
    deletionTimestamp: string,
    deletionGracePeriodSeconds: integer,
    labels: stringMap,
    annotations: stringMap,
    ownerReferences: (v, p) => array(v, p, parseOwnerReference),
    finalizers: (v, p) => array(v, p, string),
  });
}

/**
 * Parses a `metav1.Condition`; throws `TypeError` naming the first bad field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCondition } from "@kruise-agents/shared/api";
 * const c = parseCondition({
 *   type: "Ready", status: "True", lastTransitionTime: "2026-01-01T00:00:00Z", reason: "PodReady",
 *   message: "",
 * });
 * assert.throws(() => parseCondition({ ...c, status: "Yes" }), TypeError);
 * ```
 */
export function parseCondition(value: unknown, path = "condition"): Condition {
  const o = object(value, path);
  return {
    type: string(o.type, `${path}.type`),
    status: oneOf(o.status, `${path}.status`, CONDITION_STATUSES),
    ...optionals(o, path, { observedGeneration: integer }),
    lastTransitionTime: string(o.lastTransitionTime, `${path}.lastTransitionTime`),
    reason: string(o.reason, `${path}.reason`),
    message: string(o.message, `${path}.message`),
  };
}

/**
 * OpenAPI schema of a `conditions` list, as controller-gen emits it for `[]metav1.Condition`
 * (the same bounds and patterns), so the API server rejects malformed conditions and
 * server-side apply merges them by `type`.
 *
 * @example
 * ```ts
 * import { CONDITIONS_SCHEMA, type JsonSchemaProps } from "@kruise-agents/shared/api";
 * const status: JsonSchemaProps = {
 *   type: "object",
 *   properties: { conditions: CONDITIONS_SCHEMA },
 * };
 * ```
 */
export const CONDITIONS_SCHEMA: JsonSchemaProps = {
  type: "array",
  description: "The current state of the object, one entry per condition type.",
  items: {
    type: "object",
    description: "Condition contains details for one aspect of the current state of this object.",
    required: ["lastTransitionTime", "message", "reason", "status", "type"],
    properties: {
      lastTransitionTime: {
        type: "string",
        format: "date-time",
        description: "The last time the condition transitioned from one status to another.",
      },
      message: {
        type: "string",
        maxLength: 32768,
        description: "A human readable message indicating details about the transition.",
      },
      observedGeneration: {
        type: "integer",
        format: "int64",
        minimum: 0,
        description: "The .metadata.generation that the condition was set based upon.",
      },
      reason: {
        type: "string",
        maxLength: 1024,
        minLength: 1,
        pattern: "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
        description: "A programmatic identifier for the reason of the last transition.",
      },
      status: {
        type: "string",
        enum: ["True", "False", "Unknown"],
        description: "Status of the condition, one of True, False, Unknown.",
      },
      type: {
        type: "string",
        maxLength: 316,
        pattern:
          "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$",
        description: "Type of condition in CamelCase or in foo.example.com/CamelCase.",
      },
    },
  },
  "x-kubernetes-list-type": "map",
  "x-kubernetes-list-map-keys": ["type"],
};
