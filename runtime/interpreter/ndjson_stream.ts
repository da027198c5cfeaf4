/**
 * Turns the stream of `/execute` lines into the NDJSON response body, adding a `keepalive` line
 * whenever nothing was written for a while. The keepalive is what makes a vanished client visible
 * on an otherwise idle connection (the write fails and the body is cancelled), which is how a
 * long-running cell gets interrupted after the SDK gave up.
 *
 * @module
 */
import type { OutputMessage } from "./output.ts";

/** Options of {@linkcode ndjsonStream}. */
export interface NdjsonStreamOptions {
  /**
   * Milliseconds without a line after which a `{"type":"keepalive"}` line is written.
   * @default {5000}
   */
  keepaliveMs?: number | undefined;
}

/**
 * Encodes each message as one JSON line (`\n`-terminated, never blank). Cancelling the result
 * cancels `source`, which is how the client going away reaches the execution.
 *
 * @example
 * ```ts
 * import { ndjsonStream } from "./ndjson_stream.ts";
 * const body = ndjsonStream(ReadableStream.from([{ type: "end_of_execution" as const }]));
 * await new Response(body).text(); // '{"type":"end_of_execution"}\n'
 * ```
 */
export function ndjsonStream(
  source: ReadableStream<OutputMessage>,
  options: NdjsonStreamOptions = {},
): ReadableStream<Uint8Array> {
  const keepaliveMs = options.keepaliveMs ?? 5000;
  const encoder = new TextEncoder();
  const keepalive = encoder.encode('{"type":"keepalive"}\n');
  const reader = source.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let done = false;
  let output: ReadableStreamDefaultController<Uint8Array>;
  const arm = () => {
    clearTimeout(timer);
    if (done) return;
    timer = setTimeout(() => {
      if (done) return;
      try {
        output.enqueue(keepalive);
      } catch {
        return; // already closed or cancelled
      }
      arm();
    }, keepaliveMs);
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      output = controller;
      arm();
    },
    async pull(controller) {
      // Kernel output cannot be held back, so waiting here for the consumer is all the
      // backpressure there is; the source queues the rest.
      const next = await reader.read();
      if (next.done) {
        done = true;
        clearTimeout(timer);
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(`${JSON.stringify(next.value)}\n`));
      arm();
    },
    async cancel(reason) {
      done = true;
      clearTimeout(timer);
      await reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
