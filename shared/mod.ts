/**
 * `@kruise-agents/shared`: the contracts the programs share. It depends on no program.
 *
 * - `./api`: typed models of the `agents.kruise.io/v1alpha1` kinds (Sandbox, SandboxSet), every
 *   label/annotation/finalizer key, and the OpenAPI schemas the chart's CRDs are generated from.
 * - `./envd`: the envd protobuf contract (process and filesystem services).
 * - `./std`: small std-style helpers that stand in for `jsr:@std/*`, which is unreachable here.
 *
 * @module
 */
export * as api from "./api/mod.ts";
export * as envd from "./envd/mod.ts";
export * as std from "./std/mod.ts";
export * as kube from "./kube/mod.ts";
