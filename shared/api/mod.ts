/**
 * Typed models of the `agents.kruise.io/v1alpha1` kinds `Sandbox` and `SandboxSet`, with the field
 * names, labels, annotations, finalizers and E2B metadata keys of OpenKruise Agents, so manifests
 * written for it apply unchanged and both systems read each other's objects.
 *
 * - Each kind has an interface, a `parseX(unknown)` that throws `TypeError` at the boundary (API
 *   responses, manifests), and an OpenAPI v3 schema constant.
 * - `crd_gen.ts` (a tool, not re-exported here, so the package needs no YAML library) generates
 *   the chart's CRDs from those schema constants; a test fails on drift.
 * - `labels.ts` holds every key; no other file spells one as a literal.
 *
 * @example
 * ```ts
 * import { LABEL_SANDBOX_POOL, parseSandboxSet } from "@kruise-agents/shared/api";
 * const pool = parseSandboxSet(JSON.parse(
 *   '{"apiVersion":"agents.kruise.io/v1alpha1","kind":"SandboxSet","metadata":{"name":"ci"},' +
 *     '"spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"main"}]}}}}',
 * ));
 * const selector = `${LABEL_SANDBOX_POOL}=${pool.metadata.name}`;
 * ```
 *
 * @module
 */
export * from "./custom_object.ts";
export * from "./meta.ts";
export * from "./labels.ts";
export * from "./openapi.ts";
export * from "./template.ts";
export * from "./sandbox.ts";
export * from "./sandbox_schema.ts";
export * from "./sandbox_set.ts";
export * from "./local_node.ts";
export * from "./conditions.ts";
export * from "./pod.ts";
export * from "./sandbox_state.ts";
export * from "./quantity.ts";
export * from "./sandbox_token.ts";
export * from "./lease.ts";
export * from "./create_metadata.ts";
