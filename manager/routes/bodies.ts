/**
 * Request bodies of the E2B REST API, parsed at the boundary into typed values; anything
 * malformed is a 400 {@linkcode ApiError} with a message naming the field. `allow_internet_access`
 * and `network` become the sandbox's egress rules and traffic token (and are recorded as sent, for
 * `getInfo`); `volumeMounts` join the sandbox's CSI mount list, as in the reference; other unknown
 * fields (`secure`: every sandbox is secured, `mcp`, ...) are accepted and ignored, as the
 * reference does, so newer SDKs keep working.
 *
 * @module
 */
import { BodyTooLargeError, readJson as readJsonBody } from "@kruise-agents/shared/std";
import { checkEgressEntry, type PodEgress } from "@kruise-agents/shared/api";
import { ApiError } from "../errors.ts";
import { checkVolumeMount, type VolumeMount } from "../sandboxes/metadata.ts";
import type { NetworkConfig, NetworkSettings } from "../sandboxes/network_settings.ts";

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
  /** `allow_internet_access` and `network` as sent (the fields honoured), for `getInfo`. */
  network: NetworkSettings;
  /** `volumeMounts`, checked. */
  volumeMounts: VolumeMount[];
  /**
   * `autoPause: true`: paused at the timeout instead of killed; `autoResume` as sent;
   * `keepMemory` false for `autoPauseMemory: false` (that pause is a Stop).
   */
  autoPause?: { autoResume: boolean; keepMemory?: boolean };
}

/**
 * E2B's `autoPause`, `autoPauseMemory` and `autoResume: {enabled}` (a bare boolean is taken
 * too). `autoPauseMemory: false` asks for a filesystem-only pause (the Stop strategy at the
 * timeout). `autoResume` without `autoPause`, or with `autoPauseMemory: false` (a cold boot
 * cannot answer the traffic that woke it), is a 400, as the SDKs' own checks.
 */
function parseAutoPause(
  o: Record<string, unknown>,
): { autoResume: boolean; keepMemory?: boolean } | undefined {
  const autoPause = o.autoPause ?? false;
  if (typeof autoPause !== "boolean") bad('"autoPause" must be a boolean');
  const memory = o.autoPauseMemory;
  if (memory !== undefined && memory !== null && typeof memory !== "boolean") {
    bad('"autoPauseMemory" must be a boolean');
  }
  const resume = o.autoResume;
  let autoResume = false;
  if (typeof resume === "boolean") {
    autoResume = resume;
  } else if (resume !== undefined && resume !== null) {
    const enabled = object(resume, '"autoResume"').enabled ?? false;
    if (typeof enabled !== "boolean") bad('"autoResume.enabled" must be a boolean');
    autoResume = enabled;
  }
  if (autoResume && !autoPause) bad('"autoResume" can only be enabled when "autoPause" is true');
  if (autoResume && memory === false) {
    bad('"autoResume" cannot be enabled with "autoPauseMemory": false; resume it with connect');
  }
  if (!autoPause) return undefined;
  return memory === false ? { autoResume, keepMemory: false } : { autoResume };
}

/**
 * Parses E2B's `allow_internet_access` and `network` into egress settings, and records them as
 * sent; 400 on bad input.
 */
export function parseNetwork(
  o: Record<string, unknown>,
): Pick<NewSandbox, "egress" | "allowPublicTraffic" | "network"> {
  const network = o.network === undefined || o.network === null
    ? {}
    : object(o.network, '"network"');
  const egress: PodEgress = {};
  const settings: NetworkSettings = {};
  const asked: NetworkConfig = {};
  const internet = o.allow_internet_access;
  if (internet !== undefined && internet !== null) {
    if (typeof internet !== "boolean") bad('"allow_internet_access" must be a boolean');
    if (!internet) egress.allowInternetAccess = false;
    settings.allowInternetAccess = internet;
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
    asked[field] = [...list as string[]];
  }
  const publicTraffic = network.allowPublicTraffic;
  if (publicTraffic !== undefined && publicTraffic !== null) {
    if (typeof publicTraffic !== "boolean") bad('"network.allowPublicTraffic" must be a boolean');
    asked.allowPublicTraffic = publicTraffic;
  }
  if (o.network !== undefined && o.network !== null) settings.network = asked;
  const out: Pick<NewSandbox, "egress" | "allowPublicTraffic" | "network"> = {
    allowPublicTraffic: publicTraffic !== false,
    network: settings,
  };
  if (Object.keys(egress).length > 0) out.egress = egress;
  return out;
}

/**
 * Parses `volumeMounts` (`[{name, path}]`); 400 naming the first bad entry, with E2B's reasons
 * (a non-empty name, an absolute clean path).
 */
export function parseVolumeMounts(value: unknown): VolumeMount[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) bad('"volumeMounts" must be a list');
  return value.map((entry, i) => {
    const e = object(entry, `"volumeMounts[${i}]"`);
    if (typeof e.name !== "string" || typeof e.path !== "string") {
      bad(`"volumeMounts[${i}]" must have a string name and path`);
    }
    const mount: VolumeMount = { name: e.name, path: e.path };
    const why = checkVolumeMount(mount);
    if (why) bad(`Invalid volume mount #${i}: ${why}`);
    return mount;
  });
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
  const autoPause = parseAutoPause(o);
  return {
    templateId: o.templateID.trim(),
    timeoutSeconds: checkTimeout(timeout, limits),
    ...(autoPause ? { autoPause } : {}),
    metadata: stringMap(o.metadata, "metadata"),
    envVars: stringMap(o.envVars, "envVars"),
    ...parseNetwork(o),
    volumeMounts: parseVolumeMounts(o.volumeMounts),
  };
}

/**
 * E2B's floor on `refreshes`: a duration below it (or none) keeps the sandbox alive this long,
 * seconds (E2B's `SandboxTimeoutDefault`).
 */
export const MIN_REFRESH_SECONDS = 15;

/**
 * Parses `SandboxRefreshRequest` as E2B does: `duration` is optional, and anything below
 * {@linkcode MIN_REFRESH_SECONDS} (zero and negatives included) is raised to it; above the
 * maximum is the usual 400.
 */
export function parseRefreshBody(body: unknown, limits: TimeoutLimits): number {
  const o = object(body, "The request body");
  const value = o.duration ?? MIN_REFRESH_SECONDS;
  if (typeof value !== "number" || !Number.isInteger(value)) bad('"duration" must be an integer');
  return checkTimeout(Math.max(value, MIN_REFRESH_SECONDS), limits, "duration");
}

/**
 * Parses E2B's pause body `{memory?: boolean}` (no body: `{}`). `memory: false` asks for a
 * filesystem-only pause (the Stop strategy).
 */
export function parsePauseBody(body: unknown): { memory?: boolean } {
  const o = object(body, "The request body");
  if (o.memory === undefined || o.memory === null) return {};
  if (typeof o.memory !== "boolean") bad('"memory" must be a boolean');
  return { memory: o.memory };
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
