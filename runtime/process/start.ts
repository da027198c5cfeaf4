/**
 * `process.Process/Start`: plan the launch for the run-as user, spawn, register in the process
 * table, bind the process's lifetime to the `Connect-Timeout-Ms` deadline, then stream the
 * process's events to the caller.
 *
 * @module
 */
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { StartRequest } from "@kruise-agents/shared/envd";
import { rpcUser } from "../auth.ts";
import type { RuntimeDeps } from "../deps.ts";
import { type EventInit, follow } from "./follow.ts";
import { planLaunch, processPath } from "./launch.ts";
import { ProcessHandle } from "./process_handle.ts";
import type { ProcessTable } from "./process_table.ts";

/** Serves one Start. The process outlives the call: only its deadline or its end stops it. */
export async function* start(
  req: StartRequest,
  ctx: HandlerContext,
  deps: RuntimeDeps,
  table: ProcessTable,
): AsyncGenerator<{ event: EventInit }> {
  const user = rpcUser(ctx.requestHeader, deps.state, deps.users);
  const config = req.process;
  if (!config) throw new ConnectError("process config is required", Code.InvalidArgument);
  const size = req.pty?.size;
  const ptySize = req.pty ? { cols: size?.cols || 80, rows: size?.rows || 24 } : undefined;
  const plan = planLaunch({
    cmd: config.cmd,
    args: config.args,
    envs: config.envs,
    cwd: config.cwd,
    pty: ptySize,
  }, {
    user,
    globalEnvs: deps.state.envVars,
    defaultWorkdir: deps.state.defaultWorkdir,
    selfUid: Deno.uid() ?? 0,
    path: processPath(),
  });
  const handle = ProcessHandle.start({
    ...plan,
    spec: { cmd: config.cmd, args: config.args, envs: config.envs, cwd: config.cwd },
    tag: req.tag,
    // Unset means enabled, for clients older than envd 0.3.0.
    stdin: req.stdin ?? true,
    pty: req.pty !== undefined,
    ptySize,
  });
  table.add(handle);
  killAtDeadline(handle, ctx);
  yield* follow(handle, ctx);
}

/**
 * Makes the call's deadline the process's lifetime, as envd's `exec.CommandContext` does: the
 * process is killed when the deadline passes, also after the client went away. While the call
 * is open, the kill follows the deadline's abort of `ctx.signal`, so the stream has ended with
 * `deadline_exceeded` (`follow.ts`) before the kill's `end` event exists; a timer of the
 * process's own, armed a moment after connect-es's, fired first now and then, and the stream
 * ended with that `end` instead. Once the call ends earlier (the client went away, the runtime
 * shuts down), a timer kills the process when the deadline passes.
 */
function killAtDeadline(handle: ProcessHandle, ctx: HandlerContext): void {
  if (ctx.timeoutMs() === undefined) return;
  const onAbort = () => {
    if (!handle.running) return;
    const reason: unknown = ctx.signal.reason;
    const left = ctx.timeoutMs() ?? 0;
    const deadline = reason instanceof ConnectError && reason.code === Code.DeadlineExceeded;
    if (deadline || left <= 0) handle.signal("SIGKILL");
    else handle.killAfter(left);
  };
  if (ctx.signal.aborted) onAbort();
  else ctx.signal.addEventListener("abort", onAbort, { once: true });
}
