/**
 * The manager's view of sandbox tokens: derived from the cluster's token key and the Sandbox's
 * identity (`shared/api/sandbox_token.ts`), never read from or written to an object, and cached by
 * uid so that the proxy's check on every data-plane request costs a map lookup, not an HMAC.
 *
 * @module
 */
import {
  ANNOTATION_PUBLIC_TRAFFIC,
  type Sandbox,
  sandboxToken,
  type SandboxTokenKind,
} from "@kruise-agents/shared/api";

/** A sandbox's tokens, as bodies report them and the proxy checks them. */
export interface TokenPair {
  /** The envd access token (every sandbox is secured). */
  envd: string;
  /** The traffic access token, for a sandbox created without public traffic; else `null`. */
  traffic: string | null;
}

const MAX_CACHED = 4096;

/** Derives and caches the tokens of sandboxes. */
export class SandboxTokens {
  readonly #key: CryptoKey;
  readonly #cache = new Map<string, Promise<string>>();

  /** Creates the service for `key` (the controller's key). */
  constructor(key: CryptoKey) {
    this.#key = key;
  }

  /** The envd access token of `sandbox` (E2B's `envdAccessToken`). */
  envd(sandbox: Sandbox): Promise<string> {
    return this.#token("envd", sandbox);
  }

  /** The traffic access token of `sandbox` (E2B's `trafficAccessToken`). */
  traffic(sandbox: Sandbox): Promise<string> {
    return this.#token("traffic", sandbox);
  }

  /** Both tokens of `sandbox`: the traffic token only when it was created without public traffic. */
  async of(sandbox: Sandbox): Promise<TokenPair> {
    const publicTraffic = sandbox.metadata.annotations?.[ANNOTATION_PUBLIC_TRAFFIC] !== "false";
    return {
      envd: await this.envd(sandbox),
      traffic: publicTraffic ? null : await this.traffic(sandbox),
    };
  }

  #token(kind: SandboxTokenKind, sandbox: Sandbox): Promise<string> {
    const id =
      `${kind}:${sandbox.metadata.uid}:${sandbox.metadata.namespace}/${sandbox.metadata.name}`;
    let token = this.#cache.get(id);
    if (token === undefined) {
      token = sandboxToken(this.#key, kind, sandbox.metadata);
      this.#cache.set(id, token);
      // Bounded: the oldest entries go first; a sandbox that comes back is derived again.
      if (this.#cache.size > MAX_CACHED) this.#cache.delete(this.#cache.keys().next().value!);
    }
    return token;
  }
}
