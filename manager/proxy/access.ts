/**
 * Who may pass the proxy to which port of a sandbox (pure), the same rules the runtime keeps, so a
 * request without its token is refused at the door rather than at the sandbox:
 *
 * - envd (49983): `X-Access-Token` equal to the sandbox's envd token, except `OPTIONS`,
 *   `GET /health`, and `/files` with a signature (signed URLs carry their own proof);
 * - the code interpreter (49999): the token on `/execute` and everything but `/health` and
 *   `/contexts*`, which the code-interpreter SDKs call without it (as E2B serves them);
 * - every port but envd's, for a sandbox created without public traffic:
 *   `E2B-Traffic-Access-Token` equal to its traffic token.
 *
 * @module
 */
import {
  ACCESS_TOKEN_HEADER,
  ENVD_PORT,
  INTERPRETER_PORT,
  TRAFFIC_TOKEN_HEADER,
} from "@kruise-agents/shared/envd/http";
import { safeEqual } from "@kruise-agents/shared/std";
import type { ProxyRoute } from "./route.ts";

/** A sandbox's tokens, as the proxy checks them. */
export interface AccessTokens {
  /** The envd access token. */
  envd: string;
  /** The traffic access token, for a sandbox without public traffic; else `null`. */
  traffic: string | null;
}

function holds(request: Request, header: string, token: string): boolean {
  const given = request.headers.get(header);
  return given !== null && safeEqual(given, token);
}

function needsEnvdToken(request: Request, route: ProxyRoute): boolean {
  if (request.method === "OPTIONS") return false;
  const url = new URL(route.path, "http://sandbox");
  if (url.pathname === "/health") return false;
  if (route.port === ENVD_PORT) {
    return !(url.pathname === "/files" && url.searchParams.has("signature") &&
      !request.headers.has(ACCESS_TOKEN_HEADER));
  }
  if (route.port === INTERPRETER_PORT) {
    return !(url.pathname === "/contexts" || url.pathname.startsWith("/contexts/"));
  }
  return false;
}

/** Why `request` may not pass to `route`'s port, or `undefined` when it may. */
export function accessDenial(
  request: Request,
  route: ProxyRoute,
  tokens: AccessTokens,
): string | undefined {
  if (needsEnvdToken(request, route) && !holds(request, ACCESS_TOKEN_HEADER, tokens.envd)) {
    return "unauthorized: invalid or missing access token";
  }
  if (
    route.port !== ENVD_PORT && tokens.traffic !== null && request.method !== "OPTIONS" &&
    !holds(request, TRAFFIC_TOKEN_HEADER, tokens.traffic)
  ) {
    return "unauthorized: invalid or missing traffic access token";
  }
  return undefined;
}
