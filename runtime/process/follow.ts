/**
 * The event stream of one process to one client, as Start and Connect serve it: `start`, then
 * data, a keepalive after each quiet interval, then `end`. A client that goes away only
 * unsubscribes; the process runs on. A deadline or a shutdown ends the stream with its error
 * (`stream_end.ts`).
 *
 * @module
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import type { ProcessEventSchema } from "@kruise-agents/shared/envd";
import { endOfStream } from "../stream_end.ts";
import type { ProcessEventItem, ProcessHandle } from "./process_handle.ts";

/** A `process.ProcessEvent` as the handlers yield it. */
export type EventInit = MessageInitShape<typeof ProcessEventSchema>;

/** envd's default keepalive when the client sends no `Keepalive-Ping-Interval`. */
const DEFAULT_KEEPALIVE_S = 90;

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
 * quiet interval. Returns when the process ends or the client goes away (then it unsubscribes);
 * when the deadline passes or the runtime shuts down, throws that error ({@linkcode endOfStream}),
 * so that the stream ends with it instead of looking complete without an `end` event.
 */
export async function* follow(
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
      if (result === "aborted") return endOfStream(ctx.signal);
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
