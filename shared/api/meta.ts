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

/** The API group of every kind in this package, as in OpenKruise Agents. */
export const GROUP = "agents.kruise.io";
/** The only served and stored version. */
export const VERSION = "v1alpha1";
/** `apiVersion` of `Sandbox` and `SandboxSet` objects. */
export const API_VERSION = "agents.kruise.io/v1alpha1";

/** Points from a dependent to its owner; the garbage collector deletes dependents of a deleted owner. */
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

/** `metadata` of a namespaced object. */
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

/** Value of {@linkcode Condition.status}. */
export type ConditionStatus = "True" | "False" | "Unknown";

/** The three condition statuses, in apimachinery's order. */
export const CONDITION_STATUSES: readonly ConditionStatus[] = ["True", "False", "Unknown"];

/** `metav1.Condition`: one observed aspect of an object's state, keyed by `type`. */
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

/** Parses an owner reference; throws `TypeError` naming the first bad field. */
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

/** Parses object metadata; throws `TypeError` naming the first bad field. */
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

/** Parses a `metav1.Condition`; throws `TypeError` naming the first bad field. */
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
