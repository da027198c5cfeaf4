/**
 * E2B's auto-pause lifecycle (`lifecycle: {onTimeout: "pause", autoResume}` in the SDKs, sent as
 * `autoPause`, `autoPauseMemory` and `autoResume: {enabled}`), kept on the Sandbox so that every
 * replica and the controller see the same thing:
 *
 * - the choice is the `e2b.agents.kruise.io/lifecycle` annotation, written with the claim;
 * - the timeout is `spec.pauseTime` (the controller sets `spec.paused` when it passes, as the
 *   reference's §3.5), and `spec.shutdownTime` is the pause time plus the paused retention, so an
 *   auto-paused sandbox is kept exactly as long as a paused one;
 * - every later deadline write (timeout, refreshes, connect, resume) moves both together.
 *
 * A sandbox without the annotation keeps E2B's default: killed at `spec.shutdownTime`.
 *
 * @module
 */
import { ANNOTATION_E2B_LIFECYCLE, type Sandbox } from "@kruise-agents/shared/api";

/** E2B's `SandboxDetail.lifecycle`, as `getInfo` reports it. */
export interface SandboxLifecycle {
  /** What the timeout does. */
  onTimeout: "kill" | "pause";
  /** Whether traffic to the paused sandbox resumes it. */
  autoResume: boolean;
}

/** The stored auto-pause choice: the lifecycle plus the timeout an auto-resume grants. */
export interface AutoPause {
  /** Whether traffic to the paused sandbox resumes it. */
  autoResume: boolean;
  /** The create's timeout, seconds: how long an auto-resume keeps the sandbox running. */
  timeoutSeconds: number;
  /**
   * `false` (`autoPauseMemory: false`): the pause at the timeout drops the memory, a Stop (the
   * controller reads it from the annotation). Absent: it keeps the memory.
   */
  keepMemory?: boolean;
}

/** E2B's default lifecycle: kill at the timeout, never resume by traffic. */
export const KILL_ON_TIMEOUT: SandboxLifecycle = { onTimeout: "kill", autoResume: false };

/** The annotation value that records `choice`. */
export function autoPauseAnnotation(choice: AutoPause): string {
  return JSON.stringify({ onTimeout: "pause", ...choice });
}

/** The auto-pause choice of `sandbox`; `undefined` for the default lifecycle (or a bad value). */
export function readAutoPause(sandbox: Sandbox): AutoPause | undefined {
  const raw = sandbox.metadata.annotations?.[ANNOTATION_E2B_LIFECYCLE];
  if (raw === undefined) return undefined;
  try {
    const value = JSON.parse(raw);
    if (value?.onTimeout !== "pause") return undefined;
    const seconds = Number(value.timeoutSeconds);
    return {
      autoResume: value.autoResume === true,
      timeoutSeconds: Number.isFinite(seconds) && seconds > 0 ? seconds : 300,
      ...(value.keepMemory === false ? { keepMemory: false } : {}),
    };
  } catch {
    return undefined;
  }
}

/** The lifecycle `getInfo` reports for `sandbox`. */
export function lifecycleOf(sandbox: Sandbox): SandboxLifecycle {
  const choice = readAutoPause(sandbox);
  return choice ? { onTimeout: "pause", autoResume: choice.autoResume } : KILL_ON_TIMEOUT;
}

/** `spec` deadline fields for a timeout ending at `endAt` (ms), as RFC 3339 strings. */
export interface Deadlines {
  /** When the sandbox is deleted. */
  shutdownTime: string;
  /** When it is paused (auto-pause only). */
  pauseTime?: string;
}

/**
 * The deadlines of a sandbox whose timeout ends at `endAt` (ms): the shutdown time alone, or for
 * an auto-pause sandbox the pause time and the shutdown `retentionSeconds` after it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(deadlinesAt(0, false, 60), { shutdownTime: "1970-01-01T00:00:00.000Z" });
 * assert.deepEqual(deadlinesAt(0, true, 60), {
 *   pauseTime: "1970-01-01T00:00:00.000Z",
 *   shutdownTime: "1970-01-01T00:01:00.000Z",
 * });
 * ```
 */
export function deadlinesAt(
  endAt: number,
  autoPause: boolean,
  retentionSeconds: number,
): Deadlines {
  if (!autoPause) return { shutdownTime: new Date(endAt).toISOString() };
  return {
    pauseTime: new Date(endAt).toISOString(),
    shutdownTime: new Date(endAt + retentionSeconds * 1000).toISOString(),
  };
}
