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

/** `deno run` flags of agent-runtime: its permissions and one V8 memory setting. */
export const RUNTIME_PERMISSIONS: readonly string[] = [
  "--allow-run",
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-env",
  "--allow-ffi",
  "--allow-sys=cpus,systemMemoryInfo,statfs,uid,gid",
  // A 1 MiB young generation: an idle sandbox keeps about 2 MB less resident (idle RSS target
  // 60 MB), and the runtime's allocations are short-lived, so throughput does not suffer.
  "--v8-flags=--max-semi-space-size=1",
];

/** `runtime/main.ts`, the entry point those flags apply to. */
export const RUNTIME_MAIN: string = new URL("./main.ts", import.meta.url).pathname;
