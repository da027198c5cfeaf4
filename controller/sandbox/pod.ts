/**
 * The slice of `core/v1` Pod the Sandbox controller reads, with its parser (parse at the
 * boundary). Fields the controller does not read are kept verbatim in `spec` and `status`, so a
 * Pod read here and written back loses nothing.
 *
 * @module
 */
import { type ObjectMeta, parseObjectMeta } from "@kruise-agents/shared/api";

/** One entry of `status.conditions` of a Pod. */
export interface PodCondition {
  /** e.g. `Ready`, `agents.kruise.io/Frozen`. */
  type: string;
  /** `True`, `False` or `Unknown`. */
  status: string;
  /** Why, if the kubelet says. */
  reason?: string;
  /** Detail, if the kubelet says. */
  message?: string;
}

/** What the controller reads of `status`. */
export interface PodStatus {
  /** `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`. */
  phase?: string;
  /** The pod's address. */
  podIP?: string;
  /** Conditions reported by the kubelet (or the local node). */
  conditions?: PodCondition[];
  /** Anything else, verbatim. */
  [field: string]: unknown;
}

/** A Pod. */
export interface Pod {
  /** Always `v1`. */
  apiVersion: "v1";
  /** Always `Pod`. */
  kind: "Pod";
  /** Object metadata. */
  metadata: ObjectMeta;
  /** The pod spec, verbatim (`nodeName` is read). */
  spec: Record<string, unknown>;
  /** Observed state. */
  status?: PodStatus;
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`Cannot parse ${path}: expected an object, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

function optionalString(o: Record<string, unknown>, key: string, path: string): string | undefined {
  const value = o[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    throw new TypeError(
      `Cannot parse ${path}.${key}: expected a string, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Parses a Pod; throws `TypeError` naming the first field that does not match. */
export function parsePod(value: unknown): Pod {
  const o = record(value, "Pod");
  if (o.apiVersion !== "v1" || o.kind !== "Pod") {
    throw new TypeError(
      `Cannot parse Pod: apiVersion/kind are ${String(o.apiVersion)}/${String(o.kind)}`,
    );
  }
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: parseObjectMeta(o.metadata, "Pod.metadata"),
    spec: o.spec === undefined ? {} : { ...record(o.spec, "Pod.spec") },
  };
  if (o.status !== undefined && o.status !== null) {
    const s = record(o.status, "Pod.status");
    const status: PodStatus = { ...s };
    const phase = optionalString(s, "phase", "Pod.status");
    if (phase !== undefined) status.phase = phase;
    const podIP = optionalString(s, "podIP", "Pod.status");
    if (podIP !== undefined) status.podIP = podIP;
    if (s.conditions !== undefined && s.conditions !== null) {
      if (!Array.isArray(s.conditions)) {
        throw new TypeError("Cannot parse Pod.status.conditions: expected an array");
      }
      status.conditions = s.conditions.map((c, i) => {
        const path = `Pod.status.conditions[${i}]`;
        const r = record(c, path);
        const type = optionalString(r, "type", path);
        const st = optionalString(r, "status", path);
        if (type === undefined || st === undefined) {
          throw new TypeError(`Cannot parse ${path}: type and status are required`);
        }
        const out: PodCondition = { type, status: st };
        const reason = optionalString(r, "reason", path);
        if (reason !== undefined) out.reason = reason;
        const message = optionalString(r, "message", path);
        if (message !== undefined) out.message = message;
        return out;
      });
    }
    pod.status = status;
  }
  return pod;
}

/** The status (`True`/`False`/`Unknown`) of the pod condition `type`, if reported. */
export function podCondition(pod: Pod, type: string): string | undefined {
  return pod.status?.conditions?.find((c) => c.type === type)?.status;
}
