/**
 * `process.Process`: Start, Connect, List, SendInput, StreamInput, SendSignal, CloseStdin and
 * Update, as envd serves them. Start and Connect stream `start`, then data, keepalives while
 * idle, then `end` (`follow.ts`); a client that goes away only unsubscribes, and the process runs
 * on until it ends or its `Connect-Timeout-Ms` deadline kills it. As in envd, the longer RPCs
 * have a file each (`start.ts`, `send_input.ts`); the one-liners stay here.
 *
 * @module
 */
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { Process, Signal } from "@kruise-agents/shared/envd";
import type { RuntimeDeps } from "../deps.ts";
import { findProcess } from "./find.ts";
import { follow } from "./follow.ts";
import type { ProcessTable } from "./process_table.ts";
import { sendInput, streamInput } from "./send_input.ts";
import { start } from "./start.ts";

/** Registers `process.Process` on `router`. */
export function processRoutes(router: ConnectRouter, deps: RuntimeDeps, table: ProcessTable): void {
  router.service(Process, {
    start(req, ctx) {
      return start(req, ctx, deps, table);
    },

    async *connect(req, ctx) {
      yield* follow(findProcess(table, req.process, false), ctx);
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
      await sendInput(req, table);
      return {};
    },

    async streamInput(requests) {
      await streamInput(requests, table);
      return {};
    },

    sendSignal(req) {
      const handle = findProcess(table, req.process);
      if (req.signal === Signal.SIGKILL) handle.signal("SIGKILL");
      else if (req.signal === Signal.SIGTERM) handle.signal("SIGTERM");
      else throw new ConnectError(`unsupported signal ${req.signal}`, Code.InvalidArgument);
      return {};
    },

    async closeStdin(req) {
      await findProcess(table, req.process).closeStdin();
      return {};
    },

    async update(req) {
      const handle = findProcess(table, req.process);
      const size = req.pty?.size;
      if (size) await handle.resize(size.cols, size.rows);
      return {};
    },
  });
}
