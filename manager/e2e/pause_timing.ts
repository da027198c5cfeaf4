/**
 * The Freeze (or Stop) pause and resume as an SDK user sees them, timed: `pause()` until it answers (the
 * sandbox is Paused) and `Sandbox.connect()` until it answers (Ready again, `/init` replayed), in
 * rounds on one sandbox. Shared by the real-node test and the benches of both nodes.
 *
 * @module
 */
import { Sandbox } from "e2b";
import { percentile } from "@kruise-agents/shared/testing";

/** The pause and resume latencies of `rounds` rounds, ms. */
export interface PauseTimings {
  /** Each `pause()`. */
  pauses: number[];
  /** Each `connect()` that resumed. */
  resumes: number[];
}

/**
 * Pauses and resumes `sandboxId` `rounds` times through the JS SDK; the sandbox ends running.
 * `keepMemory: false` times the Stop pause (the pod deleted, recreated at connect).
 */
export async function timePauseResume(
  sandbox: Sandbox,
  options: Parameters<typeof Sandbox.connect>[1],
  rounds: number,
  keepMemory = true,
): Promise<PauseTimings> {
  const pauses: number[] = [];
  const resumes: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let t = performance.now();
    await sandbox.pause(keepMemory ? {} : { keepMemory: false });
    pauses.push(performance.now() - t);
    t = performance.now();
    await Sandbox.connect(sandbox.sandboxId, options);
    resumes.push(performance.now() - t);
  }
  return { pauses, resumes };
}

/** `p50 / p99` of `samples`, ms, for a bench row. */
export function p50p99(samples: number[]): string {
  return `${percentile(samples, 50).toFixed(1)} / ${percentile(samples, 99).toFixed(1)} ms`;
}
