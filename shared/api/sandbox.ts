/**
 * `Sandbox` (`agents.kruise.io/v1alpha1`, short name `sbx`): one sandbox, backed by one Pod of the
 * same name and namespace. Field names, phases, condition types and reasons are those of
 * OpenKruise Agents (reference §2.1), so objects written for it read the same here.
 *
 * @module
 */
import { array, boolean, integer, object, oneOf, optionals, string, stringMap } from "./_parse.ts";
import { type Condition, parseCondition } from "./meta.ts";
import { type CustomObject, parseCustomObject } from "./custom_object.ts";
import {
  type EmbeddedSandboxTemplate,
  parseEmbeddedSandboxTemplate,
  parsePauseStrategy,
  parseRuntimeConfig,
  type PauseStrategy,
  type RuntimeConfig,
} from "./template.ts";

/**
 * `kind` of a Sandbox.
 *
 * @example
 * ```ts
 * import { API_VERSION, parseSandbox, SANDBOX_KIND } from "@kruise-agents/shared/api";
 * const sandbox = parseSandbox({
 *   apiVersion: API_VERSION,
 *   kind: SANDBOX_KIND,
 *   metadata: { namespace: "default", name: "s" },
 *   spec: {},
 * });
 * ```
 */
export const SANDBOX_KIND = "Sandbox";

/**
 * Lifecycle phase of a Sandbox (`status.phase`).
 *
 * @example
 * ```ts
 * import type { SandboxPhase } from "@kruise-agents/shared/api";
 * function e2bState(phase: SandboxPhase | undefined): "running" | "paused" {
 *   return phase === "Paused" || phase === "Resuming" ? "paused" : "running";
 * }
 * ```
 */
export type SandboxPhase =
  | "Pending"
  | "Running"
  | "Paused"
  | "Resuming"
  | "Upgrading"
  | "Succeeded"
  | "Failed"
  | "Recycling"
  | "Terminating";

/**
 * Every {@linkcode SandboxPhase}, in lifecycle order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SANDBOX_PHASES } from "@kruise-agents/shared/api";
 * assert.equal(SANDBOX_PHASES[0], "Pending");
 * assert.ok(SANDBOX_PHASES.includes("Paused"));
 * ```
 */
export const SANDBOX_PHASES: readonly SandboxPhase[] = [
  "Pending",
  "Running",
  "Paused",
  "Resuming",
  "Upgrading",
  "Succeeded",
  "Failed",
  "Recycling",
  "Terminating",
];

/**
 * Condition types of a Sandbox, so no reconciler spells one as a literal.
 *
 * @example
 * ```ts
 * import { findCondition, type Sandbox, SandboxConditionType } from "@kruise-agents/shared/api";
 * function pauseCondition(sandbox: Sandbox) {
 *   return findCondition(sandbox.status?.conditions, SandboxConditionType.SandboxPaused);
 * }
 * ```
 */
export const SandboxConditionType = {
  Ready: "Ready",
  SandboxPaused: "SandboxPaused",
  SandboxResumed: "SandboxResumed",
  InplaceUpdate: "InplaceUpdate",
  Upgrading: "Upgrading",
  RuntimeInitialized: "RuntimeInitialized",
  Recycling: "Recycling",
} as const;
/** A Sandbox condition type. */
export type SandboxConditionType = typeof SandboxConditionType[keyof typeof SandboxConditionType];

/**
 * Condition reasons of a Sandbox (reference §2.1), all condition types together: several reasons
 * (`Pending`, `Succeeded`, `Failed`) are shared by more than one type.
 *
 * @example
 * ```ts
 * import { SandboxConditionReason, setCondition } from "@kruise-agents/shared/api";
 * const conditions = setCondition([], {
 *   type: "Ready",
 *   status: "True",
 *   reason: SandboxConditionReason.PodReady,
 * }, Date.now());
 * ```
 */
export const SandboxConditionReason = {
  // Ready
  PodReady: "PodReady",
  InplaceUpdating: "InplaceUpdating",
  Upgrading: "Upgrading",
  StartContainerFailed: "StartContainerFailed",
  PodCreateFailed: "PodCreateFailed",
  // InplaceUpdate, RuntimeInitialized, Upgrading
  Succeeded: "Succeeded",
  Failed: "Failed",
  Pending: "Pending",
  // Upgrading
  Resuming: "Resuming",
  ResumeSucceed: "ResumeSucceed",
  PreUpgrade: "PreUpgrade",
  PreUpgradeFailed: "PreUpgradeFailed",
  Checkpointing: "Checkpointing",
  CheckpointFailed: "CheckpointFailed",
  UpgradePod: "UpgradePod",
  UpgradePodFailed: "UpgradePodFailed",
  PostUpgrade: "PostUpgrade",
  PostUpgradeFailed: "PostUpgradeFailed",
  // SandboxPaused
  ImageChanged: "ImageChanged",
  CheckpointCreating: "CheckpointCreating",
  CheckpointSucceeded: "CheckpointSucceeded",
  SnapshotPauseSucceed: "SnapshotPauseSucceed",
  StopPauseSucceed: "StopPauseSucceed",
  /** This project's: paused with the Freeze strategy (the Pod kept, its processes frozen). */
  FreezePauseSucceed: "FreezePauseSucceed",
  /** This project's: the pause cannot happen (a strategy not implemented, a node that cannot freeze). */
  PauseUnsupported: "PauseUnsupported",
  // SandboxResumed
  CreatePod: "CreatePod",
  ResumePod: "ResumePod",
  // Recycling
  RecyclingStarted: "RecyclingStarted",
  RecyclingCompleted: "RecyclingCompleted",
  RecyclingSucceeded: "RecyclingSucceeded",
  RecyclingFailed: "RecyclingFailed",
  RecyclingTimeout: "RecyclingTimeout",
  RecyclingRejected: "RecyclingRejected",
} as const;
/** A Sandbox condition reason. */
export type SandboxConditionReason =
  typeof SandboxConditionReason[keyof typeof SandboxConditionReason];

