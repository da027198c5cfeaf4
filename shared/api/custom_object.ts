/**
 * The shape every kind of this API group shares (`apiVersion`, `kind`, `metadata`, `spec` and an
 * optional `status`) and its one parser, so each kind's file defines only its spec and status:
 * `Sandbox` and `SandboxSet` are both a {@linkcode CustomObject}.
 *
 * @module
 */
import { fail, object, optional } from "./_parse.ts";
import { API_VERSION, type ObjectMeta, parseObjectMeta } from "./meta.ts";

/**
 * An object of kind `K` of this API group, with its spec and status types.
 *
 * @example
 * ```ts
 * import type { CustomObject } from "@kruise-agents/shared/api";
 * type Widget = CustomObject<"Widget", { size: number }, { ready?: boolean }>;
 * const widget: Widget = {
 *   apiVersion: "agents.kruise.io/v1alpha1",
 *   kind: "Widget",
 *   metadata: { name: "w" },
 *   spec: { size: 3 },
 * };
 * ```
 */
export interface CustomObject<K extends string, Spec, Status> {
  /** Always `agents.kruise.io/v1alpha1`. */
  apiVersion: typeof API_VERSION;
  /** Always `K`. */
  kind: K;
  /** Object metadata. */
  metadata: ObjectMeta;
  /** Desired state. */
  spec: Spec;
  /** Observed state, written by the kind's controller through the status subresource. */
  status?: Status;
}

/**
 * The parsers of one kind's spec and status, for {@linkcode parseCustomObject}.
 *
 * @example
 * ```ts
 * import type { KindParsers } from "@kruise-agents/shared/api";
 * const parsers: KindParsers<{ size: number }, { ready?: boolean }> = {
 *   spec: (value, path) => {
 *     const size = (value as { size?: unknown }).size;
 *     if (typeof size !== "number") throw new TypeError(`${path}.size must be a number`);
 *     return { size };
 *   },
 *   status: () => ({}),
 * };
 * ```
 */
export interface KindParsers<Spec, Status> {
  /** Parses `spec` (required), given its value and its path for the `TypeError`. */
  spec: (value: unknown, path: string) => Spec;
  /** Parses `status` (optional), given its value and its path for the `TypeError`. */
  status: (value: unknown, path: string) => Status;
}

/**
 * Parses an object of `kind` as returned by the API server or written in a manifest; throws
 * `TypeError` naming the first field that does not match the model (`Sandbox.spec.paused`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCustomObject, parseSandboxSpec } from "@kruise-agents/shared/api";
 * import { parseSandboxStatus } from "@kruise-agents/shared/api";
 * const sandbox = parseCustomObject({
 *   apiVersion: "agents.kruise.io/v1alpha1",
 *   kind: "Sandbox",
 *   metadata: { name: "s" },
 *   spec: { paused: false },
 * }, "Sandbox", { spec: parseSandboxSpec, status: parseSandboxStatus });
 * assert.equal(sandbox.spec.paused, false);
 * ```
 */
export function parseCustomObject<K extends string, Spec, Status>(
  value: unknown,
  kind: K,
  parsers: KindParsers<Spec, Status>,
): CustomObject<K, Spec, Status> {
  const o = object(value, kind);
  if (o.apiVersion !== API_VERSION) {
    fail(`${kind}.apiVersion`, JSON.stringify(API_VERSION), o.apiVersion);
  }
  if (o.kind !== kind) fail(`${kind}.kind`, JSON.stringify(kind), o.kind);
  const parsed: CustomObject<K, Spec, Status> = {
    apiVersion: API_VERSION,
    kind,
    metadata: parseObjectMeta(o.metadata, `${kind}.metadata`),
    spec: parsers.spec(o.spec, `${kind}.spec`),
  };
  const status = optional(o, "status", kind, parsers.status);
  if (status !== undefined) parsed.status = status;
  return parsed;
}
