/**
 * The process model of `process.Process`, driven by a Connect client over a socket: a process
 * outlives the request that started it, its output reaches every subscriber, its exit is kept
 * for late subscribers, tags select it, and idle streams carry keepalives.
 */
import assert from "node:assert/strict";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { Process, type ProcessEvent } from "@kruise-agents/shared/envd";
import { createRuntime } from "../server.ts";

type Case = ProcessEvent["event"]["case"];

function summary(events: ProcessEvent[]): string[] {
  const decoder = new TextDecoder();
  return events.map((e) => {
    const ev = e.event;
    if (ev.case === "data" && ev.value.output.case === "stdout") {
      return `out:${decoder.decode(ev.value.output.value)}`;
    }
    if (ev.case === "end") return `end:${ev.value.exitCode}`;
    return String(ev.case as Case);
  });
}

async function collect(
  stream: AsyncIterable<{ event?: ProcessEvent | undefined }>,
): Promise<ProcessEvent[]> {
  const out: ProcessEvent[] = [];
  for await (const res of stream) if (res.event) out.push(res.event);
  return out;
}

Deno.test("process.Process keeps its process model across requests", async (t) => {
  await using rt = createRuntime();
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, rt.fetch);
  const client = createClient(
    Process,
    createConnectTransport({ baseUrl: `http://127.0.0.1:${server.addr.port}` }),
  );

  await t.step("a process outlives the request that started it", async () => {
    const abort = new AbortController();
    const stream = client.start(
      { process: { cmd: "/bin/bash", args: ["-c", "sleep 0.5; echo late"] }, stdin: false },
      { signal: abort.signal },
    )[Symbol.asyncIterator]();
    const first = await stream.next();
    const pid = first.value?.event?.event.value && "pid" in first.value.event.event.value
      ? first.value.event.event.value.pid
      : 0;
    assert.ok(pid > 0);
    abort.abort();
    await stream.return?.();
    const listed = await client.list({});
    assert.ok(listed.processes.some((p) => p.pid === pid), "still running after the disconnect");
    const rest = summary(
      await collect(client.connect({ process: { selector: { case: "pid", value: pid } } })),
    );
    assert.deepEqual(rest, ["start", "out:late\n", "end:0"]);
  });

  await t.step("output reaches every subscriber, and the exit is kept for late ones", async () => {
    const started = client.start({
      process: { cmd: "/bin/bash", args: ["-c", "sleep 0.4; echo shared"] },
      stdin: false,
      tag: "fanout",
    })[Symbol.asyncIterator]();
    const first = await started.next();
    assert.equal(first.value?.event?.event.case, "start");
    const byTag = client.connect({ process: { selector: { case: "tag", value: "fanout" } } });
    const [own, other] = await Promise.all([
      (async () => {
        const rest: ProcessEvent[] = [];
        for (let r = await started.next(); !r.done; r = await started.next()) {
          if (r.value.event) rest.push(r.value.event);
        }
        return summary(rest);
      })(),
      collect(byTag).then(summary),
    ]);
    assert.deepEqual(own, ["out:shared\n", "end:0"]);
    assert.deepEqual(other, ["start", "out:shared\n", "end:0"]);
    const late = summary(
      await collect(client.connect({ process: { selector: { case: "tag", value: "fanout" } } })),
    );
    assert.deepEqual(late, ["start", "end:0"]);
  });

  await t.step("an idle stream carries keepalives at the requested interval", async () => {
    const events = await collect(client.start(
      { process: { cmd: "/bin/bash", args: ["-c", "sleep 2.5"] }, stdin: false },
      { headers: { "keepalive-ping-interval": "1" } },
    ));
    const kinds = summary(events);
    assert.equal(kinds[0], "start");
    assert.equal(kinds.at(-1), "end:0");
    assert.ok(kinds.filter((k) => k === "keepalive").length >= 1, kinds.join(","));
  });
});
