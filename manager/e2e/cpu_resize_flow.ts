/**
 * Issue 13's in-place CPU resize through the published JS SDK, on whichever node runs the
 * sandboxes: a create from a pool whose template has CPU and memory resources (QoS Burstable),
 * with `e2b.agents.kruise.io/cpu-limit` (built by shared/api's `createMetadata`), answers with a
 * sandbox whose cgroup has the new CFS quota, read from inside the sandbox; its first process
 * was not restarted (it is older than the create). Asking for what cannot be (a request above
 * the limit) is a 400 naming why, and leaves nothing claimed.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Sandbox } from "e2b";
import { createMetadata } from "@kruise-agents/shared/api";
import type { DevUnderTest } from "./dev_harness.ts";

/** The resources of the pool the flow creates from (its SandboxSet must have them). */
export const RESIZE_POOL_RESOURCES = {
  requests: { cpu: "100m", memory: "64Mi" },
  limits: { cpu: "500m", memory: "1Gi" },
};

/** The CFS quota the sandbox's own cgroup has, µs per 100 ms (-1: none), read inside it. */
async function quotaInside(sbx: Sandbox): Promise<number> {
  const out = await sbx.commands.run(
    "cat /sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us",
  );
  return Number(out.stdout.trim());
}

/** Seconds since the sandbox's PID 1 started, from its own /proc. */
async function pid1AgeSeconds(sbx: Sandbox): Promise<number> {
  const out = await sbx.commands.run(
    "echo $(cut -d' ' -f1 /proc/uptime) $(cut -d' ' -f22 /proc/1/stat) $(getconf CLK_TCK)",
  );
  const [uptime, start, hz] = out.stdout.trim().split(/\s+/).map(Number);
  return uptime! - start! / hz!;
}

/**
 * Runs the flow on `template` (a pool of at least 2 warm sandboxes with
 * {@linkcode RESIZE_POOL_RESOURCES}, so the resized one has run since before the flow); returns
 * the create's answer time, ms.
 */
export async function cpuResizeFlow(
  sdkOptions: DevUnderTest["sdkOptions"],
  template: string,
): Promise<number> {
  const plain = await Sandbox.create(template, sdkOptions);
  try {
    assert.equal(await quotaInside(plain), 50_000, "the pool's 500m limit");
  } finally {
    await plain.kill();
  }
  const started = performance.now();
  const sbx = await Sandbox.create(template, {
    ...sdkOptions,
    requestTimeoutMs: 120_000,
    metadata: createMetadata({ cpuLimit: "1500m" }),
  });
  const createMs = performance.now() - started;
  try {
    assert.equal(await quotaInside(sbx), 150_000, "the 1500m limit, applied in place");
    const age = await pid1AgeSeconds(sbx);
    assert.ok(age * 1000 > createMs, `PID 1 is ${age.toFixed(1)} s old: not restarted`);
  } finally {
    await sbx.kill();
  }
  await assert.rejects(
    Sandbox.create(template, { ...sdkOptions, metadata: createMetadata({ cpuRequest: "2" }) }),
    (error: unknown) => {
      assert.match(String(error), /400/);
      assert.match(String(error), /CPU request 2 would exceed the CPU limit 500m/);
      return true;
    },
  );
  const left = await Sandbox.list({ ...sdkOptions, query: { state: ["running", "paused"] } })
    .nextItems();
  assert.deepEqual(left.filter((s) => s.templateId === template), [], "nothing left claimed");
  return createMs;
}
