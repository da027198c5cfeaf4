/**
 * In-place CPU resize (the reference's `SandboxInPlaceResourceResize`): when a claimed Sandbox's
 * template asks other CPU requests or limits for its main container than its running Pod has (the
 * manager writes them at claim, from `e2b.agents.kruise.io/cpu-request` and `cpu-limit`), the Pod
 * is resized through its `resize` subresource, the way Kubernetes 1.33+ accepts resource changes:
 * no restart, the same UID, IP and processes. The node applies it (the kubelet through the CRI,
 * the local node with `runc update`) and reports the resources in force in the container's
 * status.
 *
 * Where it stands is read from the Sandbox (did a create ask for a resize: its CPU annotations)
 * and the Pod alone, level-triggered:
 * - `updating` until the container's status reports the asked-for CPU;
 * - `failed` when the kubelet says it cannot (condition `PodResizePending` reason `Infeasible`, or
 *   `PodResizeInProgress` reason `Error`), with its message;
 * - `succeeded` once it does.
 *
 * @module
 */
import {
  cpuMillis,
  METADATA_CPU_LIMIT,
  METADATA_CPU_REQUEST,
  type Pod,
  type Sandbox,
} from "@kruise-agents/shared/api";
import type { InplaceOutcome } from "./inplace_update.ts";

/** A container's CPU requests and limits, as quantities. */
export interface CpuAsk {
  /** `resources.requests.cpu`. */
  requests?: string | undefined;
  /** `resources.limits.cpu`. */
  limits?: string | undefined;
}

interface Resources {
  requests?: Record<string, unknown>;
  limits?: Record<string, unknown>;
}

function cpuOf(resources: Resources | undefined): CpuAsk {
  const out: CpuAsk = {};
  if (resources?.requests?.cpu !== undefined) out.requests = String(resources.requests.cpu);
  if (resources?.limits?.cpu !== undefined) out.limits = String(resources.limits.cpu);
  return out;
}

function millis(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    return cpuMillis(value);
  } catch {
    return Number.NaN;
  }
}

/** Whether two CPU asks are the same amounts (`1` and `1000m` are). */
export function sameCpu(a: CpuAsk, b: CpuAsk): boolean {
  return millis(a.requests) === millis(b.requests) && millis(a.limits) === millis(b.limits);
}

/** The main container's name and the CPU the Sandbox's template asks for it. */
function desired(sandbox: Sandbox): { name: string; cpu: CpuAsk } | undefined {
  const main = sandbox.spec.template?.spec.containers[0];
  if (!main?.name) return undefined;
  return { name: main.name, cpu: cpuOf(main.resources as Resources | undefined) };
}

/** Whether a create asked `sandbox` for a CPU resize. */
export function resizeAsked(sandbox: Sandbox): boolean {
  const a = sandbox.metadata.annotations ?? {};
  return a[METADATA_CPU_REQUEST] !== undefined || a[METADATA_CPU_LIMIT] !== undefined;
}

/**
 * The resize `pod` needs to match `sandbox`, if any: only for a Sandbox a create asked to
 * resize (a template change rolls out through the pool, not in place).
 */
export function cpuDrift(sandbox: Sandbox, pod: Pod): { name: string; cpu: CpuAsk } | undefined {
  if (!resizeAsked(sandbox)) return undefined;
  const want = desired(sandbox);
  if (want === undefined) return undefined;
  const have = pod.spec?.containers?.find((c) => c.name === want.name);
  if (have === undefined || sameCpu(cpuOf(have.resources as Resources | undefined), want.cpu)) {
    return undefined;
  }
  return want;
}

/**
 * The merge patch for the Pod's `resize` subresource: the whole container list (a merge patch
 * replaces lists) with the main container's CPU changed and its other resources kept.
 */
export function resizePatch(
  pod: Pod,
  drift: { name: string; cpu: CpuAsk },
): Record<string, unknown> {
  const containers = (pod.spec?.containers ?? []).map((c) => {
    if (c.name !== drift.name) return c;
    const resources = structuredClone((c.resources ?? {}) as Resources);
    for (const kind of ["requests", "limits"] as const) {
      const value = drift.cpu[kind];
      const map = { ...(resources[kind] ?? {}) };
      if (value === undefined) delete map.cpu;
      else map.cpu = value;
      if (Object.keys(map).length > 0) resources[kind] = map;
      else delete resources[kind];
    }
    return { ...c, resources };
  });
  return { spec: { containers } };
}

interface StatusCondition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/** Where the Sandbox's asked-for resize stands on `pod` (see the module doc). */
export function resizeOutcome(sandbox: Sandbox, pod: Pod): InplaceOutcome {
  if (!resizeAsked(sandbox)) return { state: "none" };
  const want = desired(sandbox);
  if (want === undefined) return { state: "none" };
  const conditions = (pod.status?.conditions ?? []) as StatusCondition[];
  const stuck = conditions.find((c) =>
    c.status === "True" &&
    ((c.type === "PodResizePending" && c.reason === "Infeasible") ||
      (c.type === "PodResizeInProgress" && c.reason === "Error"))
  );
  if (stuck !== undefined) {
    return { state: "failed", message: `${stuck.reason}: ${stuck.message ?? "cannot resize"}` };
  }
  const spec = pod.spec?.containers?.find((c) => c.name === want.name);
  if (spec === undefined || !sameCpu(cpuOf(spec.resources as Resources | undefined), want.cpu)) {
    return { state: "updating" };
  }
  const statuses = (pod.status?.containerStatuses ?? []) as {
    name?: string;
    resources?: Resources;
  }[];
  const status = statuses.find((s) => s?.name === want.name);
  if (status?.resources === undefined || !sameCpu(cpuOf(status.resources), want.cpu)) {
    return { state: "updating" };
  }
  return { state: "succeeded" };
}
