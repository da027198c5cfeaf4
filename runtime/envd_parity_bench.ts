/**
 * The runtime next to E2B's Go envd (issue 10), printed as figures (never asserted). The runtime
 * measured is what the sandbox images ship: `runtime/main.ts` bundled into one module by
 * `deno bundle` (as `hack/images/build.sh` does), run with `RUNTIME_PERMISSIONS` and the code cache
 * of a first start, as the images ship it. Everything
 * goes through the published JS SDK, as the Go figures were taken:
 *
 * - idle RSS two seconds after start, and after 150 MB of stdout and a 200 MB file up and down;
 * - `files.getInfo`, `files.list` of 1,000 entries and a small `files.write`, p50;
 * - `files.write` of 200 MB (octet-stream, the SDK's fast path).
 *
 * The Go envd column is the measurement on this machine kind; targets are within 1.2×
 * of each Go latency, at or above its throughput, idle RSS ≤ 40 MB and ≤ 64 MB after transfers.
 *
 * Run: `deno task bench envd_parity` or `deno run --allow-all runtime/envd_parity_bench.ts`.
 *
 * @module
 */
import { Sandbox } from "e2b";
import { percentile, rowPrinter } from "@kruise-agents/shared/testing";
import { startRuntime } from "./testing/harness.ts";
import { readRss } from "./testing/rss.ts";

const MB = 1024 * 1024;
const row = rowPrinter(52);

/** The Go envd figures on this machine kind. */
const GO = {
  idleMb: 17.5,
  afterMb: 24,
  getInfoMs: 1.28,
  listMs: 23.6,
  smallWriteMs: 0.96,
  writeMbs: 226,
};

async function p50Of(fn: () => Promise<unknown>, rounds: number): Promise<number> {
  for (let i = 0; i < 10; i++) await fn(); // warm the path first
  const out: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return percentile(out, 50);
}

/** Bundles `runtime/main.ts` the way the images do; returns the module's path. */
async function bundleRuntime(dir: string): Promise<string> {
  const out = `${dir}/agent-runtime.js`;
  const main = new URL("./main.ts", import.meta.url).pathname;
  const root = new URL("../", import.meta.url).pathname;
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--frozen", "--platform", "deno", "-o", out, main],
    cwd: root,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(`deno bundle failed: ${new TextDecoder().decode(stderr)}`);
  return out;
}

/** Latencies of the small file operations, through the SDK. */
async function fileLatencies(sbx: Sandbox): Promise<void> {
  await sbx.commands.run("mkdir -p /tmp/parity/list && cd /tmp/parity/list && touch f{1..1000}");
  const getInfo = await p50Of(() => sbx.files.getInfo("/tmp/parity/list/f1"), 300);
  row("files.getInfo p50", `${getInfo.toFixed(2)} ms`, target(GO.getInfoMs, "ms"));
  const list = await p50Of(() => sbx.files.list("/tmp/parity/list"), 50);
  row("files.list of 1,000 entries p50", `${list.toFixed(1)} ms`, target(GO.listMs, "ms"));
  const small = await p50Of(() => sbx.files.write("/tmp/parity/small.txt", "hello"), 300);
  row("small files.write p50", `${small.toFixed(2)} ms`, target(GO.smallWriteMs, "ms"));
}

function target(go: number, unit: "ms"): string {
  return `Go envd ${go} ${unit}; target <= ${(go * 1.2).toFixed(2)} ${unit}`;
}

/** 150 MB of stdout and a 200 MB file written and read back, through the SDK. */
async function transfers(sbx: Sandbox): Promise<void> {
  let stdout = 0;
  await sbx.commands.run("head -c 157286400 /dev/zero | tr '\\0' x", {
    onStdout: (data) => {
      stdout += data.length;
    },
    timeoutMs: 120_000,
  });
  if (stdout !== 150 * MB) throw new Error(`stdout: ${stdout} bytes, not 150 MB`);
  const bytes = new Uint8Array(200 * MB);
  for (let i = 0; i < bytes.length; i += 65536) {
    crypto.getRandomValues(bytes.subarray(i, i + 65536));
  }
  const t0 = performance.now();
  await sbx.files.write("/tmp/parity/big.bin", bytes.buffer, { useOctetStream: true });
  const seconds = (performance.now() - t0) / 1000;
  row(
    "files.write of 200 MB (octet-stream)",
    `${(200 / seconds).toFixed(0)} MB/s`,
    `Go envd ${GO.writeMbs} MB/s; target >= ${GO.writeMbs} MB/s`,
  );
  let read = 0;
  for await (const chunk of await sbx.files.read("/tmp/parity/big.bin", { format: "stream" })) {
    read += chunk.length;
  }
  if (read !== bytes.length) throw new Error(`read back ${read} bytes, not 200 MB`);
}

if (import.meta.main) {
  const dir = await Deno.makeTempDir({ prefix: "envd-parity-" });
  try {
    const main = await bundleRuntime(dir);
    // As the images ship it: with V8's code cache of the bundle, made by a first start
    // (hack/images/build.sh code_cache).
    const env = { DENO_DIR: `${dir}/deno-dir` };
    await (await startRuntime({ main, env }))[Symbol.asyncDispose]();
    await using rt = await startRuntime({ main, env });
    console.log("the runtime next to E2B's Go envd (the bundled runtime the images ship)");
    await new Promise((r) => setTimeout(r, 2000));
    const idle = (await readRss(rt.pid)).rss / MB;
    row("idle RSS", `${idle.toFixed(1)} MB`, `Go envd ${GO.idleMb} MB; target <= 40 MB`);
    const sbx = await Sandbox.create({ ...rt.sdkOptions });
    await fileLatencies(sbx);
    await transfers(sbx);
    await sbx.commands.run("rm -rf /tmp/parity");
    await new Promise((r) => setTimeout(r, 2000));
    const after = (await readRss(rt.pid)).rss / MB;
    row(
      "RSS after 150 MB of stdout, 200 MB file up and down",
      `${after.toFixed(1)} MB`,
      `Go envd ${GO.afterMb} MB; target <= 64 MB`,
    );
    await sbx.kill();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
