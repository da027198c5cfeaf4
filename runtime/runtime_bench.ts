/**
 * Benchmarks of agent-runtime through the published JS SDK, printed as figures (never asserted):
 * `commands.run("true")` round trip next to a bare spawn of the same `bash -l -c true`, stdout
 * throughput of a command printing 200 MB, file write and read throughput of 200 MB, idle RSS.
 *
 * Run: `deno task bench` (all benchmarks) or
 * `deno run --allow-all runtime/runtime_bench.ts`.
 *
 * @module
 */
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { Sandbox } from "e2b";
import { Process } from "@kruise-agents/shared/envd";
import { startRuntime } from "./testing/harness.ts";
import { readRss } from "./testing/rss.ts";
import { planLaunch, processPath } from "./process/launch.ts";
import { UserDirectory } from "./users.ts";
import { percentile, rowPrinter } from "@kruise-agents/shared/testing";

const SIZE = 200 * 1024 * 1024;
const ROUNDS = 200;

/** Percentile of sorted `values`. */
const row = rowPrinter(48);

async function time(fn: () => Promise<unknown>, rounds: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** A stream of `size` pseudo-random bytes in 1 MiB chunks, never held whole. */
function randomStream(size: number): ReadableStream<Uint8Array> {
  const block = new Uint8Array(1 << 20);
  crypto.getRandomValues(block.subarray(0, 65536));
  for (let i = 65536; i < block.length; i += 65536) block.copyWithin(i, 0, 65536);
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) return controller.close();
      const n = Math.min(block.length, size - sent);
      controller.enqueue(block.slice(0, n));
      sent += n;
    },
  });
}

if (import.meta.main) {
  await using rt = await startRuntime();
  await new Promise((r) => setTimeout(r, 2000));
  const idle = await readRss(rt.pid);
  console.log("agent-runtime benchmarks (machine: %d cores)", navigator.hardwareConcurrency);
  row("idle RSS after start", `${(idle.rss / 1048576).toFixed(1)} MB`, "target <= 60 MB");

  const sbx = await Sandbox.create({ ...rt.sdkOptions });
  await time(() => sbx.commands.run("true"), 20);
  const sdk = await time(() => sbx.commands.run("true"), ROUNDS);
  // The bare spawn runs exactly what the runtime spawns (same user, wrappers, env and cwd), so
  // the difference is the runtime's own overhead: RPC, auth, process table, streaming.
  const users = new UserDirectory();
  const plan = planLaunch({ cmd: "/bin/bash", args: ["-l", "-c", "true"], envs: {} }, {
    user: users.byName("user") ?? users.byName("root")!,
    globalEnvs: { E2B_SANDBOX: "true" },
    selfUid: Deno.uid() ?? 0,
    path: processPath(),
  });
  const [program, ...args] = plan.argv;
  const bare = await time(
    () =>
      new Deno.Command(program!, {
        args,
        env: plan.env,
        clearEnv: true,
        cwd: plan.cwd,
        stdout: "null",
      })
        .output(),
    ROUNDS,
  );
  const p50 = percentile(sdk, 50), b50 = percentile(bare, 50);
  row('SDK commands.run("true") p50', `${p50.toFixed(2)} ms`);
  row('SDK commands.run("true") p99', `${percentile(sdk, 99).toFixed(2)} ms`);
  row("bare spawn of the same bash -l -c true p50", `${b50.toFixed(2)} ms`);
  row("bare spawn of the same bash -l -c true p99", `${percentile(bare, 99).toFixed(2)} ms`);
  row("overhead over bare spawn at p50", `${(p50 - b50).toFixed(2)} ms`, "target <= 3 ms");

  // Stdout throughput with the SDK's own transport (Connect, JSON codec), counting bytes.
  const client = createClient(
    Process,
    createConnectTransport({
      baseUrl: rt.envdUrl,
      useBinaryFormat: false,
      interceptors: [(next) => (req) => {
        req.header.set("x-access-token", rt.accessToken ?? "");
        return next(req);
      }],
    }),
  );
  let bytes = 0;
  let t0 = performance.now();
  for await (
    const res of client.start({
      process: { cmd: "/bin/bash", args: ["-c", `head -c ${SIZE} /dev/zero`] },
      stdin: false,
    })
  ) {
    const e = res.event?.event;
    if (e?.case === "data" && e.value.output.case === "stdout") {
      bytes += e.value.output.value.length;
    }
  }
  let seconds = (performance.now() - t0) / 1000;
  row(
    "stdout throughput, 200 MB (Connect JSON)",
    `${(bytes / 1048576 / seconds).toFixed(0)} MB/s`,
    "target >= 150 MB/s",
  );
  const peakStdout = (await readRss(rt.pid)).peak;

  // Files through the SDK. Deno's fetch client sends streamed request bodies slowly (about
  // 10 MB/s, measured against this server and against curl's 400+ MB/s chunked upload to it), so
  // the SDK's upload figure is taken with a byte array over octet-stream (a Blob body); the
  // streamed-body figure and a curl upload (a client with no such limit) are printed beside it.
  try {
    const bytes = new Uint8Array(SIZE);
    for (let i = 0; i < SIZE; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
    t0 = performance.now();
    await sbx.files.write("/tmp/bench.bin", bytes.buffer, { useOctetStream: true });
    seconds = (performance.now() - t0) / 1000;
    row(
      "file write 200 MB (SDK, octet-stream)",
      `${(SIZE / 1048576 / seconds).toFixed(0)} MB/s`,
      "target >= 300 MB/s",
    );
    await Deno.writeFile("/tmp/bench-upload.bin", bytes);
    const curl = await new Deno.Command("curl", {
      args: [
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{time_total}",
        "-H",
        "content-type: application/octet-stream",
        "-H",
        `x-access-token: ${rt.accessToken ?? ""}`,
        "--data-binary",
        "@/tmp/bench-upload.bin",
        `${rt.envdUrl}/files?path=/tmp/bench-curl.bin`,
      ],
    }).output();
    const curlSeconds = Number(new TextDecoder().decode(curl.stdout));
    row(
      "file write 200 MB (curl, octet-stream)",
      `${(SIZE / 1048576 / curlSeconds).toFixed(0)} MB/s`,
      "target >= 300 MB/s",
    );
    await Deno.remove("/tmp/bench-upload.bin");
    t0 = performance.now();
    const stream = await sbx.files.read("/tmp/bench.bin", { format: "stream" });
    let read = 0;
    for await (const chunk of stream) read += chunk.length;
    seconds = (performance.now() - t0) / 1000;
    row(
      "file read 200 MB (SDK, stream)",
      `${(read / 1048576 / seconds).toFixed(0)} MB/s`,
      "target >= 300 MB/s",
    );
    t0 = performance.now();
    await sbx.files.write("/tmp/bench.bin", randomStream(64 * 1024 * 1024));
    seconds = (performance.now() - t0) / 1000;
    row(
      "file write 64 MB (SDK, streamed body)",
      `${(64 / seconds).toFixed(0)} MB/s`,
      "Deno fetch client limit",
    );
    await sbx.files.remove("/tmp/bench.bin");
    await sbx.files.remove("/tmp/bench-curl.bin");
  } catch (error) {
    row("file write/read 200 MB", "failed", String(error).slice(0, 80));
  }
  const after = await readRss(rt.pid);
  row("peak RSS over the run", `${(Math.max(after.peak, peakStdout) / 1048576).toFixed(1)} MB`);
  await sbx.kill();
}
