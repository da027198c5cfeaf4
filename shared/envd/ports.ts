/**
 * Where envd lives inside a sandbox and how to address it: the two ports of the runtime, the
 * envd version it implements (the SDKs gate features on it), the access-token header, and the
 * one function that turns a sandbox's address into a base URL (IPv6 addresses need brackets).
 *
 * @module
 */

/**
 * Port of the runtime's envd API inside a sandbox.
 *
 * @example
 * ```ts
 * import { ENVD_PORT, sandboxUrl } from "@kruise-agents/shared/envd/http";
 * const health = `${sandboxUrl("10.0.0.7", ENVD_PORT)}/health`; // http://10.0.0.7:49983/health
 * ```
 */
export const ENVD_PORT = 49983;

/**
 * Port of the runtime's code interpreter inside a sandbox.
 *
 * @example
 * ```ts
 * import { INTERPRETER_PORT, sandboxUrl } from "@kruise-agents/shared/envd/http";
 * const execute = `${sandboxUrl("10.0.0.7", INTERPRETER_PORT)}/execute`;
 * ```
 */
export const INTERPRETER_PORT = 49999;

/**
 * The envd version the runtime implements and the manager reports (`envdVersion`); every SDK
 * feature gated on a version up to it is implemented.
 *
 * @example
 * ```ts
 * import { ENVD_VERSION } from "@kruise-agents/shared/envd/http";
 * const created = { sandboxID: "i1", templateID: "python", envdVersion: ENVD_VERSION };
 * ```
 */
export const ENVD_VERSION = "0.6.13";

/**
 * Header carrying a sandbox's access token, on 49983 and 49999 alike.
 *
 * @example
 * ```ts
 * import { ACCESS_TOKEN_HEADER, ENVD_PORT, sandboxUrl } from "@kruise-agents/shared/envd/http";
 * const request = new Request(`${sandboxUrl("10.0.0.7", ENVD_PORT)}/metrics`, {
 *   headers: { [ACCESS_TOKEN_HEADER]: "token-of-the-sandbox" },
 * });
 * ```
 */
export const ACCESS_TOKEN_HEADER = "x-access-token";

/**
 * Environment variable that gives the runtime its sandbox's access token from its first second
 * (set on the pod from the sandbox's own Secret). The runtime removes it from its environment at
 * start, so no command inherits it.
 *
 * @example
 * ```ts
 * import { ACCESS_TOKEN_ENV } from "@kruise-agents/shared/envd/http";
 * const env = [{
 *   name: ACCESS_TOKEN_ENV,
 *   valueFrom: { secretKeyRef: { name: "s-access-token", key: "token" } },
 * }];
 * ```
 */
export const ACCESS_TOKEN_ENV = "KRUISE_AGENTS_ACCESS_TOKEN";

/**
 * Header carrying E2B's traffic access token, for the ports other than envd's.
 *
 * @example
 * ```ts
 * import { TRAFFIC_TOKEN_HEADER } from "@kruise-agents/shared/envd/http";
 * function trafficToken(request: Request): string | null {
 *   return request.headers.get(TRAFFIC_TOKEN_HEADER);
 * }
 * ```
 */
export const TRAFFIC_TOKEN_HEADER = "e2b-traffic-access-token";

/**
 * Base URL of `port` at `host` (an IPv4 or IPv6 address, or a name).
 *
 * @example
 * ```ts
 * import { ENVD_PORT, sandboxUrl } from "@kruise-agents/shared/envd";
 * sandboxUrl("fd00::2", ENVD_PORT); // "http://[fd00::2]:49983"
 * ```
 */
export function sandboxUrl(host: string, port: number, scheme: "http" | "ws" = "http"): string {
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
