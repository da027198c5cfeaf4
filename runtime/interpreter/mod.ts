/**
 * The code interpreter of the runtime: E2B's code-interpreter API (`/execute`, `/contexts`,
 * `/health`, normally on port 49999) backed by real Jupyter kernels. One Jupyter Server runs as a
 * child process on loopback; each context is one kernel spoken to over the server's kernel
 * websocket with the Jupyter messaging protocol. The kernels are those of E2B's template: Python
 * on ipykernel, JavaScript and TypeScript on Deno's own kernel, bash on bash_kernel, R on
 * IRkernel, Java on JJava, each started only when its language is first asked for (Python's at
 * startup). Python results carry E2B's extra formats (`result.chart` through E2B's
 * `e2b_charts`, `result.data`, `result.json`, PIL images as PNG; `python_startup.ts`), and
 * Jupyter Server runs with upstream's raised IOPub rate limits.
 *
 * Invariants: executions in one context run one at a time and in arrival order; every
 * `/execute` stream ends with `end_of_execution`; per-execution env vars are gone afterwards; a
 * client that goes away interrupts its cell without restarting the kernel (restarting only when
 * the interrupt does not end it); a kernel that dies is replaced and the context keeps its id;
 * Jupyter Server is restarted when it dies (as the template's systemd unit does), the kernels it
 * left behind are killed and each context gets a new kernel, keeping its id; disposing the
 * interpreter leaves no kernel or Jupyter process behind.
 *
 * Needs `--allow-run` (python3, ps, setpriv), `--allow-net` (loopback) and `--allow-env`; kernels
 * run with whatever rights the Jupyter Server process has (`runAs` picks the user).
 *
 * @example
 * ```ts ignore
 * import { createInterpreter } from "./mod.ts";
 * await using interpreter = await createInterpreter({ getEnvs: () => ({}) });
 * Deno.serve({ port: 49999 }, interpreter.fetch);
 * ```
 *
 * @module
 */
export { createInterpreter, type Interpreter, type InterpreterOptions } from "./interpreter.ts";
export type { RunAs } from "./jupyter_server.ts";
