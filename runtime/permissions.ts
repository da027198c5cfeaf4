/**
 * The permission flags agent-runtime runs with, in one place for everything that starts it (the
 * local node, the test harness; `deno task runtime` in deno.json spells the same list). The
 * sandbox is the isolation boundary, so the runtime may run commands and touch files and the
 * network; `--allow-sys` is narrowed to what `/metrics` and the run-as-user switch read.
 * `--allow-ffi` is for the C library (`libc.ts`): the file APIs switch the main thread's
 * filesystem credentials to the requesting user's, and read and write metadata xattrs.
 *
 * @module
 */

/** `deno run` flags of agent-runtime: its permissions and V8's memory settings. */
export const RUNTIME_PERMISSIONS: readonly string[] = [
  "--allow-run",
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-env",
  "--allow-ffi",
  "--allow-sys=cpus,systemMemoryInfo,statfs,uid,gid",
  // A 1 MiB young generation: an idle sandbox keeps about 2 MB less resident, and the runtime's
  // allocations are short-lived, so throughput does not suffer. `--expose-gc` lets the idle
  // collector (`idle_collector.ts`) free the last burst's buffers once the runtime goes quiet.
  "--v8-flags=--max-semi-space-size=1,--expose-gc",
];

/**
 * The environment agent-runtime starts with, besides its own variables: the C library's
 * allocator, tuned so that memory freed after a burst goes back to the kernel. Blocks of 64 KiB
 * and more (every I/O buffer) are served by `mmap` and unmapped when freed, instead of staying in
 * a heap that glibc's adaptive threshold grows to 32 MiB; two arenas instead of eight per core
 * keep the threads' freed memory from being spread where it is never reused. With the idle
 * collector, a runtime holds about 75 MB after 150 MB of output and a 200 MB file up and down,
 * instead of about 150 MB (`runtime/envd_parity_bench.ts`).
 */
export const RUNTIME_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: "2",
  MALLOC_MMAP_THRESHOLD_: "65536",
};

/**
 * The variable naming (space-separated) the {@linkcode RUNTIME_ENV} entries that whoever started
 * the runtime added: they are the runtime's own, not the template's, so no command inherits them.
 * A template that sets one of them itself keeps its value, for the runtime and its commands.
 */
export const RUNTIME_OWN_ENV = "KRUISE_AGENTS_OWN_ENV";

/**
 * What to add to a start-up environment `env` for the runtime: each {@linkcode RUNTIME_ENV}
 * entry `env` does not set, and {@linkcode RUNTIME_OWN_ENV} naming them (the images' launcher
 * does the same in shell).
 *
 * @example
 * ```ts
 * import { runtimeEnvFor } from "./permissions.ts";
 * runtimeEnvFor({ MALLOC_ARENA_MAX: "4" });
 * // { MALLOC_MMAP_THRESHOLD_: "65536", KRUISE_AGENTS_OWN_ENV: "MALLOC_MMAP_THRESHOLD_" }
 * ```
 */
export function runtimeEnvFor(env: Readonly<Record<string, string>>): Record<string, string> {
  const added = Object.entries(RUNTIME_ENV).filter(([name]) => !(name in env));
  if (added.length === 0) return {};
  return {
    ...Object.fromEntries(added),
    [RUNTIME_OWN_ENV]: added.map(([name]) => name).join(" "),
  };
}

/** `runtime/main.ts`, the entry point those flags apply to. */
export const RUNTIME_MAIN: string = new URL("./main.ts", import.meta.url).pathname;
