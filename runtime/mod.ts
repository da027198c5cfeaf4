/**
 * agent-runtime: the in-sandbox daemon that serves E2B's envd API (Connect `process.Process` and
 * `filesystem.Filesystem`, HTTP `/health` `/init` `/envs` `/metrics` `/files`) so that the
 * unmodified E2B SDKs run commands and move files through it.
 *
 * @module
 */
export { createRuntime, ENVD_VERSION, type Runtime, type RuntimeOptions } from "./server.ts";
export { type InitRequest, parseInitRequest, RuntimeState } from "./state.ts";
export { parseConfig, type RuntimeConfig } from "./config.ts";