/**
 * How pod-replacing upgrades are done; absent means upgrades are disabled.
 *
 * @example
 * ```ts
 * import type { SandboxSpec, UpgradePolicyType } from "@kruise-agents/shared/api";
 * const type: UpgradePolicyType = "Recreate";
 * const spec: SandboxSpec = { upgradePolicy: { type } };
 * ```
 */
export type UpgradePolicyType = "Recreate" | "CheckpointRestore";
/**
 * Every {@linkcode UpgradePolicyType}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UPGRADE_POLICY_TYPES } from "@kruise-agents/shared/api";
 * assert.deepEqual(UPGRADE_POLICY_TYPES, ["Recreate", "CheckpointRestore"]);
 * ```
 */
export const UPGRADE_POLICY_TYPES: readonly UpgradePolicyType[] = ["Recreate", "CheckpointRestore"];

/**
 * A hook run inside the sandbox (through the runtime) around an upgrade.
 *
 * @example
 * ```ts
 * import type { UpgradeHook } from "@kruise-agents/shared/api";
 * const flush: UpgradeHook = { exec: { command: ["sh", "-c", "sync"] }, timeoutSeconds: 30 };
 * ```
 */
export interface UpgradeHook {
  /** `core/v1` ExecAction: the command to run. */
  exec?: { command?: string[] };
  /** Hook deadline. @default {60} */
  timeoutSeconds?: number;
}

/**
 * `spec.lifecycle`: hooks around pod-replacing upgrades.
 *
 * @example
 * ```ts
 * import type { SandboxLifecycle } from "@kruise-agents/shared/api";
 * const lifecycle: SandboxLifecycle = {
 *   preUpgrade: { exec: { command: ["/bin/save-state"] } },
 *   postUpgrade: { exec: { command: ["/bin/restore-state"] }, timeoutSeconds: 120 },
 * };
 * ```
 */
export interface SandboxLifecycle {
  /** Runs before the Pod is replaced. */
  preUpgrade?: UpgradeHook;
  /** Runs after the new Pod is ready. */
  postUpgrade?: UpgradeHook;
}

/**
 * Desired state of a Sandbox.
 *
 * @example
 * ```ts
 * import type { SandboxSpec } from "@kruise-agents/shared/api";
 * const spec: SandboxSpec = {
 *   template: { spec: { containers: [{ name: "main", image: "python:3.12" }] } },
 *   runtimes: [{ name: "agent-runtime" }],
 *   shutdownTime: new Date(Date.now() + 300_000).toISOString(),
 * };
 * ```
 */
export interface SandboxSpec extends EmbeddedSandboxTemplate {
  /** Desired pause: the controller pauses (per `pauseStrategy`) or resumes to match. */
  paused?: boolean;
  /** How to pause. */
  pauseStrategy?: PauseStrategy;
  /** What a pause or checkpoint keeps: `ip`, `memory`, `filesystem`. */
  persistentContents?: string[];
  /** RFC 3339 time the controller deletes the Sandbox (E2B timeout); in the past: dead now. */
  shutdownTime?: string;
  /** RFC 3339 time the controller sets `paused` (E2B auto-pause). */
  pauseTime?: string;
  /** Runtimes injected into the Pod. */
  runtimes?: RuntimeConfig[];
  /** Upgrade hooks. */
  lifecycle?: SandboxLifecycle;
  /** Pod-replacing upgrade policy. */
  upgradePolicy?: { type?: UpgradePolicyType };
}

/**
 * Pod details mirrored into the Sandbox status, so readers need not fetch the Pod.
 *
 * @example
 * ```ts
 * import type { Sandbox, SandboxPodInfo } from "@kruise-agents/shared/api";
 * function podAddress(sandbox: Sandbox): string | undefined {
 *   const info: SandboxPodInfo | undefined = sandbox.status?.podInfo;
 *   return info?.podIP;
 * }
 * ```
 */
export interface SandboxPodInfo {
  /** Selected Pod annotations. */
  annotations?: Record<string, string>;
  /** Selected Pod labels. */
  labels?: Record<string, string>;
  /** Node the Pod runs on. */
  nodeName?: string;
  /** Pod IP. */
  podIP?: string;
  /** Pod UID: a recreated Pod (resume) has a new one. */
  podUID?: string;
}

