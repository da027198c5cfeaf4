/**
 * `Idempotency-Key` on create (E2B's `POST /v2/sandboxes` header; the Python SDK's
 * `idempotency_key`): a retry with the same key, from the same team, gets the sandbox the first
 * attempt created (201 with the same body), not a second sandbox.
 *
 * The key is remembered on the Sandbox itself, written in the same update that claims it: the
 * annotation `e2b.agents.kruise.io/idempotency` holds the team, the key and a digest of the
 * request, and the label `e2b.agents.kruise.io/idempotency-key` a digest of team and key that the
 * informer indexes. So any replica finds it (after a manager restart too), and it goes when the
 * sandbox goes: a retry after the sandbox was killed or timed out creates a new one.
 *
 * A key reused with a different request is refused with 422, as the IETF draft on the header
 * advises (E2B's generated client lists 422 for this route), rather than answering with a sandbox
 * that is not what the request describes.
 *
 * Limit: two attempts with one key that reach two replicas at the same instant can both claim
 * (nothing in Kubernetes makes a label unique); attempts on one replica are serialised. Retries
 * follow a failure or a timeout, so they are not simultaneous in practice.
 *
 * @module
 */
import type { Sandbox } from "@kruise-agents/shared/api";
import { ANNOTATION_IDEMPOTENCY } from "@kruise-agents/shared/api";
import { canonicalJson, isRecord } from "@kruise-agents/shared/std";
import { ApiError } from "../errors.ts";
import { toHex } from "./ids.ts";
import type { CreateRequest } from "./claim.ts";
import { startedAtMs } from "./state.ts";

/** The request header. */
export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
/** Longest key accepted (the Python SDK's bound). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** Printable ASCII without spaces: a superset of what the SDKs send (`[a-z0-9-]`). */
const KEY = /^[\x21-\x7e]+$/;

/** What is remembered on the Sandbox. */
export interface IdempotencyRecord {
  /** The team the key belongs to. */
  team: string;
  /** The key, verbatim. */
  key: string;
  /** Digest of the create request ({@linkcode requestDigest}). */
  request: string;
}

/** What a claim writes for a keyed create. */
export interface IdempotencyClaim {
  /** Value of the `e2b.agents.kruise.io/idempotency-key` label. */
  label: string;
  /** The record, for the `e2b.agents.kruise.io/idempotency` annotation. */
  record: IdempotencyRecord;
}

/**
 * The header's key, or `undefined` when the header is absent; 400 {@linkcode ApiError} when it
 * is empty, too long or not printable ASCII.
 */
export function parseIdempotencyKey(header: string | null | undefined): string | undefined {
  if (header === null || header === undefined) return undefined;
  if (
    header.length === 0 || header.length > MAX_IDEMPOTENCY_KEY_LENGTH || !KEY.test(header)
  ) {
    throw new ApiError(
      400,
      `Invalid ${IDEMPOTENCY_KEY_HEADER}: expected 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} ` +
        "printable ASCII characters without spaces",
    );
  }
  return header;
}

async function sha256Hex(text: string): Promise<string> {
  return toHex(
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))),
  );
}

/** The label value for `key` of `team`: 40 hex characters of SHA-256 (fits a label value). */
export async function idempotencyLabel(team: string, key: string): Promise<string> {
  return (await sha256Hex(`${team}\n${key}`)).slice(0, 40);
}

/**
 * The parts of a create that make two requests "the same request": all of it but the key that
 * names it.
 */
export type DigestedRequest = Omit<CreateRequest, "idempotencyKey">;

/**
 * SHA-256 hex of the request's canonical JSON (keys sorted), so equal requests digest alike
 * whatever their key order.
 */
export function requestDigest(request: DigestedRequest): Promise<string> {
  return sha256Hex(canonicalJson({
    templateId: request.templateId,
    timeoutSeconds: request.timeoutSeconds,
    metadata: request.metadata,
    envVars: request.envVars,
    egress: request.egress,
    allowPublicTraffic: request.allowPublicTraffic,
    network: request.network,
    volumeMounts: request.volumeMounts,
    autoPause: request.autoPause,
  }));
}

/** The record on a Sandbox, if it has a well-formed one. */
export function readIdempotencyRecord(sandbox: Sandbox): IdempotencyRecord | undefined {
  const raw = sandbox.metadata.annotations?.[ANNOTATION_IDEMPOTENCY];
  if (!raw) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (
    !isRecord(value) || typeof value.team !== "string" || typeof value.key !== "string" ||
    typeof value.request !== "string"
  ) return undefined;
  return { team: value.team, key: value.key, request: value.request };
}

/**
 * Among `candidates` (the sandboxes with the key's label), the one that answers a retry of
 * `record`'s request, or `undefined`; 422 {@linkcode ApiError} when the key was used for another
 * request. Oldest claim first, should a race have left two.
 */
export function replayOf(
  candidates: readonly Sandbox[],
  record: IdempotencyRecord,
): Sandbox | undefined {
  const mine = candidates
    .filter((s) => {
      const r = readIdempotencyRecord(s);
      return r !== undefined && r.team === record.team && r.key === record.key;
    })
    .sort((a, b) =>
      startedAtMs(a) - startedAtMs(b) ||
      (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "")
    );
  const first = mine[0];
  if (first === undefined) return undefined;
  if (readIdempotencyRecord(first)?.request !== record.request) {
    throw new ApiError(
      422,
      `${IDEMPOTENCY_KEY_HEADER} "${record.key}" was already used for a different create ` +
        "request; use a new key for a new request",
    );
  }
  return first;
}
