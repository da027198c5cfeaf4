/**
 * The create-time CPU keys of the reference (`e2b.agents.kruise.io/cpu-request` and
 * `cpu-limit`): positive CPU quantities that resize the claimed sandbox's main container in place.
 * The manager writes them into the claimed Sandbox's template (and keeps the keys as annotations,
 * which tell the controller that a create asked for a resize); the controller resizes the running
 * Pod through its `resize` subresource and the create answers once the node reports the new CPU
 * (`controller/sandbox/inplace_resize.ts`).
 *
 * What cannot be resized is refused with a 400 before anything is claimed, naming why:
 * - a request above the limit (either given, or the template's);
 * - a change of the Pod's QoS class: Kubernetes resizes in place only within a class, so a
 *   template without any CPU or memory resources (BestEffort) cannot gain some, and a Guaranteed
 *   one (requests equal to limits) must keep its CPU request equal to its limit.
 *
 * Memory is not resized (the reference rejects it too; shrinking memory in place is not safe).
 *
 * @module
 */
import {
  cpuMillis,
  METADATA_CPU_LIMIT,
  METADATA_CPU_REQUEST,
  parseQuantity,
  type Sandbox,
} from "@kruise-agents/shared/api";
import { ApiError } from "../errors.ts";

/** The CPU a create asks for. */
export interface CpuAsk {
  /** `cpu-request`, as given. */
  requests?: string;
  /** `cpu-limit`, as given. */
  limits?: string;
}

function bad(message: string): never {
  throw new ApiError(400, message);
}

/**
 * Checks one CPU key's value: a positive CPU quantity (`500m`, `1`, `1.5`).
 *
 * @throws {ApiError} 400 naming the key.
 */
export function parseCpuQuantity(key: string, value: string): string {
  const text = value.trim();
  let m: number;
  try {
    m = cpuMillis(text);
  } catch {
    return bad(
      `Metadata "${key}" must be a CPU quantity such as "500m" or "2": current value is "${value}"`,
    );
  }
  if (!(m > 0) || !Number.isFinite(m)) {
    bad(`Metadata "${key}" must be a positive CPU quantity: current value is "${value}"`);
  }
  return text;
}

/** The CPU keys among a create's annotations; `undefined` when it asks for none. */
export function cpuAskOf(annotations: Record<string, string | undefined>): CpuAsk | undefined {
  const requests = annotations[METADATA_CPU_REQUEST];
  const limits = annotations[METADATA_CPU_LIMIT];
  if (requests === undefined && limits === undefined) return undefined;
  return {
    ...(requests !== undefined ? { requests } : {}),
    ...(limits !== undefined ? { limits } : {}),
  };
}

type Resources = { requests?: Record<string, unknown>; limits?: Record<string, unknown> };

/** The Pod QoS class of one container's resources (Kubernetes' rules, for cpu and memory). */
export function qosClass(
  resources: Resources | undefined,
): "BestEffort" | "Burstable" | "Guaranteed" {
  const requests = resources?.requests ?? {}, limits = resources?.limits ?? {};
  const named = ["cpu", "memory"];
  if (named.every((r) => requests[r] === undefined && limits[r] === undefined)) return "BestEffort";
  const guaranteed = named.every((r) => {
    if (limits[r] === undefined) return false;
    return requests[r] === undefined || amount(r, requests[r]) === amount(r, limits[r]);
  });
  return guaranteed ? "Guaranteed" : "Burstable";
}

function amount(_resource: string, value: unknown): number {
  return parseQuantity(String(value));
}

/**
 * `spec` whose main container (the template's first) has the CPU `ask` sets, the rest of its
 * resources kept.
 *
 * @throws {ApiError} 400 when the template has no inline pod spec, a request would exceed the
 * limit, or the QoS class would change (see the module doc).
 */
export function withCpu(spec: Sandbox["spec"], ask: CpuAsk | undefined): Sandbox["spec"] {
  if (ask === undefined) return spec;
  const template = spec.template;
  const main = template?.spec.containers[0];
  if (template === undefined || main === undefined) {
    bad(
      `Cannot create sandbox: metadata "${METADATA_CPU_LIMIT}" and "${METADATA_CPU_REQUEST}" need a template with an inline pod spec`,
    );
  }
  const before = (main.resources ?? {}) as Resources;
  const after: Resources = structuredClone(before);
  if (ask.requests !== undefined) after.requests = { ...after.requests, cpu: ask.requests };
  if (ask.limits !== undefined) after.limits = { ...after.limits, cpu: ask.limits };
  const request = after.requests?.cpu, limit = after.limits?.cpu;
  if (
    request !== undefined && limit !== undefined &&
    cpuMillis(String(request)) > cpuMillis(String(limit))
  ) {
    bad(`Cannot create sandbox: the CPU request ${request} would exceed the CPU limit ${limit}`);
  }
  const from = qosClass(before), to = qosClass(after);
  if (from !== to) {
    bad(
      `Cannot create sandbox: the CPU asked would change the sandbox's QoS class from ${from} to ` +
        `${to}, and Kubernetes resizes a pod in place only within its class`,
    );
  }
  const containers = [{ ...main, resources: after }, ...template.spec.containers.slice(1)];
  return { ...spec, template: { ...template, spec: { ...template.spec, containers } } };
}
