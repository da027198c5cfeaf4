/**
 * Keys of this project's own (beyond the reference) on the Pods of sandboxes, read by the node
 * that runs them (the local node of single-machine mode, or the node agent on a cluster). The
 * reference pauses by deleting the Pod; these nodes instead freeze the sandbox's processes in
 * place, so memory, PIDs and open files survive and resume takes milliseconds.
 *
 * @module
 */
import { isRecord } from "../std/json.ts";

/**
 * Pod annotation set by the Sandbox controller while `spec.paused` is true: the node freezes
 * every process of the pod (the cgroup freezer), and thaws them when the annotation goes.
 *
 * @example
 * ```ts
 * import { ANNOTATION_POD_FREEZE, type Pod } from "@kruise-agents/shared/api";
 * function freezeRequested(pod: Pod): boolean {
 *   return pod.metadata.annotations?.[ANNOTATION_POD_FREEZE] !== undefined;
 * }
 * ```
 */
export const ANNOTATION_POD_FREEZE = "agents.kruise.io/freeze";

/**
 * Pod condition type the node reports: `True` once every process of the pod is frozen.
 *
 * @example
 * ```ts
 * import { CONDITION_POD_FROZEN, type Pod, podConditionStatus } from "@kruise-agents/shared/api";
 * function frozen(pod: Pod): boolean {
 *   return podConditionStatus(pod, CONDITION_POD_FROZEN) === "True";
 * }
 * ```
 */
export const CONDITION_POD_FROZEN = "agents.kruise.io/Frozen";

/**
 * Pod annotation with the sandbox's egress settings as JSON ({@linkcode PodEgress}), set when a
 * create asks for them (E2B's `allow_internet_access` and `network.denyOut`/`allowOut`); the
 * node turns it into firewall rules for the pod and changes them when it changes.
 *
 * @example
 * ```ts
 * import { ANNOTATION_POD_EGRESS, parsePodEgress, type Pod } from "@kruise-agents/shared/api";
 * function egressOf(pod: Pod) {
 *   const text = pod.metadata.annotations?.[ANNOTATION_POD_EGRESS];
 *   return text === undefined ? undefined : parsePodEgress(text);
 * }
 * ```
 */
export const ANNOTATION_POD_EGRESS = "agents.kruise.io/egress";

/**
 * Condition a node that enforces {@linkcode ANNOTATION_POD_EGRESS} reports on the Pod (and the
 * controller mirrors on the Sandbox): `True` with the annotation value it applied as the message
 * (`""` for none). A create that asked for egress rules answers only once they are in force; a
 * node that does not report the condition enforces nothing per pod (its cluster's
 * NetworkPolicies do), and nobody waits for it.
 *
 * @example
 * ```ts
 * import { CONDITION_EGRESS_APPLIED, type Pod, setCondition } from "@kruise-agents/shared/api";
 * function reportApplied(pod: Pod, applied: string): Pod["status"] {
 *   const conditions = setCondition(pod.status?.conditions, {
 *     type: CONDITION_EGRESS_APPLIED, status: "True", reason: "Applied", message: applied,
 *   }, Date.now());
 *   return { ...pod.status, conditions };
 * }
 * ```
 */
export const CONDITION_EGRESS_APPLIED = "agents.kruise.io/EgressApplied";

/**
 * A sandbox's egress settings, as E2B's create request states them.
 *
 * @example
 * ```ts
 * import { ANNOTATION_POD_EGRESS, type PodEgress } from "@kruise-agents/shared/api";
 * const egress: PodEgress = { allowInternetAccess: false, allowOut: ["10.0.0.0/8"] };
 * const annotations = { [ANNOTATION_POD_EGRESS]: JSON.stringify(egress) };
 * ```
 */
export interface PodEgress {
  /** `false` denies all egress not in `allowOut`. @default {true} */
  allowInternetAccess?: boolean;
  /** IPs or CIDRs the sandbox may reach even when `denyOut` covers them. */
  allowOut?: string[];
  /** IPs or CIDRs the sandbox may not reach. */
  denyOut?: string[];
}

function cidrList(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw new TypeError(`Cannot parse egress: "${field}" must be a list of strings`);
  }
  return value as string[];
}

/**
 * Parses the value of {@linkcode ANNOTATION_POD_EGRESS}; throws `TypeError` naming the bad field.
 *
 * @example
 * ```ts
 * import { parsePodEgress } from "@kruise-agents/shared/api";
 * parsePodEgress('{"allowInternetAccess":false,"allowOut":["10.0.0.1/32"]}');
 * ```
 */
export function parsePodEgress(text: string): PodEgress {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TypeError("Cannot parse egress: not JSON");
  }
  if (!isRecord(value)) throw new TypeError("Cannot parse egress: not a JSON object");
  const egress: PodEgress = {};
  if (value.allowInternetAccess !== undefined) {
    if (typeof value.allowInternetAccess !== "boolean") {
      throw new TypeError('Cannot parse egress: "allowInternetAccess" must be a boolean');
    }
    egress.allowInternetAccess = value.allowInternetAccess;
  }
  if (value.allowOut !== undefined) egress.allowOut = cidrList(value.allowOut, "allowOut");
  if (value.denyOut !== undefined) egress.denyOut = cidrList(value.denyOut, "denyOut");
  return egress;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/;

/**
 * Checks one `allowOut`/`denyOut` entry: an IPv4 address or CIDR, the forms the nodes' firewall
 * rules take. E2B's domain entries (filtered through a proxy by host name) are not supported.
 *
 * @throws {RangeError} naming the entry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkEgressEntry } from "@kruise-agents/shared/api";
 * checkEgressEntry("10.0.0.0/8");
 * assert.throws(() => checkEgressEntry("example.com"), RangeError);
 * ```
 */
export function checkEgressEntry(entry: string): void {
  const m = IPV4.exec(entry);
  const ok = m !== null && m.slice(1, 5).every((o) => Number(o) <= 255) &&
    (m[5] === undefined || Number(m[5]) <= 32);
  if (!ok) {
    throw new RangeError(
      `"${entry}" is not an IPv4 address or CIDR (domain rules are not supported)`,
    );
  }
}
