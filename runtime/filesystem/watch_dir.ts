/**
 * `WatchDir`: a server stream of filesystem events. The watch is set up before the first message,
 * `{start: {}}`, so nothing that happens after the client sees `start` is missed; a keepalive
 * goes out after every quiet `Keepalive-Ping-Interval` seconds; the watch ends when the client
 * goes away, and ends with an error when the deadline passes or the runtime shuts down
 * (`stream_end.ts`).
 *
 * @module
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import type { WatchDirResponseSchema } from "@kruise-agents/shared/envd";
import { endOfStream } from "../stream_end.ts";
import { DirWatcher, type DirWatcherOptions } from "./watcher.ts";

/** envd's default keepalive when the client sends no `Keepalive-Ping-Interval`. */
const DEFAULT_KEEPALIVE_S = 90;

/** The keepalive interval a client asked for, in milliseconds. */
export function keepaliveMs(headers: Headers): number {
  const seconds = Number(headers.get("keepalive-ping-interval"));
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_KEEPALIVE_S) * 1000;
}

/** Streams the events of a watch on the absolute `dir` until `ctx.signal` aborts. */
export async function* watchDir(
  dir: string,
  options: DirWatcherOptions,
  ctx: HandlerContext,
): AsyncGenerator<MessageInitShape<typeof WatchDirResponseSchema>> {
  using watcher = await DirWatcher.open(dir, options);
  const reader = watcher.events.getReader();
  const interval = keepaliveMs(ctx.requestHeader);
  const aborted = new Promise<"aborted">((resolve) => {
    if (ctx.signal.aborted) resolve("aborted");
    ctx.signal.addEventListener("abort", () => resolve("aborted"), { once: true });
  });
  try {
    yield { event: { case: "start", value: {} } };
    let next = reader.read();
    while (true) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const quiet = new Promise<"keepalive">((resolve) => {
        timer = setTimeout(() => resolve("keepalive"), interval);
      });
      const result = await Promise.race([next, quiet, aborted]);
      clearTimeout(timer);
      if (result === "aborted") return endOfStream(ctx.signal);
      if (result === "keepalive") {
        yield { event: { case: "keepalive", value: {} } };
        continue;
      }
      if (result.done) return;
      yield { event: { case: "filesystem", value: result.value } };
      next = reader.read();
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
