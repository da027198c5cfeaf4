import assert from "node:assert/strict";
import { InFlight } from "./in_flight.ts";

/** A server whose one response sends "first", then "last" once `end` aborts. */
function serveStream(inFlight: InFlight, end: AbortSignal) {
  const listener = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: listener.signal, onListen() {} },
    inFlight.wrap(() => {
      let sent = false;
      const body = new ReadableStream<string>({
        async pull(controller) {
          if (!sent) {
            sent = true;
            return controller.enqueue("first\n");
          }
          await new Promise((resolve) => end.addEventListener("abort", resolve, { once: true }));
          controller.enqueue("last\n");
          controller.close();
        },
      }, { highWaterMark: 0 }).pipeThrough(new TextEncoderStream());
      return new Response(body);
    }),
  );
  return { url: `http://127.0.0.1:${server.addr.port}/`, server, listener };
}

// Regression: closing the listener right after ending the streams cut them ("error reading a
// body from connection"); waiting for drained() first delivers their last chunk.
Deno.test("InFlight.drained() waits for a streaming response to be delivered", async () => {
  const inFlight = new InFlight();
  const end = new AbortController();
  const { url, server, listener } = serveStream(inFlight, end.signal);
  const res = await fetch(url);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  assert.equal((await reader.read()).value, "first\n");
  assert.equal(inFlight.size, 1);
  end.abort();
  assert.equal(await inFlight.drained(5000), true);
  listener.abort();
  let rest = "";
  for (let r = await reader.read(); !r.done; r = await reader.read()) rest += r.value;
  assert.equal(rest, "last\n");
  await server.finished;
  assert.equal(inFlight.size, 0);
});

Deno.test("InFlight.drained() gives up after its grace with false", async () => {
  const inFlight = new InFlight();
  const end = new AbortController();
  const { url, server, listener } = serveStream(inFlight, end.signal);
  const res = await fetch(url);
  const t0 = performance.now();
  assert.equal(await inFlight.drained(100), false);
  assert.ok(performance.now() - t0 < 2000);
  await res.body?.cancel();
  end.abort();
  listener.abort();
  await server.finished;
});

Deno.test("InFlight tells its activity listener of the first request and the last delivery", async () => {
  const events: string[] = [];
  const inFlight = new InFlight({
    busy: () => events.push("busy"),
    idle: () => events.push("idle"),
  });
  const end = new AbortController();
  const { url, server, listener } = serveStream(inFlight, end.signal);
  const first = await fetch(url);
  const second = await fetch(url);
  assert.deepEqual(events, ["busy", "busy"], "no idle while responses are in flight");
  end.abort();
  await first.text();
  await second.text();
  assert.equal(await inFlight.drained(5000), true);
  // Deno settles `completed` after the last byte went out; the listener hears it once.
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(events, ["busy", "busy", "idle"]);
  listener.abort();
  await server.finished;
});
