/**
 * `@kruise-agents/shared`: the contracts the programs share. It depends on no program.
 *
 * - `./envd`: the envd protobuf contract (process and filesystem services).
 * - `./std`: small std-style helpers that stand in for `jsr:@std/*`, which is unreachable here.
 *
 * @module
 */
export * as envd from "./envd/mod.ts";
export * as std from "./std/mod.ts";
