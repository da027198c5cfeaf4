/**
 * Issue 13's Stop pause through the published JS SDK, on whichever node runs the sandboxes (the
 * local node of `deno task dev`, the real node of `real_node_test.ts`): `pause({keepMemory:
 * false})` (E2B's filesystem-only pause, body `{memory: false}`) deletes the pod; the sandbox is
 * listed as paused and its data plane answers 502; `Sandbox.connect` recreates the pod with the
 * same token and replays `/init` (the create's env vars come back); what lived only in memory or
 * in the pod's own root filesystem is gone, as E2B's cold boot drops it. A later plain `pause()`
 * is a Freeze again (the memory flag belongs to one pause), where the node can freeze.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Sandbox } from "e2b";
import type { DevUnderTest } from "./dev_harness.ts";

/** Figures of one run. */
export interface StopPauseFigures {
  /** The Stop pause's answer time, ms. */
  pauseMs: number;
  /** The resume's (`Sandbox.connect`) answer time, ms. */
  resumeMs: number;
}

/**
 * Runs the flow on a `template` sandbox; `freezes` says whether the node can freeze (then the
 * later plain pause must keep a background process); `podUid`, where given, reads the sandbox's
 * pod UID, which must change across the Stop. Returns the Stop pause and resume times.
 */
export async function stopPauseFlow(
  sdkOptions: DevUnderTest["sdkOptions"],
  template: string,
  freezes: boolean,
  podUid?: (sandboxId: string) => Promise<string | undefined>,
): Promise<StopPauseFigures> {
  const sbx = await Sandbox.create(template, {
    ...sdkOptions,
    envs: { STOP_FLOW: "kept by /init" },
    timeoutMs: 120_000,
  });
  try {
    const worker = await sbx.commands.run("sleep 600", { background: true });
    await sbx.files.write("/tmp/in-the-pod.txt", "dies with the pod");
    const host = sbx.getHost(49983);
    const uidBefore = await podUid?.(sbx.sandboxId);
    let started = performance.now();
    await sbx.pause({ keepMemory: false });
    const pauseMs = performance.now() - started;
    assert.equal((await sbx.getInfo()).state, "paused");
    const listed = await Sandbox.list({ ...sdkOptions, query: { state: ["paused"] } }).nextItems();
    assert.ok(listed.some((s) => s.sandboxId === sbx.sandboxId), "listed as paused");
    const down = await sbx.commands.run("true").then(() => undefined, (e: Error) => e);
    assert.ok(down, `a command reached the stopped sandbox (${host})`);

    started = performance.now();
    const back = await Sandbox.connect(sbx.sandboxId, { ...sdkOptions, timeoutMs: 120_000 });
    const resumeMs = performance.now() - started;
    assert.equal((await back.getInfo()).state, "running");
    if (podUid) {
      const uidAfter = await podUid(sbx.sandboxId);
      assert.ok(uidBefore && uidAfter && uidAfter !== uidBefore, `pod ${uidBefore} → ${uidAfter}`);
    }
    const env = await back.commands.run("echo $STOP_FLOW");
    assert.equal(env.stdout.trim(), "kept by /init", "the create's env vars, replayed by /init");
    const gone = await back.commands.run(
      `cat /proc/${worker.pid}/cmdline 2>/dev/null | tr '\\0' ' '; true`,
    );
    assert.notEqual(gone.stdout.trim(), "sleep 600", "the background process died with the pod");
    assert.equal(await back.files.exists("/tmp/in-the-pod.txt"), false, "a new root filesystem");

    if (freezes) {
      // The memory flag was that pause's: a plain pause freezes again.
      const kept = await back.commands.run("sleep 600", { background: true });
      await back.pause();
      const again = await Sandbox.connect(sbx.sandboxId, { ...sdkOptions, timeoutMs: 120_000 });
      const alive = await again.commands.run(`cat /proc/${kept.pid}/cmdline | tr '\\0' ' '`);
      assert.equal(alive.stdout.trim(), "sleep 600", "Freeze kept the process");
    }
    return { pauseMs, resumeMs };
  } finally {
    await sbx.kill();
  }
}
