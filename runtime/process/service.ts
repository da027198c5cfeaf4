/**
 * `process.Process`: Start, Connect, List, SendInput, StreamInput, SendSignal, CloseStdin and
 * Update, as envd serves them. Start and Connect stream `start`, then data, keepalives while
 * idle, then `end`; a client that goes away only unsubscribes, and the process runs on until it
 * ends or its `Connect-Timeout-Ms` deadline kills it.
 *
 * @module
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import {
  Process,
  type ProcessEventSchema,
  type ProcessSelector,
  Signal,
} from "@kruise-agents/shared/envd";
import { rpcUser } from "../auth.ts";
import type { RuntimeDeps } from "../deps.ts";
import { planLaunch, processPath } from "./launch.ts";
import { type ProcessEventItem, ProcessHandle } from "./process_handle.ts";
import type { ProcessTable, Selector } from "./process_table.ts";

type EventInit = MessageInitShape<typeof ProcessEventSchema>;

/** envd's default keepalive when the client sends no `Keepalive-Ping-Interval`. */
const DEFAULT_KEEPALIVE_S = 90;

function selectorOf(selector: ProcessSelector | undefined): Selector {
  const s = selector?.selector;
  if (s?.case === "pid") return { pid: s.value };
  if (s?.case === "tag") return { tag: s.value };
  throw new ConnectError("process selector is required", Code.InvalidArgument);
}

function describe(selector: Selector): string {
  return "pid" in selector
    ? `process with pid ${selector.pid}`
    : `process with tag ${selector.tag}`;
}

function find(table: ProcessTable, selector: ProcessSelector | undefined, running = true) {
  const s = selectorOf(selector);
  const handle = table.find(s);
  if (!handle || (running && !handle.running)) {
    throw new ConnectError(`${describe(s)} not found`, Code.NotFound);
  }
  return handle;
}

function toEvent(item: ProcessEventItem): EventInit {
  if (item.kind === "end") {
    const { exitCode, exited, status, error } = item.exit;
    return { event: { case: "end", value: { exitCode, exited, status, error } } };
  }
  return { event: { case: "data", value: { output: { case: item.kind, value: item.data } } } };
}

function keepaliveMs(headers: Headers): number {
  const seconds = Number(headers.get("keepalive-ping-interval"));
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_KEEPALIVE_S) * 1000;
}

/**
 * Streams a process's events to one client: `start`, then events, with a keepalive after each
 * quiet interval. Returns when the process ends or the client goes away (then it unsubscribes).
 */
async function* follow(
  handle: ProcessHandle,
  ctx: HandlerContext,
): AsyncGenerator<{ event: EventInit }> {
  const reader = handle.events.subscribe().getReader();
  const interval = keepaliveMs(ctx.requestHeader);
  try {
    yield { event: { event: { case: "start", value: { pid: handle.pid } } } };
    let next = reader.read();
    while (true) {
      const result = await nextOrQuiet(next, interval, ctx.signal);
      if (result === "aborted") return;
      if (result === "keepalive") {
        yield { event: { event: { case: "keepalive", value: {} } } };
        continue;
      }
      if (result.done) return;
      yield { event: toEvent(result.value) };
      next = reader.read();
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/**
 * Waits for `next`, a quiet interval, or the client going away, whichever comes first. Each call
 * makes its own timer and abort listener and removes both: racing against one long-lived
 * "aborted" promise instead would keep every settled race, and so every output chunk, reachable
 * until the request ends (a leak of the whole output).
 */
function nextOrQuiet<T>(
  next: Promise<T>,
  ms: number,
  signal: AbortSignal,
): Promise<T | "keepalive" | "aborted"> {
  if (signal.aborted) return Promise.resolve("aborted");
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      done();
      resolve("aborted");
    };
    const timer = setTimeout(() => {
      done();
      resolve("keepalive");
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
    next.then((value) => {
      done();
      resolve(value);
    }, (error) => {
      done();
      reject(error);
    });
  });
}

/** Registers `process.Process` on `router`. */
export function processRoutes(router: ConnectRouter, deps: RuntimeDeps, table: ProcessTable): void {
  router.service(Process, {
    async *start(req, ctx) {
      const user = rpcUser(ctx.requestHeader, deps.state, deps.users);
      const config = req.process;
      if (!config) throw new ConnectError("process config is required", Code.InvalidArgument);
      const size = req.pty?.size;
      const plan = planLaunch({
        cmd: config.cmd,
        args: config.args,
        envs: config.envs,
        cwd: config.cwd,
        pty: req.pty ? { cols: size?.cols || 80, rows: size?.rows || 24 } : undefined,
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
      });
      table.add(handle);
      const timeout = ctx.timeoutMs();
      if (timeout !== undefined && timeout > 0) handle.killAfter(timeout);
      yield* follow(handle, ctx);
    },

    async *connect(req, ctx) {
      yield* follow(find(table, req.process, false), ctx);
    },

    list() {
      return {
        processes: table.running().map((h) => ({
          pid: h.pid,
          tag: h.tag,
          config: { cmd: h.spec.cmd, args: h.spec.args, envs: h.spec.envs, cwd: h.spec.cwd },
        })),
      };
    },

    async sendInput(req) {
      const handle = find(table, req.process);
      const input = req.input?.input;
      if (input?.case === "stdin") await handle.writeStdin(input.value);
      else if (input?.case === "pty") await handle.writePty(input.value);
      else throw new ConnectError("input is required", Code.InvalidArgument);
      return {};
    },

    async streamInput(requests) {
      let handle: ProcessHandle | undefined;
      for await (const req of requests) {
        const event = req.event;
        if (event.case === "start") handle = find(table, event.value.process);
        else if (event.case === "data") {
          if (!handle) {
            throw new ConnectError(
              "stream input must start with a start event",
              Code.FailedPrecondition,
            );
          }
          const input = event.value.input?.input;
          if (input?.case === "stdin") await handle.writeStdin(input.value);
          else if (input?.case === "pty") await handle.writePty(input.value);
        }
      }
      return {};
    },

    sendSignal(req) {
      const handle = find(table, req.process);
      if (req.signal === Signal.SIGKILL) handle.signal("SIGKILL");
      else if (req.signal === Signal.SIGTERM) handle.signal("SIGTERM");
      else throw new ConnectError(`unsupported signal ${req.signal}`, Code.InvalidArgument);
      return {};
    },

    async closeStdin(req) {
      await find(table, req.process).closeStdin();
      return {};
    },

    async update(req) {
      const handle = find(table, req.process);
      const size = req.pty?.size;
      if (size) await handle.resize(size.cols, size.rows);
      return {};
    },
  });
}
