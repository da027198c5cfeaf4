/**
 * `process.Process/SendInput` and `StreamInput`: stdin bytes or PTY keystrokes for a running
 * process, one message at a time or as a client stream that opens with a `start` event naming
 * the process.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import type {
  ProcessInput,
  SendInputRequest,
  StreamInputRequest,
} from "@kruise-agents/shared/envd";
import { findProcess } from "./find.ts";
import type { ProcessHandle } from "./process_handle.ts";
import type { ProcessTable } from "./process_table.ts";

/** Writes `input` to stdin or the PTY; false when it carries neither. */
async function writeInput(
  handle: ProcessHandle,
  input: ProcessInput | undefined,
): Promise<boolean> {
  const value = input?.input;
  if (value?.case === "stdin") await handle.writeStdin(value.value);
  else if (value?.case === "pty") await handle.writePty(value.value);
  else return false;
  return true;
}

/** Serves one SendInput; an empty input is `InvalidArgument`. */
export async function sendInput(req: SendInputRequest, table: ProcessTable): Promise<void> {
  const handle = findProcess(table, req.process);
  if (!await writeInput(handle, req.input)) {
    throw new ConnectError("input is required", Code.InvalidArgument);
  }
}

/** Serves one StreamInput; data before the `start` event is `FailedPrecondition`. */
export async function streamInput(
  requests: AsyncIterable<StreamInputRequest>,
  table: ProcessTable,
): Promise<void> {
  let handle: ProcessHandle | undefined;
  for await (const req of requests) {
    const event = req.event;
    if (event.case === "start") handle = findProcess(table, event.value.process);
    else if (event.case === "data") {
      if (!handle) {
        throw new ConnectError(
          "stream input must start with a start event",
          Code.FailedPrecondition,
        );
      }
      await writeInput(handle, event.value.input);
    }
  }
}
