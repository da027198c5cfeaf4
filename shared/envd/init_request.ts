/**
 * `POST /init`: the body the control plane sends to a sandbox's envd, and its parser. The manager
 * builds it at claim time (env vars, default user) and the runtime applies it, so both sides
 * share this one definition.
 *
 * @module
 */
import { isRecord } from "../std/json.ts";

/**
 * Body of `POST /init`, as the orchestrator sends it (unknown fields are ignored).
 *
 * @example
 * ```ts
 * import { type InitRequest, parseInitRequest } from "@kruise-agents/shared/envd/http";
 * const body: InitRequest = { envVars: { LANG: "C.UTF-8" }, defaultUser: "user" };
 * const init = new Request("http://10.0.0.7:49983/init", {
 *   method: "POST",
 *   body: JSON.stringify(body),
 * });
 * console.log(parseInitRequest(await init.json()).defaultUser); // "user"
 * ```
 */
export interface InitRequest {
  /** Global env vars for every process and kernel. */
  envVars?: Record<string, string>;
  /** Token that every later request must carry as `X-Access-Token`. */
  accessToken?: string;
  /** RFC 3339 time of the request; an older one than the last applied is ignored. */
  timestamp?: string;
  /** Run-as user for requests that name none. */
  defaultUser?: string;
  /** Working directory for processes that name none. */
  defaultWorkdir?: string;
}

function bad(message: string): never {
  throw new TypeError(`Cannot parse init request: ${message}`);
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") bad(`"${key}" must be a string`);
  return v;
}

function stringMap(value: unknown): Record<string, string> {
  if (!isRecord(value)) bad('"envVars" must be an object of strings');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string") bad(`env var "${k}" must be a string`);
    out[k] = v;
  }
  return out;
}

/**
 * Parses an `/init` body at the boundary; throws `TypeError` with a message for bad input.
 *
 * @example
 * ```ts
 * import { parseInitRequest } from "@kruise-agents/shared/envd";
 * parseInitRequest({ envVars: { A: "1" }, defaultUser: "user" });
 * ```
 */
export function parseInitRequest(value: unknown): InitRequest {
  if (value === null || value === undefined) return {};
  if (!isRecord(value)) bad("body must be a JSON object");
  const out: InitRequest = {};
  if (value.envVars !== undefined && value.envVars !== null) out.envVars = stringMap(value.envVars);
  const accessToken = optionalString(value, "accessToken");
  if (accessToken !== undefined) out.accessToken = accessToken;
  const timestamp = optionalString(value, "timestamp");
  if (timestamp !== undefined) {
    if (Number.isNaN(Date.parse(timestamp))) bad('"timestamp" must be an RFC 3339 time');
    out.timestamp = timestamp;
  }
  const defaultUser = optionalString(value, "defaultUser");
  if (defaultUser) out.defaultUser = defaultUser;
  const defaultWorkdir = optionalString(value, "defaultWorkdir");
  if (defaultWorkdir) out.defaultWorkdir = defaultWorkdir;
  return out;
}
