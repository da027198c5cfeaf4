/**
 * How every RPC after Start names its process: a `ProcessSelector` (pid or tag), looked up in
 * the process table, with envd's `InvalidArgument` and `NotFound` answers.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import type { ProcessSelector } from "@kruise-agents/shared/envd";
import type { ProcessHandle } from "./process_handle.ts";
import type { ProcessTable, Selector } from "./process_table.ts";

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

/**
 * The process `selector` names; throws `NotFound` if there is none, or if `running` and it has
 * ended (Connect passes `running: false`, to replay an ended process's retained exit).
 */
export function findProcess(
  table: ProcessTable,
  selector: ProcessSelector | undefined,
  running = true,
): ProcessHandle {
  const s = selectorOf(selector);
  const handle = table.find(s);
  if (!handle || (running && !handle.running)) {
    throw new ConnectError(`${describe(s)} not found`, Code.NotFound);
  }
  return handle;
}
