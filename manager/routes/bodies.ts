/**
 * Request bodies of the E2B REST API, parsed at the boundary into typed values; anything
 * malformed is a 400 {@linkcode ApiError} with a message naming the field. `allow_internet_access`
 * and `network` become the sandbox's egress rules and traffic token; other unknown fields
 * (`secure`: every sandbox is secured, `mcp`, ...) are accepted and ignored, as the reference does,
 * so newer SDKs keep working.
 *
 * @module
 */
import { BodyTooLargeError, readJson as readJsonBody } from "@kruise-agents/shared/std";
import { checkEgressEntry, type PodEgress } from "@kruise-agents/shared/api";
import { ApiError } from "../errors.ts";

/** Limits of timeouts. */
export interface TimeoutLimits {
  /** Largest accepted timeout, seconds. */
  maxTimeoutSeconds: number;
}

function bad(message: string): never {
  throw new ApiError(400, message);
}

/**
 * Reads a JSON body of at most 1 MiB (the shared reader's default); an empty body is `undefined`,
 * malformed JSON a 400 and a longer body a 413.
 */
export async function readJson(request: Request): Promise<unknown> {
  try {
    return await readJsonBody(request);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new ApiError(413, error.message);
    if (error instanceof SyntaxError) bad(`Invalid JSON body: ${error.message}`);
    throw error;
  }
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) bad(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) bad(`"${field}" must be an object`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== "string") bad(`"${field}.${k}" must be a string`);
    out[k] = v;
  }
  return out;
}

/**
 * Checks a timeout in seconds: an integer above 0 and at most the configured maximum, with
 * E2B's messages.
 */
export function checkTimeout(value: unknown, limits: TimeoutLimits, field = "timeout"): number {
  if (typeof value !== "number" || !Number.isInteger(value)) bad(`"${field}" must be an integer`);
  if (value <= 0) bad("Timeout must be greater than 0");
  if (value > limits.maxTimeoutSeconds) {
    const hours = limits.maxTimeoutSeconds / 3600;
    bad(
      Number.isInteger(hours)
        ? `Timeout cannot be greater than ${hours} hours`
        : `Timeout cannot be greater than ${limits.maxTimeoutSeconds} seconds`,
    );
  }
  return value;
}

/** A parsed create body. */
export interface NewSandbox {
  /** Template ID. */
  templateId: string;
  /** Seconds. */
  timeoutSeconds: number;
  /** Metadata. */
  metadata: Record<string, string>;
  /** Env vars. */
  envVars: Record<string, string>;
  /**
   * Egress asked for (`allow_internet_access: false`, `network.denyOut`/`allowOut`); absent when
   * the create asked for nothing (full internet access).
   */
  egress?: PodEgress;
  /** `network.allowPublicTraffic`: `false` puts the sandbox's other ports behind a token. */
  allowPublicTraffic: boolean;
}

/** Parses E2B's `allow_internet_access` and `network` into egress settings; 400 on bad input. */
export function parseNetwork(
  o: Record<string, unknown>,
): Pick<NewSandbox, "egress" | "allowPublicTraffic"> {
  const network = o.network === undefined || o.network === null
    ? {}
    : object(o.network, '"network"');
  const egress: PodEgress = {};
  const internet = o.allow_internet_access;
  if (internet !== undefined && internet !== null) {
    if (typeof internet !== "boolean") bad('"allow_internet_access" must be a boolean');
    if (!internet) egress.allowInternetAccess = false;
  }
  for (const field of ["allowOut", "denyOut"] as const) {
    const list = network[field];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list) || list.some((e) => typeof e !== "string")) {
      bad(`"network.${field}" must be a list of strings`);
    }
    for (const entry of list as string[]) {
      try {
        checkEgressEntry(entry);
      } catch (error) {
        bad(`"network.${field}": ${(error as Error).message}`);
      }
    }
    if (list.length > 0) egress[field] = list as string[];
  }
  const publicTraffic = network.allowPublicTraffic;
  if (publicTraffic !== undefined && publicTraffic !== null && typeof publicTraffic !== "boolean") {
    bad('"network.allowPublicTraffic" must be a boolean');
  }
  const out: Pick<NewSandbox, "egress" | "allowPublicTraffic"> = {
    allowPublicTraffic: publicTraffic !== false,
  };
  if (Object.keys(egress).length > 0) out.egress = egress;
  return out;
}

/** Default timeout of `POST /sandboxes` when absent (E2B's spec: 15 s). */
export const V1_DEFAULT_TIMEOUT = 15;
/** Default timeout of `POST /v2/sandboxes` and v2 connect when absent (300 s). */
export const V2_DEFAULT_TIMEOUT = 300;

/** Parses `NewSandbox` (v1) or `NewSandboxV2`. */
export function parseNewSandbox(
  body: unknown,
  limits: TimeoutLimits,
  options: { v2: boolean },
): NewSandbox {
  const o = object(body, "The request body");
  if (typeof o.templateID !== "string" || o.templateID.trim() === "") {
    bad('"templateID" is required');
  }
  const timeout = o.timeout ?? (options.v2 ? V2_DEFAULT_TIMEOUT : V1_DEFAULT_TIMEOUT);
  if (o.autoPause === true) bad("autoPause is not supported yet");
  return {
    templateId: o.templateID.trim(),
    timeoutSeconds: checkTimeout(timeout, limits),
    metadata: stringMap(o.metadata, "metadata"),
    envVars: stringMap(o.envVars, "envVars"),
    ...parseNetwork(o),
  };
}

/** Parses a body with a `timeout` field; `fallback` when absent (`undefined` = required). */
export function parseTimeoutBody(
  body: unknown,
  limits: TimeoutLimits,
  fallback: number | undefined,
  field = "timeout",
): number {
  const o = object(body, "The request body");
  const value = o[field] ?? fallback;
  if (value === undefined) bad(`"${field}" is required`);
  return checkTimeout(value, limits, field);
}
