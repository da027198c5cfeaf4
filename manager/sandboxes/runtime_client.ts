/**
 * The manager's calls to the runtime inside a sandbox (envd on port 49983): `POST /init` to
 * late-bind env vars, the access token and the default user into a warm sandbox at claim time
 * (and to replay them after a resume), and `GET /metrics` for the metrics endpoint.
 *
 * @module
 */
import {
  ACCESS_TOKEN_HEADER,
  ENVD_PORT,
  type EnvdMetrics,
  type InitRequest,
  parseEnvdMetrics,
  sandboxUrl,
} from "@kruise-agents/shared/envd/http";
import { delay } from "@kruise-agents/shared/std";
import type { InitRuntimeRequest } from "./claim_mutation.ts";

/** Options of {@linkcode RuntimeClient}. */
export interface RuntimeClientOptions {
  /** The fetch to use (tests inject one). @default {globalThis.fetch} */
  fetch?: typeof fetch | undefined;
  /** Attempts of `/init` before giving up. @default {5} */
  initAttempts?: number;
  /** Per-attempt deadline, ms. @default {2000} */
  attemptTimeoutMs?: number;
}

/** Base URL of the runtime's envd API at `ip`. */
export function envdUrl(ip: string): string {
  return sandboxUrl(ip, ENVD_PORT);
}

/** Talks to runtimes. */
export class RuntimeClient {
  readonly #fetch: typeof fetch;
  readonly #attempts: number;
  readonly #timeoutMs: number;

  /** Creates the client. */
  constructor(options: RuntimeClientOptions = {}) {
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#attempts = options.initAttempts ?? 5;
    this.#timeoutMs = options.attemptTimeoutMs ?? 2000;
  }

  /**
   * Sends `POST /init` with the env vars, token, default user `user` and a fresh timestamp
   * (the runtime ignores an older one than it applied). The token also goes in
   * `X-Access-Token`, which a runtime initialised before (a resume replay) requires. Retries
   * network failures and 5xx briefly: a just-Ready sandbox may still be binding its port.
   */
  async init(ip: string, request: InitRuntimeRequest, signal?: AbortSignal): Promise<void> {
    const init: InitRequest = {
      envVars: request.envVars,
      accessToken: request.accessToken,
      defaultUser: "user",
      timestamp: new Date().toISOString(),
    };
    const body = JSON.stringify(init);
    let lastError: unknown;
    for (let attempt = 0; attempt < this.#attempts; attempt++) {
      if (attempt > 0) await delay(100 * 2 ** (attempt - 1), signal ? { signal } : {});
      const timeout = AbortSignal.timeout(this.#timeoutMs);
      try {
        const res = await this.#fetch(`${envdUrl(ip)}/init`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            [ACCESS_TOKEN_HEADER]: request.accessToken,
          },
          body,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        const text = await res.text();
        if (res.ok) return;
        lastError = new Error(`runtime answered ${res.status}: ${text}`);
        if (res.status < 500) break; // the runtime refused the request: retrying won't help
      } catch (error) {
        if (signal?.aborted) throw error;
        lastError = error;
      }
    }
    throw new Error(`Cannot initialise the sandbox runtime at ${ip}: ${lastError}`, {
      cause: lastError,
    });
  }

  /** Reads `GET /metrics` with the access token. */
  async metrics(ip: string, accessToken: string, signal?: AbortSignal): Promise<EnvdMetrics> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const res = await this.#fetch(`${envdUrl(ip)}/metrics`, {
      headers: { [ACCESS_TOKEN_HEADER]: accessToken },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    if (!res.ok) {
      const text = await res.text();
      throw new Error(`Cannot read sandbox metrics: runtime answered ${res.status}: ${text}`);
    }
    return parseEnvdMetrics(await res.json());
  }
}
