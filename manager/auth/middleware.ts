/**
 * The `X-API-Key` middleware: every API route but `/health` needs a known key (the header name
 * is case-insensitive, as all HTTP header names). A missing or unknown key is 401 with E2B's
 * JSON body. The authenticated {@linkcode Caller} is put in `c.var.caller`.
 *
 * @module
 */
import { createMiddleware } from "hono/factory";
import { ApiError } from "../errors.ts";
import type { ApiKeyStore, Caller } from "./api_keys.ts";

/** Hono env of authenticated routes. */
export interface AuthEnv {
  /** Request-scoped values. */
  Variables: {
    /** The authenticated caller. */
    caller: Caller;
  };
}

/** Builds the middleware over `keys`. */
export function apiKeyAuth(keys: ApiKeyStore): ReturnType<typeof createMiddleware<AuthEnv>> {
  return createMiddleware<AuthEnv>(async function apiKey(c, next) {
    const key = c.req.header("x-api-key");
    if (!key) throw new ApiError(401, "API key is required: set the X-API-Key header");
    const caller = await keys.authenticate(key);
    if (!caller) throw new ApiError(401, "Invalid API key");
    c.set("caller", caller);
    await next();
  });
}
