/**
 * The sandbox-wide settings that envd receives through `POST /init`: global env vars, the access
 * token, the default user and workdir. The manager late-binds them into a warm sandbox at claim
 * time, so they change while the runtime runs and every request reads them afresh.
 *
 * @module
 */

import type { InitRequest } from "@kruise-agents/shared/envd";

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
