/**
 * agent-runtime: the in-sandbox daemon that serves E2B's envd API (Connect `process.Process` and
 * `filesystem.Filesystem`, HTTP `/health` `/init` `/envs` `/metrics` `/files`) so that the
 * unmodified E2B SDKs run commands and move files through it.
 *
 * @module
 */
export { createRuntime, type Runtime, type RuntimeOptions } from "./server.ts";
export { type InitRefusal, RuntimeState, type RuntimeStateOptions } from "./state.ts";
export type { InitRequest } from "@kruise-agents/shared/envd/http";
export { parseConfig, type RuntimeConfig } from "./config.ts";
export { type User, UserDirectory } from "./users.ts";
export type { RuntimeDeps } from "./deps.ts";
export type { ProcessTable, Selector } from "./process/process_table.ts";
export type {
  ExitInfo,
  ProcessEventItem,
  ProcessHandle,
  ProcessSpec,
  StartOptions,
} from "./process/process_handle.ts";
export type { Fanout, FanoutOptions } from "./process/output_fanout.ts";
export {
  RUNTIME_ENV,
  RUNTIME_MAIN,
  RUNTIME_OWN_ENV,
  RUNTIME_PERMISSIONS,
  runtimeEnvFor,
} from "./permissions.ts";
