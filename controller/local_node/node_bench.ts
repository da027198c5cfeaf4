/**
 * Benchmarks of the local node's containers, printed as figures, never asserted: for each example
 * template, how long a pod takes from its container's start to a runtime that answers (envd's
 * `/health` for `base`; a first `run_code` for `code-interpreter`), the idle memory of one sandbox
 * counted from its cgroup, and the cgroup freezer's pause and resume.
 *
 * Run: `deno task bench node` or `deno run --allow-all controller/local_node/node_bench.ts`.
 *
 * @module
 */
import { EmbeddedStore, PODS } from "@kruise-agents/shared/kube";
import {
  CREATED_BY_SANDBOX,
  generateTokenKey,
  LABEL_CREATED_BY,
  type Pod,
} from "@kruise-agents/shared/api";
import { ACCESS_TOKEN_ENV, INTERPRETER_PORT, sandboxUrl } from "@kruise-agents/shared/envd/http";
import { delay, poll } from "@kruise-agents/shared/std";
import type { SandboxRecord } from "./sandbox_record.ts";
import { healthy, testNode } from "./test_support.ts";
import { percentile, rowPrinter } from "@kruise-agents/shared/testing";

const TEMPLATES = {
  base: { image: "kruise-agents/sandbox-base:0.1.0", memory: "512Mi", interpreter: false },
  "code-interpreter": {
    image: "kruise-agents/sandbox-code-interpreter:0.1.0",
    memory: "1Gi",
    interpreter: true,
  },
} as const;

const row = rowPrinter(58);

function pod(name: string, template: keyof typeof TEMPLATES, token: string): Pod {
  const t = TEMPLATES[template];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "bench", labels: { [LABEL_CREATED_BY]: CREATED_BY_SANDBOX } },
    spec: {
      containers: [{
        name: "sandbox",
        image: t.image,
        env: [{ name: ACCESS_TOKEN_ENV, value: token }],
        resources: { limits: { memory: t.memory, cpu: "1" } },
      }],
    },
  };
}

async function record(dataDir: string, uid: string): Promise<SandboxRecord | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(`${dataDir}/pods/${uid}/sandbox.json`));
  } catch {
    return undefined;
  }
}

/** A first `run_code("1+1")` through the interpreter's `/execute`, retried until it answers. */
async function firstRunCode(ip: string, token: string): Promise<void> {
  await poll("a first run_code", async () => {
    try {
      const res = await fetch(`${sandboxUrl(ip, INTERPRETER_PORT)}/execute`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-access-token": token },
        body: JSON.stringify({ code: "1+1", language: "python" }),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      return res.ok && text.includes('"result"') ? true : undefined;
    } catch {
      return undefined;
    }
  }, { timeoutMs: 120_000, intervalMs: 20 });
}

async function measureTemplate(
  kube: EmbeddedStore,
  dataDir: string,
  node: Awaited<ReturnType<typeof testNode>>,
  template: keyof typeof TEMPLATES,
  runs: number,
): Promise<void> {
  const ready: number[] = [];
  const memory: number[] = [];
  const token = generateTokenKey();
  for (let i = 0; i < runs; i++) {
    const name = `${template}-${i}`;
    const created = await kube.create<Pod>(PODS, pod(name, template, token));
    const rec = await poll("the container", async () => {
      const r = await record(dataDir, created.metadata.uid!);
      return r?.container ? r : undefined;
    }, { timeoutMs: 120_000, intervalMs: 2 });
    // The container's start: when runc started it (the record's timings end there).
    const started = Date.parse(rec.container!.createdAt);
    const ip = rec.container!.ip;
    if (TEMPLATES[template].interpreter) await firstRunCode(ip, token);
    else await poll("envd /health", async () => await healthy(ip) || undefined, { intervalMs: 2 });
    ready.push(Date.now() - started);
    await delay(5000); // idle: the runtime's start-up work is over
    memory.push((await node.containers.memory(created.metadata.uid!)).usageBytes);
    if (i === 0) await measurePause(node, created.metadata.uid!);
    await kube.delete(PODS, "bench", name);
  }
  const what = TEMPLATES[template].interpreter ? "first run_code" : "envd answers";
  const target = TEMPLATES[template].interpreter ? "target <= 2500 ms" : "target <= 300 ms";
  row(`${template}: container start to ${what} p50`, `${percentile(ready, 50)} ms`, target);
  const memTarget = TEMPLATES[template].interpreter ? "target <= 250 MB" : "target <= 45 MB";
  row(
    `${template}: idle memory of one sandbox (cgroup) p50`,
    `${(percentile(memory, 50) / 1e6).toFixed(1)} MB`,
    memTarget,
  );
}

async function measurePause(node: Awaited<ReturnType<typeof testNode>>, id: string): Promise<void> {
  const pause: number[] = [], resume: number[] = [];
  for (let i = 0; i < 20; i++) {
    let t0 = performance.now();
    await node.containers.pause(id);
    pause.push(performance.now() - t0);
    t0 = performance.now();
    await node.containers.resume(id);
    resume.push(performance.now() - t0);
  }
  row(
    "cgroup freezer pause p50 (runc pause)",
    `${percentile(pause, 50).toFixed(1)} ms`,
    "target <= 50 ms",
  );
  row(
    "cgroup freezer resume p50 (runc resume)",
    `${percentile(resume, 50).toFixed(1)} ms`,
    "target <= 50 ms",
  );
}

if (import.meta.main) {
  const dataDir = await Deno.makeTempDir({ prefix: "ka-node-bench-" });
  await Deno.chmod(dataDir, 0o711);
  await using kube = await EmbeddedStore.open();
  const node = await testNode(kube, dataDir);
  try {
    console.log("local node benchmarks (machine: %d cores)", navigator.hardwareConcurrency);
    await measureTemplate(kube, dataDir, node, "base", 5);
    await measureTemplate(kube, dataDir, node, "code-interpreter", 3);
  } finally {
    await node.stop({ killSandboxes: true, teardown: true });
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}
