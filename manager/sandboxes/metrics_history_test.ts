import assert from "node:assert/strict";
import {
  API_VERSION,
  LABEL_SANDBOX_CLAIMED,
  LABEL_SANDBOX_ID,
  parseSandbox,
  type Sandbox,
} from "@kruise-agents/shared/api";
import { ManualClock } from "@kruise-agents/shared/std";
import {
  type MetricSample,
  MetricsHistory,
  type MetricsHistoryOptions,
} from "./metrics_history.ts";

const START = Date.UTC(2030, 0, 1);

function running(id: string, extra: { paused?: boolean } = {}): Sandbox {
  return parseSandbox({
    apiVersion: API_VERSION,
    kind: "Sandbox",
    metadata: {
      name: `s-${id}`,
      namespace: "ns",
      labels: { [LABEL_SANDBOX_CLAIMED]: "true", [LABEL_SANDBOX_ID]: id },
    },
    spec: { shutdownTime: new Date(START + 86_400_000).toISOString(), paused: extra.paused },
    status: {
      phase: "Running",
      sandboxIp: "10.0.0.1",
      conditions: [{
        type: "Ready",
        status: "True",
        reason: "PodReady",
        message: "",
        lastTransitionTime: new Date(START).toISOString(),
      }],
    },
  });
}

/** A history over a manual clock whose runtime answers with its clock's time. */
function world(options: Partial<MetricsHistoryOptions> = {}) {
  const clock = new ManualClock(START);
  const sandboxes = new Map<string, Sandbox>();
  const calls: string[] = [];
  let failing = false;
  const history = new MetricsHistory({
    clock,
    lookup: (id) => sandboxes.get(id),
    sample: (sandbox) => {
      calls.push(sandbox.metadata.labels?.[LABEL_SANDBOX_ID] ?? "");
      if (failing) return Promise.reject(new Error("runtime down"));
      const ts = Math.floor(clock.now() / 1000);
      const sample: MetricSample = {
        timestamp: new Date(ts * 1000).toISOString(),
        timestampUnix: ts,
        cpuCount: 1,
        cpuUsedPct: 1,
        memUsed: 1,
        memTotal: 2,
        memCache: 0,
        diskUsed: 1,
        diskTotal: 2,
      };
      return Promise.resolve(sample);
    },
    ...options,
  });
  return {
    clock,
    sandboxes,
    calls,
    history,
    fail(value: boolean) {
      failing = value;
    },
    add(id: string, sandbox = running(id)) {
      sandboxes.set(id, sandbox);
      return sandbox;
    },
    /** Advances the clock and lets the sampling round it triggers finish. */
    async advance(ms: number) {
      clock.advance(ms);
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
  };
}

const seconds = (samples: MetricSample[]) => samples.map((s) => s.timestampUnix - START / 1000);

Deno.test("MetricsHistory samples on the first request and every interval while watched", async () => {
  const w = world();
  using history = w.history;
  const a = w.add("a");
  assert.deepEqual(seconds(await history.range(a, {})), [0]);
  // Within the interval, a second request does not sample again.
  await w.advance(1000);
  assert.deepEqual(seconds(await history.range(a, {})), [0]);
  // Each round is timed from the end of the one before.
  for (let i = 0; i < 4; i++) await w.advance(5000);
  assert.deepEqual(seconds(await history.range(a, {})), [0, 5, 11, 16, 21]);
  // A range selects inclusively, in Unix seconds.
  const t0 = START / 1000;
  assert.deepEqual(seconds(await history.range(a, { start: t0 + 5, end: t0 + 15 })), [5, 11]);
  assert.deepEqual(await history.range(a, { end: t0 - 1 }), []);
  assert.equal((await history.latest(a))?.timestampUnix, t0 + 21);
});

Deno.test("MetricsHistory stops watching sandboxes nobody asks about, and gone ones", async () => {
  const w = world({ watchMs: 20_000 });
  using history = w.history;
  const a = w.add("a"), b = w.add("b");
  await history.range(a, {});
  await history.range(b, {});
  assert.equal(history.size, 2);
  w.sandboxes.delete("b"); // killed
  await w.advance(5000);
  assert.equal(history.size, 1);
  for (let i = 0; i < 4; i++) await w.advance(5000);
  assert.equal(history.size, 0, "a is no longer watched after watchMs without a request");
  const calls = w.calls.length;
  await w.advance(60_000);
  assert.equal(w.calls.length, calls, "nothing is sampled once nobody watches");
  assert.equal(w.clock.pendingTimers, 0);
});

Deno.test("MetricsHistory bounds its memory", async () => {
  const w = world({ maxSamples: 3, maxSandboxes: 2 });
  using history = w.history;
  const a = w.add("a");
  await history.range(a, {});
  for (let i = 0; i < 5; i++) await w.advance(5000);
  assert.deepEqual(seconds(await history.range(a, {})), [15, 20, 25]);
  await w.advance(1000);
  await history.range(w.add("b"), {});
  await w.advance(1000);
  await history.range(w.add("c"), {}); // evicts a, the least recently asked
  assert.equal(history.size, 2);
  await w.advance(1000);
  assert.deepEqual(seconds(await history.range(a, {})), [28], "a starts over");
});

Deno.test("MetricsHistory keeps its history when a sample fails, and samples only serving sandboxes", async () => {
  const w = world();
  using history = w.history;
  const a = w.add("a");
  await history.range(a, {});
  w.fail(true);
  await w.advance(5000);
  assert.deepEqual(seconds(await history.range(a, {})), [0]);
  w.fail(false);
  const paused = w.add("a", running("a", { paused: true }));
  const calls = w.calls.length;
  await w.advance(5000);
  assert.deepEqual(seconds(await history.range(paused, {})), [0]);
  assert.equal(w.calls.length, calls, "a paused sandbox is not sampled");
});
