/**
 * The one Pod model of the project: the controller builds and reads Pods, the local node runs
 * them and writes their status, both through this type and its parser. `spec` is the template's
 * {@linkcode PodSpec} and `status` the fields the programs read; everything else is kept
 * verbatim, so a Pod read here and written back loses nothing. Code that needs every `core/v1`
 * field typed (the local node reading probes, resources and volumes) views them through npm
 * `kubernetes-types` internally.
 *
 * @module
 */
import type { PodSpec } from "./template.ts";
import { fail, object, string } from "./_parse.ts";
import { conditionIsTrue, findCondition } from "./conditions.ts";
import { type ObjectMeta, parseObjectMeta } from "./meta.ts";

/**
 * One entry of a Pod's `status.conditions`.
 *
 * @example
 * ```ts
 * import type { PodCondition } from "@kruise-agents/shared/api";
 * const ready: PodCondition = {
 *   type: "Ready",
 *   status: "True",
 *   lastTransitionTime: "2026-01-01T00:00:00Z",
 * };
 * ```
 */
export interface PodCondition {
  /** e.g. `Ready`, `agents.kruise.io/Frozen`. */
  type: string;
  /** `True`, `False` or `Unknown`. */
  status: string;
  /** When `status` last changed. */
  lastTransitionTime?: string;
  /** Why, if the kubelet says. */
  reason?: string;
  /** Detail, if the kubelet says. */
  message?: string;
}

/**
 * The `core/v1` PodStatus fields this project reads; the rest is kept verbatim.
 *
 * @example
 * ```ts
 * import type { PodStatus } from "@kruise-agents/shared/api";
 * const status: PodStatus = {
 *   phase: "Running",
 *   podIP: "10.0.0.7",
 *   conditions: [{ type: "Ready", status: "True" }],
 * };
 * ```
 */
export interface PodStatus {
  /** `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`. */
  phase?: string;
  /** The pod's address. */
  podIP?: string;
  /** The node's address. */
  hostIP?: string;
  /** Conditions reported by the kubelet (or the local node). */
  conditions?: PodCondition[];
  /** Machine-readable reason of the phase. */
  reason?: string;
  /** Detail of the phase. */
  message?: string | undefined;
  /** Any other `core/v1` PodStatus field, verbatim. */
  [field: string]: unknown;
}

/**
 * A `core/v1` Pod.
 *
 * @example
 * ```ts
 * import type { Pod } from "@kruise-agents/shared/api";
 * const pod: Pod = {
 *   apiVersion: "v1",
 *   kind: "Pod",
 *   metadata: { namespace: "default", name: "web" },
 *   spec: { containers: [{ name: "main", image: "nginx" }] },
 * };
 * ```
 */
export interface Pod {
  /** Always `v1`. */
  apiVersion: "v1";
  /** Always `Pod`. */
  kind: "Pod";
  /** Object metadata. */
  metadata: ObjectMeta;
  /** Desired state (the template's {@linkcode PodSpec}: containers typed, the rest verbatim). */
  spec?: PodSpec;
  /** Observed state (written by the kubelet, or the local node). */
  status?: PodStatus;
  /** The seam's objects are open-ended. */
  [field: string]: unknown;
}

/**
 * Parses a Pod; throws `TypeError` naming the first field that does not match.
 *
 * @example
 * ```ts
 * import { parsePod } from "@kruise-agents/shared/api";
 * const pod = parsePod({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: {} });
 * ```
 */
export function parsePod(value: unknown): Pod {
  const o = object(value, "Pod");
  if (o.apiVersion !== "v1" || o.kind !== "Pod") fail("Pod.apiVersion/kind", "v1/Pod", o.kind);
  const pod: Pod = { ...o, apiVersion: "v1", kind: "Pod", metadata: parseObjectMeta(o.metadata) };
  if (o.spec !== undefined && o.spec !== null) {
    pod.spec = object(o.spec, "Pod.spec") as PodSpec;
  } else delete pod.spec;
  if (o.status === undefined || o.status === null) {
    delete pod.status;
    return pod;
  }
  const status = object(o.status, "Pod.status");
  for (const key of ["phase", "podIP", "reason", "message"]) {
    if (status[key] !== undefined && status[key] !== null) {
      string(status[key], `Pod.status.${key}`);
    }
  }
  if (status.conditions !== undefined && status.conditions !== null) {
    if (!Array.isArray(status.conditions)) {
      fail("Pod.status.conditions", "an array", status.conditions);
    }
    status.conditions.forEach((c, i) => {
      const r = object(c, `Pod.status.conditions[${i}]`);
      string(r.type, `Pod.status.conditions[${i}].type`);
      string(r.status, `Pod.status.conditions[${i}].status`);
    });
  }
  pod.status = status as PodStatus;
  return pod;
}

/**
 * The status (`True`/`False`/`Unknown`) of the pod condition `type`, if reported.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePod, podConditionStatus } from "@kruise-agents/shared/api";
 * const pod = parsePod({
 *   apiVersion: "v1", kind: "Pod", metadata: { name: "p" },
 *   status: { conditions: [{ type: "Ready", status: "False" }] },
 * });
 * assert.equal(podConditionStatus(pod, "Ready"), "False");
 * ```
 */
export function podConditionStatus(pod: Pod, type: string): string | undefined {
  return findCondition(pod.status?.conditions, type)?.status;
}

/**
 * Whether the pod reports `Ready=True`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPodReady, parsePod } from "@kruise-agents/shared/api";
 * const pod = parsePod({
 *   apiVersion: "v1", kind: "Pod", metadata: { name: "p" },
 *   status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
 * });
 * assert.ok(isPodReady(pod));
 * ```
 */
export function isPodReady(pod: Pod): boolean {
  return conditionIsTrue(pod.status?.conditions, "Ready");
}

/**
 * Whether the pod is being deleted (finalizers may keep it visible with a deletionTimestamp).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPodTerminating, parsePod } from "@kruise-agents/shared/api";
 * const pod = parsePod({
 *   apiVersion: "v1", kind: "Pod",
 *   metadata: { name: "p", deletionTimestamp: "2026-01-01T00:00:30Z" },
 * });
 * assert.ok(isPodTerminating(pod));
 * ```
 */
export function isPodTerminating(pod: Pod): boolean {
  return typeof pod.metadata.deletionTimestamp === "string" &&
    pod.metadata.deletionTimestamp !== "";
}
