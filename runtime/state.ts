/**
 * The sandbox-wide settings: the access token, the global env vars, the default user and
 * workdir. The manager late-binds a claim's env vars and default user into a warm sandbox through
 * `POST /init`, so they change while the runtime runs and every request reads them afresh.
 *
 * Invariants:
 * - **Token from birth.** A runtime started with a token (the pod's, from its first second) keeps
 *   exactly that token: `/init` must present it, and can neither change nor clear it. A runtime
 *   started without one (tests, a developer running it by hand) is open until the first `/init`
 *   that names a token, as envd is; from then on the same rules hold.
 * - **Env layers.** The global env vars are the template's own (the runtime's start-up
 *   environment, plus `E2B_SANDBOX=true`) with the last `/init`'s on top. An `/init` replaces the
 *   layer an earlier one set; it never merges into it, so a re-claimed or resumed sandbox carries
 *   no variable of an earlier claim.
 * - **Order.** An `/init` with an older timestamp than the last applied one changes nothing, so a
 *   delayed retry cannot roll the settings back.
 *
 * @module
 */

import type { InitRequest } from "@kruise-agents/shared/envd";
import { safeEqual } from "@kruise-agents/shared/std";

/** Options for a fresh {@linkcode RuntimeState}. */
export interface RuntimeStateOptions {
  /** Run-as user when no `/init` has named one. @default {"user"} */
  defaultUser?: string;
  /** The template's own env vars (the start-up environment), under every `/init`'s. */
  envVars?: Record<string, string>;
  /** The access token from birth; `undefined` = open until an `/init` sets one. */
  accessToken?: string | undefined;
}

/** Why an `/init` was refused. */
export type InitRefusal = "missing-token" | "token-change";

/** The mutable sandbox-wide settings. */
export class RuntimeState {
  /** The template's own env vars: the layer every `/init`'s env vars sit on. */
  readonly templateEnvVars: Readonly<Record<string, string>>;
  /** Global env vars (template's, then the last `/init`'s), applied to every process. */
  envVars: Record<string, string>;
  /** Default run-as user name. */
  defaultUser: string;
  /** Default working directory, or `undefined` for the user's home. */
  defaultWorkdir: string | undefined;
  #accessToken: string | undefined;
  #lastInit = -Infinity;

  /** Creates the state with the start-up settings. */
  constructor(options: RuntimeStateOptions = {}) {
    this.templateEnvVars = Object.freeze({ E2B_SANDBOX: "true", ...options.envVars });
    this.envVars = { ...this.templateEnvVars };
    this.#accessToken = options.accessToken || undefined;
    this.defaultUser = options.defaultUser ?? "user";
    this.defaultWorkdir = undefined;
  }

  /** The access token every call must carry; `undefined` while the runtime is open. */
  get accessToken(): string | undefined {
    return this.#accessToken;
  }

  /** Whether `token` (a request's `X-Access-Token`) is the access token; true while open. */
  accepts(token: string | null): boolean {
    if (this.#accessToken === undefined) return true;
    return token !== null && safeEqual(token, this.#accessToken);
  }

  /**
   * Whether an `/init` carrying `headerToken` in `X-Access-Token` and `init` as its body may be
   * applied: once a token is set, the header must be it and the body may repeat it but not name
   * another one (an empty string included: the token cannot be cleared).
   */
  refuseInit(headerToken: string | null, init: InitRequest): InitRefusal | undefined {
    if (this.#accessToken === undefined) return undefined;
    if (!this.accepts(headerToken)) return "missing-token";
    if (init.accessToken !== undefined && !safeEqual(init.accessToken, this.#accessToken)) {
      return "token-change";
    }
    return undefined;
  }

  /**
   * Applies an `/init` request that {@linkcode refuseInit} let through. Returns `false` (and
   * changes nothing) when its timestamp is older than the last applied one.
   */
  apply(init: InitRequest): boolean {
    if (this.refuseInit(this.#accessToken ?? null, init)) {
      throw new Error("Cannot apply /init: it would change the access token");
    }
    if (init.timestamp !== undefined) {
      const at = Date.parse(init.timestamp);
      if (at < this.#lastInit) return false;
      this.#lastInit = at;
    }
    if (init.envVars) this.envVars = { ...this.templateEnvVars, ...init.envVars };
    if (init.accessToken) this.#accessToken = init.accessToken;
    if (init.defaultUser) this.defaultUser = init.defaultUser;
    if (init.defaultWorkdir) this.defaultWorkdir = init.defaultWorkdir;
    return true;
  }
}
