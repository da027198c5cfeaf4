/**
 * The sandbox-wide settings that envd receives through `POST /init`: global env vars, the access
 * token, the default user and workdir. The manager late-binds them into a warm sandbox at claim
 * time, so they change while the runtime runs and every request reads them afresh.
 *
 * @module
 */

/** Body of `POST /init`, as the orchestrator sends it (unknown fields are ignored). */
export interface InitRequest {
  /** Global env vars for every process and kernel; merged into the existing ones. */
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

/** Parses an `/init` body at the boundary; throws `TypeError` with a message for bad input. */
export function parseInitRequest(value: unknown): InitRequest {
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError("Cannot parse init request: body must be a JSON object");
  }
  const body = value as Record<string, unknown>;
  const out: InitRequest = {};
  const str = (key: string): string | undefined => {
    const v = body[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") {
      throw new TypeError(`Cannot parse init request: "${key}" must be a string`);
    }
    return v;
  };
  if (body.envVars !== undefined && body.envVars !== null) {
    if (typeof body.envVars !== "object" || Array.isArray(body.envVars)) {
      throw new TypeError('Cannot parse init request: "envVars" must be an object of strings');
    }
    const envVars: Record<string, string> = {};
    for (const [k, v] of Object.entries(body.envVars as Record<string, unknown>)) {
      if (typeof v !== "string") {
        throw new TypeError(`Cannot parse init request: env var "${k}" must be a string`);
      }
      envVars[k] = v;
    }
    out.envVars = envVars;
  }
  const accessToken = str("accessToken");
  if (accessToken !== undefined) out.accessToken = accessToken;
  const timestamp = str("timestamp");
  if (timestamp !== undefined) {
    if (Number.isNaN(Date.parse(timestamp))) {
      throw new TypeError('Cannot parse init request: "timestamp" must be an RFC 3339 time');
    }
    out.timestamp = timestamp;
  }
  const defaultUser = str("defaultUser");
  if (defaultUser) out.defaultUser = defaultUser;
  const defaultWorkdir = str("defaultWorkdir");
  if (defaultWorkdir) out.defaultWorkdir = defaultWorkdir;
  return out;
}

/** Options for a fresh {@linkcode RuntimeState}. */
export interface RuntimeStateOptions {
  /** Run-as user when no `/init` has named one. @default {"user"} */
  defaultUser?: string;
  /** Global env vars present from the start (e.g. `E2B_SANDBOX=true`). */
  envVars?: Record<string, string>;
}

/** The mutable sandbox-wide settings. */
export class RuntimeState {
  /** Global env vars, applied to every process after the user's own variables. */
  envVars: Record<string, string>;
  /** The access token; `undefined` until `/init` sets one, and then required on every call. */
  accessToken: string | undefined;
  /** Default run-as user name. */
  defaultUser: string;
  /** Default working directory, or `undefined` for the user's home. */
  defaultWorkdir: string | undefined;
  #lastInit = -Infinity;

  /** Creates the state with the start-up defaults. */
  constructor(options: RuntimeStateOptions = {}) {
    this.envVars = { E2B_SANDBOX: "true", ...options.envVars };
    this.accessToken = undefined;
    this.defaultUser = options.defaultUser ?? "user";
    this.defaultWorkdir = undefined;
  }

  /**
   * Applies an `/init` request. Returns `false` (and changes nothing) when its timestamp is older
   * than the last applied one, so a delayed retry cannot roll settings back.
   */
  apply(init: InitRequest): boolean {
    if (init.timestamp !== undefined) {
      const at = Date.parse(init.timestamp);
      if (at < this.#lastInit) return false;
      this.#lastInit = at;
    }
    if (init.envVars) this.envVars = { ...this.envVars, ...init.envVars };
    if (init.accessToken !== undefined) this.accessToken = init.accessToken || undefined;
    if (init.defaultUser) this.defaultUser = init.defaultUser;
    if (init.defaultWorkdir) this.defaultWorkdir = init.defaultWorkdir;
    return true;
  }
}
