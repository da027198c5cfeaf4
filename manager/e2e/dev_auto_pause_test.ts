/**
 * E2B's auto-pause lifecycle (issue 13) through the published JS SDK against `deno task dev`:
 * `lifecycle: {onTimeout: "pause"}` pauses the sandbox at its timeout instead of killing it (the
 * controller acts on `spec.pauseTime`, the node freezes the container), a background process
 * keeps its PID across the pause, `Sandbox.connect` resumes it, and with `autoResume` a command
 * sent to the paused sandbox resumes it by itself. And the Stop pause (`stop_pause_flow.ts`):
 * `pause({keepMemory: false})` deletes the pod, and connect recreates it.
 */
import assert from "node:assert/strict";
import { Sandbox } from "e2b";
import { type DevUnderTest, eventually, poolManifest, startDevWithPools } from "./dev_harness.ts";
import { stopPauseFlow } from "./stop_pause_flow.ts";

type Options = DevUnderTest["sdkOptions"];

/** Waits until the API reports `sbx` paused (its timeout passed and the controller paused it). */
async function pausedByTimeout(sbx: Sandbox): Promise<void> {
  assert.ok(
    await eventually(async () => (await sbx.getInfo()).state === "paused", 30_000),
    "the sandbox was not paused at its timeout",
  );
}

async function pauseAtTimeoutThenConnect(sdkOptions: Options): Promise<void> {
  const sbx = await Sandbox.create("base", {
    ...sdkOptions,
    timeoutMs: 3_000,
    lifecycle: { onTimeout: "pause" },
  });
  try {
    const info = await sbx.getInfo();
    assert.deepEqual(info.lifecycle, { onTimeout: "pause", autoResume: false });
    const worker = await sbx.commands.run("sleep 600", { background: true });
    await sbx.files.write("/home/user/kept.txt", "before the pause");
    await pausedByTimeout(sbx);
    // Paused, not killed: still listed, as paused.
    const listed = await Sandbox.list({ ...sdkOptions, query: { state: ["paused"] } }).nextItems();
    assert.deepEqual(listed.map((s) => s.sandboxId), [sbx.sandboxId]);

    const resumed = await Sandbox.connect(sbx.sandboxId, { ...sdkOptions, timeoutMs: 60_000 });
    assert.equal((await resumed.getInfo()).state, "running");
    const alive = await resumed.commands.run(`cat /proc/${worker.pid}/cmdline | tr '\\0' ' '`);
    assert.equal(alive.stdout.trim(), "sleep 600", "the background process kept its PID");
    assert.equal(await resumed.files.read("/home/user/kept.txt"), "before the pause");
    // The connect's timeout is the new pause time.
    const end = (await resumed.getInfo()).endAt.getTime();
    assert.ok(end > Date.now() + 50_000 && end <= Date.now() + 61_000, new Date(end).toString());
  } finally {
    await sbx.kill();
  }
}

async function autoResumeByTraffic(sdkOptions: Options): Promise<void> {
  const sbx = await Sandbox.create("base", {
    ...sdkOptions,
    timeoutMs: 3_000,
    lifecycle: { onTimeout: "pause", autoResume: true },
  });
  try {
    assert.deepEqual((await sbx.getInfo()).lifecycle, { onTimeout: "pause", autoResume: true });
    await sbx.commands.run("echo 7 > /tmp/seven");
    await pausedByTimeout(sbx);
    // No connect: the command itself, sent to the paused sandbox, resumes it.
    const back = await sbx.commands.run("cat /tmp/seven");
    assert.equal(back.stdout.trim(), "7");
  } finally {
    await sbx.kill();
  }
}

Deno.test("auto-pause through the JS SDK: pause at the timeout, connect resumes, autoResume by traffic; the Stop pause", async (t) => {
  await using dev = await startDevWithPools([poolManifest("base", 2)]);
  await t.step("onTimeout pause, then connect", () => pauseAtTimeoutThenConnect(dev.sdkOptions));
  await t.step("autoResume by a command", () => autoResumeByTraffic(dev.sdkOptions));
  await t.step("pause({keepMemory: false}): Stop, the pod recreated at connect", async () => {
    await stopPauseFlow(dev.sdkOptions, "base", true);
  });
});
