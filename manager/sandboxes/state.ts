/**
 * The E2B view of a Sandbox object's life: whether the API shows it at all, and as `running` or
 * `paused`; its E2B and template IDs; when it started and when it ends. Built on the shared derived state (`shared/api/sandbox_state.ts`), never stored, so a
 * manager restart or a second replica sees the same answer as the controller.
 *
 * @module
 */
import {
  ANNOTATION_CLAIM_TIMESTAMP,
  isClaimed,
  isPaused,
  isSandboxGone,
  isSandboxReady,
  LABEL_SANDBOX_ID,
  LABEL_SANDBOX_POOL,
  LABEL_SANDBOX_TEMPLATE,
  METADATA_CPU_LIMIT,
  METADATA_CPU_REQUEST,
  METADATA_IMAGE,
  type Sandbox,
  SandboxConditionReason,
  SandboxConditionType,
} from "@kruise-agents/shared/api";
import { FOREVER_SECONDS } from "./create_options.ts";

/** What the E2B API makes of a Sandbox object. */
export type E2bState = "running" | "paused" | "gone";

/**
 * The E2B state of a sandbox at time `now` (ms): `gone` unless claimed, and once it is gone for
 * its users (the API answers 404 and the proxy 502); `paused` while a pause is asked for or in
 * effect (E2B lists pausing sandboxes as paused); else `running`.
 */
export function e2bState(sandbox: Sandbox, now: number): E2bState {
  if (!isClaimed(sandbox) || isSandboxGone(sandbox, now)) return "gone";
  return isPaused(sandbox) ? "paused" : "running";
}

/** Whether the data plane may reach the sandbox: running, Ready and addressed. */
export function isServing(sandbox: Sandbox, now: number): boolean {
  return e2bState(sandbox, now) === "running" && isSandboxReady(sandbox);
}

/** The claim time (E2B `startedAt`) in ms, falling back to the creation time. */
export function startedAtMs(sandbox: Sandbox): number {
  const claimed = sandbox.metadata.annotations?.[ANNOTATION_CLAIM_TIMESTAMP];
  const t = Date.parse(claimed ?? sandbox.metadata.creationTimestamp ?? "");
  return Number.isNaN(t) ? 0 : t;
}

/** The template ID of a claimed Sandbox (template label, else pool label). */
export function templateIdOf(sandbox: Sandbox): string {
  const labels = sandbox.metadata.labels ?? {};
  return labels[LABEL_SANDBOX_TEMPLATE] ?? labels[LABEL_SANDBOX_POOL] ?? "";
}

/** The E2B ID of a claimed Sandbox. */
export function sandboxIdOf(sandbox: Sandbox): string {
  return sandbox.metadata.labels?.[LABEL_SANDBOX_ID] ?? "";
}

/**
 * `endAt` in ms: the pause time of a running auto-pause sandbox, else the stored shutdown
 * time. A running sandbox without one (created with
 * `never-timeout`) reports the reference's "forever", its start plus 100 years. A paused sandbox
 * without one (paused before pause set a retention) reports the moment it was paused (the
 * SandboxPaused condition's transition time) or, failing that, its start.
 */
export function endAtMs(sandbox: Sandbox): number {
  const pause = Date.parse(sandbox.spec.pauseTime ?? "");
  if (!Number.isNaN(pause) && !isPaused(sandbox)) return pause;
  const shutdown = Date.parse(sandbox.spec.shutdownTime ?? "");
  if (!Number.isNaN(shutdown)) return shutdown;
  if (!isPaused(sandbox)) return startedAtMs(sandbox) + FOREVER_SECONDS * 1000;
  const paused = (sandbox.status?.conditions ?? []).find((c) =>
    c.type === SandboxConditionType.SandboxPaused
  );
  const t = Date.parse(paused?.lastTransitionTime ?? "");
  return Number.isNaN(t) ? startedAtMs(sandbox) : t;
}

/**
 * Whether the controller reports the pause done, whatever the strategy (SandboxPaused True:
 * frozen under Freeze, the Pod gone under Stop). The phase alone does not say it: a Stop pause
 * is `Paused` from its start, while its Pod is still being deleted.
 */
export function pauseCompleted(sandbox: Sandbox): boolean {
  if ((sandbox.status?.observedGeneration ?? 0) < (sandbox.metadata.generation ?? 0)) return false;
  const condition = (sandbox.status?.conditions ?? []).find((c) =>
    c.type === SandboxConditionType.SandboxPaused
  );
  return sandbox.status?.phase === "Paused" && condition?.status === "True";
}

/**
 * Why the controller refuses to pause `sandbox` (its SandboxPaused condition False with reason
 * `PauseUnsupported`, for the spec it has seen), if it does.
 */
export function pauseRefusal(sandbox: Sandbox): string | undefined {
  if ((sandbox.status?.observedGeneration ?? 0) < (sandbox.metadata.generation ?? 0)) {
    return undefined;
  }
  const condition = (sandbox.status?.conditions ?? []).find((c) =>
    c.type === SandboxConditionType.SandboxPaused
  );
  if (
    condition?.status !== "False" || condition.reason !== SandboxConditionReason.PauseUnsupported
  ) {
    return undefined;
  }
  return condition.message || "the sandbox cannot be paused on its node";
}

/**
 * Where a claimed sandbox's in-place image upgrade (`e2b.agents.kruise.io/image`) or CPU resize
 * (`cpu-request`, `cpu-limit`) stands:
 * `settled` without one, or once the controller has seen the claim and its InplaceUpdate
 * condition (if an upgrade was needed at all) is True; `failed` with the node's reason when the
 * image cannot run; else `pending`.
 */
export function inplaceUpgrade(sandbox: Sandbox): "settled" | "pending" | { failed: string } {
  const a = sandbox.metadata.annotations ?? {};
  const asked = [METADATA_IMAGE, METADATA_CPU_REQUEST, METADATA_CPU_LIMIT].some((k) =>
    a[k] !== undefined
  );
  if (!asked) return "settled";
  if ((sandbox.status?.observedGeneration ?? 0) < (sandbox.metadata.generation ?? 0)) {
    return "pending";
  }
  const condition = (sandbox.status?.conditions ?? []).find((c) =>
    c.type === SandboxConditionType.InplaceUpdate
  );
  if (condition === undefined || condition.status === "True") return "settled";
  if (condition.reason === SandboxConditionReason.Failed) {
    return { failed: condition.message || "the node cannot run the image" };
  }
  return "pending";
}
