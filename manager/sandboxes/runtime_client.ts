/**
 * The manager's calls to the runtime inside a sandbox (envd on port 49983): `POST /init` to
 * late-bind the claim's env vars and the default user into a warm sandbox at claim time (and to
 * replay them after a resume), and `GET /metrics` for the metrics endpoint. Every call carries the
 * sandbox's envd token, which the runtime has had since its pod started (tokens from birth): a
 * sandbox is never open to a caller without it, not even before its claim.
 *
 * @module
 */
import type { Sandbox } from "@kruise-agents/shared/api";
import {
  ACCESS_TOKEN_HEADER,
  ENVD_PORT,
  type EnvdMetrics,
  type InitRequest,
  parseEnvdMetrics,
  sandboxUrl,
} from "@kruise-agents/shared/envd/http";
import { delay, readJson } from "@kruise-agents/shared/std";
import type { SandboxTokens } from "./tokens.ts";

/** Options of {@linkcode RuntimeClient}. */
export interface RuntimeClientOptions {
  /** The tokens of sandboxes. */
  tokens: SandboxTokens;
  /** The fetch to use (tests inject one). @default {globalThis.fetch} */
  fetch?: typeof fetch | undefined;
  /** Attempts of `/init` before giving up. @default {5} */
  initAttempts?: number | undefined;
  /** Per-attempt deadline, ms. @default {2000} */
  attemptTimeoutMs?: number | undefined;
}

/** Largest `/metrics` answer read from a runtime: it is a sandbox's word, so it is capped. */
const MAX_METRICS_BYTES = 64 * 1024;

/** Base URL of the runtime's envd API at `ip`. */
export function envdUrl(ip: string): string {
  return sandboxUrl(ip, ENVD_PORT);
}

/** Talks to runtimes. */
export class RuntimeClient {
  readonly #tokens: SandboxTokens;
  readonly #fetch: typeof fetch;
  readonly #attempts: number;
  readonly #timeoutMs: number;

  /** Creates the client. */
  constructor(options: RuntimeClientOptions) {
    this.#tokens = options.tokens;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#attempts = options.initAttempts ?? 5;
    this.#timeoutMs = options.attemptTimeoutMs ?? 2000;
  }

  /**
   * Sends `POST /init` with the env vars, default user `user` and a fresh timestamp (the runtime
   * ignores an older one than it applied). Retries network failures and 5xx briefly: a just-Ready
   * sandbox may still be binding its port.
   */
  async init(
    sandbox: Sandbox,
    envVars: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<void> {
    const init: InitRequest = { envVars, defaultUser: "user", timestamp: new Date().toISOString() };
    const body = JSON.stringify(init);
    const headers = {
      "content-type": "application/json",
      [ACCESS_TOKEN_HEADER]: await this.#tokens.envd(sandbox),
    };
    const ip = sandbox.status?.sandboxIp ?? "";
    let lastError: unknown;
    for (let attempt = 0; attempt < this.#attempts; attempt++) {
      if (attempt > 0) await delay(100 * 2 ** (attempt - 1), { signal });
      const timeout = AbortSignal.timeout(this.#timeoutMs);
      try {
        const res = await this.#fetch(`${envdUrl(ip)}/init`, {
          method: "POST",
          headers,
          body,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        await res.body?.cancel();
        if (res.ok) return;
        lastError = new Error(`runtime answered ${res.status}`);
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

  /** Reads `GET /metrics` with the sandbox's token. */
  async metrics(sandbox: Sandbox, signal?: AbortSignal): Promise<EnvdMetrics> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const res = await this.#fetch(`${envdUrl(sandbox.status?.sandboxIp ?? "")}/metrics`, {
      headers: { [ACCESS_TOKEN_HEADER]: await this.#tokens.envd(sandbox) },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`Cannot read sandbox metrics: runtime answered ${res.status}`);
    }
    return parseEnvdMetrics(await readJson(res, { maxBytes: MAX_METRICS_BYTES }));
  }
}
