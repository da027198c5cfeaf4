/**
 * The API server's rules for `coordination.k8s.io/v1` Leases, for the embedded store, so that a
 * lease written in `deno task dev` is one a cluster accepts:
 *
 * - `acquireTime` and `renewTime` are `MicroTime`s: RFC 3339 with exactly six fractional digits.
 *   Anything else is refused as the API server's decoder refuses it (400 `BadRequest`); an offset
 *   other than `Z` is stored converted to UTC, as the server stores it.
 * - `leaseDurationSeconds` must be greater than 0 and `leaseTransitions` at least 0 (422
 *   `Invalid`); a member of the wrong JSON type is a 400, as a decoding failure is.
 * - A Lease without `spec` is stored with an empty one.
 *
 * @module
 */
import { badRequest, invalid } from "./_api_errors.ts";
import type { KubeObject, Resource } from "./client.ts";
import { isRecord } from "../std/json.ts";

const MICRO_TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{3})(\d{3})(Z|[+-]\d\d:\d\d)$/;

/** Whether `resource` is the Lease kind these rules apply to. */
export function isLease(resource: Resource): boolean {
  return resource.apiVersion === "coordination.k8s.io/v1" && resource.kind === "Lease";
}

function cannotDecode(detail: string): never {
  throw badRequest(`Lease in version "v1" cannot be handled as a Lease: ${detail}`);
}

/** A `MicroTime` in UTC (`Z`), keeping all six fractional digits. */
function utcMicroTime(value: unknown, field: string): string {
  const match = typeof value === "string" ? MICRO_TIME.exec(value) : null;
  if (match === null) {
    cannotDecode(
      `parsing time ${
        JSON.stringify(value)
      } of spec.${field} as "2006-01-02T15:04:05.000000Z07:00"`,
    );
  }
  const [, seconds, millis, micros, zone] = match;
  if (zone === "Z") return value as string;
  const utc = new Date(Date.parse(`${seconds}.${millis}${zone}`)).toISOString();
  return `${utc.slice(0, -1)}${micros}Z`;
}

function integerMember(spec: Record<string, unknown>, field: string): number | undefined {
  const value = spec[field];
  if (value === undefined || value === null) {
    delete spec[field];
    return undefined;
  }
  if (typeof value !== "number" || !Number.isInteger(value)) {
    cannotDecode(`spec.${field}: cannot unmarshal ${JSON.stringify(value)} into int32`);
  }
  return value;
}

/**
 * Checks `object` (a Lease about to be stored) and brings it to the stored form in place: 400
 * `BadRequest` for members that would not decode, 422 `Invalid` for values out of range.
 */
export function normalizeLease(resource: Resource, object: KubeObject): void {
  if (object.spec === undefined || object.spec === null) {
    object.spec = {};
    return;
  }
  if (!isRecord(object.spec)) cannotDecode("spec must be an object");
  const spec = object.spec;
  if (spec.holderIdentity === null) delete spec.holderIdentity;
  if (spec.holderIdentity !== undefined && typeof spec.holderIdentity !== "string") {
    cannotDecode("spec.holderIdentity must be a string");
  }
  for (const field of ["acquireTime", "renewTime"]) {
    if (spec[field] === undefined || spec[field] === null) delete spec[field];
    else spec[field] = utcMicroTime(spec[field], field);
  }
  const problems: string[] = [];
  const duration = integerMember(spec, "leaseDurationSeconds");
  if (duration !== undefined && duration <= 0) {
    problems.push(`spec.leaseDurationSeconds: Invalid value: ${duration}: must be greater than 0`);
  }
  const transitions = integerMember(spec, "leaseTransitions");
  if (transitions !== undefined && transitions < 0) {
    problems.push(
      `spec.leaseTransitions: Invalid value: ${transitions}: must be greater than or equal to 0`,
    );
  }
  if (problems.length > 0) throw invalid(resource, object.metadata.name ?? "", problems);
}
