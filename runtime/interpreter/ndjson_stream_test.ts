import assert from "node:assert/strict";
import { ndjsonStream } from "./ndjson_stream.ts";
import type { OutputMessage } from "./output.ts";

Deno.test("ndjsonStream() writes one JSON object per line and no blank line", async () => {
  const messages: OutputMessage[] = [
    { type: "stdout", text: "a\n\nb", timestamp: "t" },
    { type: "number_of_executions", execution_count: 1 },
    { type: "end_of_execution" },
  ];
  const text = await new Response(ndjsonStream(ReadableStream.from(messages))).text();
  assert.ok(text.endsWith("\n"));
  const lines = text.slice(0, -1).split("\n");
  assert.deepEqual(lines.map((line) => JSON.parse(line)), messages);
});

Deno.test("ndjsonStream() sends keepalive lines while the source is idle", async () => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  const source = new ReadableStream<OutputMessage>({
    async start(controller) {
      controller.enqueue({ type: "stdout", text: "x", timestamp: "t" });
      await released;
      controller.enqueue({ type: "end_of_execution" });
      controller.close();
    },
  });
  const reader = ndjsonStream(source, { keepaliveMs: 20 }).pipeThrough(new TextDecoderStream())
    .getReader();
  let seen = "";
  while (!seen.includes('"keepalive"')) {
    const { value, done } = await reader.read();
    assert.equal(done, false);
    seen += value;
  }
  release();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += value;
  }
  const types = seen.trim().split("\n").map((line) => JSON.parse(line).type);
  assert.equal(types[0], "stdout");
  assert.ok(types.includes("keepalive"));
  assert.equal(types.at(-1), "end_of_execution");
});

Deno.test("ndjsonStream() cancels the source when the body is cancelled", async () => {
  let cancelled: unknown = "not cancelled";
  const source = new ReadableStream<OutputMessage>({
    cancel(reason) {
      cancelled = reason;
    },
  });
  const body = ndjsonStream(source, { keepaliveMs: 10 });
  await body.cancel("client gone");
  assert.equal(cancelled, "client gone");
});
