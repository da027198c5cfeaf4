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
  // Holding the output would grow the peak by its whole size. Streaming leaves a fixed working
  // set of collectable garbage (about 60 MB on these machines, the same for 200 MB and 400 MB), so
  // the bound is half the output, and a second stream must not raise the peak further.
  const before = await readRss(rt.pid);
  await resetPeak(rt.pid);
  const peaks: number[] = [];
  for (let round = 0; round < 2; round++) {
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
    assert.equal(exit, 0);
    assert.equal(bytes, SIZE);
    peaks.push((await readRss(rt.pid)).peak);
  }
  const [first, second] = peaks as [number, number];
  console.log(
    `runtime RSS ${mb(before.rss)} MB before, peak ${mb(first)} MB after 200 MB, ${
      mb(second)
    } MB after 400 MB`,
  );
  assert.ok(first - before.rss < SIZE / 2, `peak grew by ${mb(first - before.rss)} MB for 200 MB`);
  // Retaining the output would add another 200 MB here.
  assert.ok(second - first < 48 * 1024 * 1024, "a second 200 MB grew the peak again");
});

function mb(n: number): string {
  return (n / 1048576).toFixed(1);
}