/**
 * Observed state of a Sandbox; written only through the status subresource.
 *
 * @example
 * ```ts
 * import type { SandboxStatus } from "@kruise-agents/shared/api";
 * const status: SandboxStatus = {
 *   observedGeneration: 2,
 *   phase: "Running",
 *   sandboxIp: "10.0.0.7",
 *   conditions: [{
 *     type: "Ready", status: "True", reason: "PodReady", message: "",
 *     lastTransitionTime: "2026-01-01T00:00:00Z",
 *   }],
 * };
 * ```
 */
export interface SandboxStatus {
  /** The `metadata.generation` this status was computed from. */
  observedGeneration?: number;
  /** Lifecycle phase. */
  phase?: SandboxPhase;
  /** Human-readable detail of the phase. */
  message?: string;
  /** Conditions, keyed by type. */
  conditions?: Condition[];
  /** Details of the backing Pod. */
  podInfo?: SandboxPodInfo;
  /** Node the Pod runs on. */
  nodeName?: string;
  /** Address of the sandbox. */
  sandboxIp?: string;
  /** Hash of `spec.template` the Pod was created from. */
  updateRevision?: string;
  /** How many times the Sandbox was recycled into its pool. */
  recycledCount?: number;
}

/**
 * A Sandbox object.
 *
 * @example
 * ```ts
 * import type { Sandbox } from "@kruise-agents/shared/api";
 * const sandbox: Sandbox = {
 *   apiVersion: "agents.kruise.io/v1alpha1",
 *   kind: "Sandbox",
 *   metadata: { namespace: "default", name: "s" },
 *   spec: { template: { spec: { containers: [{ name: "main", image: "python:3.12" }] } } },
 * };
 * ```
 */
export type Sandbox = CustomObject<typeof SANDBOX_KIND, SandboxSpec, SandboxStatus>;

function parseUpgradeHook(value: unknown, path: string): UpgradeHook {
  const o = object(value, path);
  return optionals(o, path, {
    exec: (v, p) => optionals(object(v, p), p, { command: (c, q) => array(c, q, string) }),
    timeoutSeconds: integer,
  });
}

/**
 * Parses a Sandbox spec; throws `TypeError` naming the first bad field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSandboxSpec } from "@kruise-agents/shared/api";
 * assert.equal(parseSandboxSpec({ paused: true }).paused, true);
 * assert.throws(() => parseSandboxSpec({ paused: "yes" }), TypeError); // names spec.paused
 * ```
 */
export function parseSandboxSpec(value: unknown, path = "spec"): SandboxSpec {
  const o = object(value, path);
  return {
    ...optionals(o, path, {
      paused: boolean,
      pauseStrategy: parsePauseStrategy,
      persistentContents: (v, p) => array(v, p, string),
      shutdownTime: string,
      pauseTime: string,
      runtimes: (v, p) => array(v, p, parseRuntimeConfig),
      lifecycle: (v, p) =>
        optionals(object(v, p), p, { preUpgrade: parseUpgradeHook, postUpgrade: parseUpgradeHook }),
      upgradePolicy: (v, p) =>
        optionals(object(v, p), p, { type: (t, q) => oneOf(t, q, UPGRADE_POLICY_TYPES) }),
    }),
    ...parseEmbeddedSandboxTemplate(o, path),
  };
}

/**
 * Parses a Sandbox status; throws `TypeError` naming the first bad field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSandboxStatus } from "@kruise-agents/shared/api";
 * const status = parseSandboxStatus({ phase: "Running", sandboxIp: "10.0.0.7" });
 * assert.equal(status.phase, "Running");
 * assert.throws(() => parseSandboxStatus({ phase: "Sleeping" }), TypeError);
 * ```
 */
export function parseSandboxStatus(value: unknown, path = "status"): SandboxStatus {
  const o = object(value, path);
  return optionals(o, path, {
    observedGeneration: integer,
    phase: (v, p) => oneOf(v, p, SANDBOX_PHASES),
    message: string,
    conditions: (v, p) => array(v, p, parseCondition),
    podInfo: (v, p) =>
      optionals(object(v, p), p, {
        annotations: stringMap,
        labels: stringMap,
        nodeName: string,
        podIP: string,
        podUID: string,
      }),
    nodeName: string,
    sandboxIp: string,
    updateRevision: string,
    recycledCount: integer,
  });
}

/**
 * Parses a Sandbox as returned by the API server or written in a manifest; throws `TypeError`
 * naming the first field that does not match the model.
 *
 * @example
 * ```ts
 * import { parseSandbox } from "@kruise-agents/shared/api";
 * const sbx = parseSandbox({
 *   apiVersion: "agents.kruise.io/v1alpha1",
 *   kind: "Sandbox",
 *   metadata: { name: "demo" },
 *   spec: { template: { spec: { containers: [{ name: "main", image: "busybox" }] } } },
 * });
 * ```
 */
export function parseSandbox(value: unknown): Sandbox {
  return parseCustomObject(value, SANDBOX_KIND, {
    spec: parseSandboxSpec,
    status: parseSandboxStatus,
  });
}
