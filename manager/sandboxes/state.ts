/**
 * The E2B view of a Sandbox object's life: whether the API shows it at all, and as `running` or
 * `paused`. Derived from the object every time (never stored), as in the reference (§2.1
 * "Derived state"), so a manager restart or a second replica sees the same answer.
 *
 * @module
 */
import {
  ANNOTATION_CLAIM_TIMESTAMP,
  LABEL_SANDBOX_CLAIMED,
  LABEL_SANDBOX_ID,
  type Sandbox,
  SandboxConditionType,
} from "@kruise-agents/shared/api";

/** What the E2B API makes of a Sandbox object. */
export type E2bState = "running" | "paused" | "gone";

/** Whether the Ready condition is True, the phase Running and the address known. */
export function isReady(sandbox: Sandbox): boolean {
  return sandbox.status?.phase === "Running" && sandbox.status.sandboxIp !== undefined &&
    sandbox.status.sandboxIp !== "" &&
    (sandbox.status.conditions ?? []).some((c) =>
      c.type === SandboxConditionType.Ready && c.status === "True"
    );
}

/** Whether `sandbox` has been claimed by a create (label `sandbox-claimed=true` and an ID). */
export function isClaimed(sandbox: Sandbox): boolean {
  const labels = sandbox.metadata.labels ?? {};
  return labels[LABEL_SANDBOX_CLAIMED] === "true" && Boolean(labels[LABEL_SANDBOX_ID]);
}

/**
 * The E2B state of a claimed sandbox at time `now` (ms): `gone` once deletion started, the
 * shutdown time passed or the phase is terminal (the API answers 404 and the proxy 502);
 * `paused` while a pause is asked for or in effect (including the transitions, as E2B lists
 * pausing sandboxes as paused); else `running`.
 */
export function e2bState(sandbox: Sandbox, now: number): E2bState {
  if (!isClaimed(sandbox) || sandbox.metadata.deletionTimestamp) return "gone";
  const shutdown = sandbox.spec.shutdownTime;
  if (shutdown !== undefined && Date.parse(shutdown) <= now) return "gone";
  const phase = sandbox.status?.phase;
  if (phase === "Succeeded" || phase === "Failed" || phase === "Terminating") return "gone";
  if (sandbox.spec.paused || phase === "Paused" || phase === "Resuming") return "paused";
  return "running";
}

/** Whether the data plane may reach the sandbox: running, Ready and addressed. */
export function isServing(sandbox: Sandbox, now: number): boolean {
  return e2bState(sandbox, now) === "running" && isReady(sandbox);
}

/** The claim time (E2B `startedAt`) in ms, falling back to the creation time. */
export function startedAtMs(sandbox: Sandbox): number {
  const claimed = sandbox.metadata.annotations?.[ANNOTATION_CLAIM_TIMESTAMP];
  const t = Date.parse(claimed ?? sandbox.metadata.creationTimestamp ?? "");
  return Number.isNaN(t) ? 0 : t;
}
