/**
 * The runtime streams a command's output: 200 MB of stdout passes through while its memory
 * stays flat. Measured on the runtime process itself (peak RSS over the transfer).
 */
import assert from "node:assert/strict";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { Process } from "@kruise-agents/shared/envd";
import { startRuntime } from "../testing/harness.ts";
import { readRss, resetPeak } from "../testing/rss.ts";

const SIZE = 200 * 1024 * 1024;

Deno.test("200 MB of stdout streams through with flat runtime memory", async () => {
  await using rt = await startRuntime({ secure: false });
  const client = createClient(
    Process,
    createConnectTransport({ baseUrl: rt.envdUrl, useBinaryFormat: false }),
  );
  // Warm up the code paths first so that the peak measures the transfer, not start-up.
  for await (const _ of client.start({ process: { cmd: "/bin/true" }, stdin: false })) { /* */ }
  const before = await readRss(rt.pid);
  await resetPeak(rt.pid);
  let bytes = 0, exit: number | undefined;
  for await (
    const res of client.start({
      process: { cmd: "/bin/bash", args: ["-c", `head -c ${SIZE} /dev/urandom`] },
      stdin: false,
    })
  ) {
    const event = res.event?.event;
    if (event?.case === "data" && event.value.output.case === "stdout") {
      bytes += event.value.output.value.length;
    }
    if (event?.case === "end") exit = event.value.exitCode;
  }
  const after = await readRss(rt.pid);
  assert.equal(exit, 0);
  assert.equal(bytes, SIZE);
  const growth = after.peak - before.rss;
  console.log(`runtime RSS ${mb(before.rss)} MB before, peak ${mb(after.peak)} MB during 200 MB`);
  assert.ok(growth < 64 * 1024 * 1024, `peak grew by ${mb(growth)} MB while streaming 200 MB`);
});

function mb(n: number): string {
  return (n / 1048576).toFixed(1);
}
