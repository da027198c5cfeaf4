/**
 * The E2B control-plane REST API as a Hono app (§A.3; both v1 and v2 paths), also mounted under
 * `/kruise/api` as the reference does for clients without a dedicated API host. Routes are thin;
 * the logic is in `sandboxes/`. E2B routes this server does not implement answer 501
 * (`routes/not_implemented.ts`). One `onError` renders every failure as E2B's `{code, message}`
 * and one `notFound` does the same for unknown paths (404), so no 4xx/5xx ever leaves without a
 * JSON body the SDKs can parse.
 *
 * @module
 */
import { Hono } from "hono";
import { consoleLogger, type Logger } from "@kruise-agents/shared/std";
import type { ApiKeyStore } from "./auth/api_keys.ts";
import { apiKeyAuth, type AuthEnv } from "./auth/middleware.ts";
import { errorResponse, toApiError } from "./errors.ts";
import { notImplementedRoutes } from "./routes/not_implemented.ts";
import { sandboxRoutes, type SandboxRoutesDeps } from "./routes/sandboxes.ts";
import { templateRoutes } from "./routes/templates.ts";

/** What the app needs. */
export interface AppDeps extends SandboxRoutesDeps {
  /** API keys. */
  keys: ApiKeyStore;
  /** Where unexpected (500) errors are reported. @default {consoleLogger} */
  logger?: Logger | undefined;
}

/** Builds the API app. */
export function createApp(deps: AppDeps): Hono<AuthEnv> {
  const api = new Hono<AuthEnv>();
  api.use("*", apiKeyAuth(deps.keys));
  api.route("/", sandboxRoutes(deps));
  api.route("/", templateRoutes(deps.index, deps.view));
  api.route("/", notImplementedRoutes()); // after the real routes, so they always win

  const app = new Hono<AuthEnv>();
  app.get("/health", (c) => c.body(null, 204));
  app.route("/kruise/api", api);
  app.route("/", api);
  app.notFound((c) => errorResponse(404, `${c.req.method} ${c.req.path} not found`));
  app.onError((error) => {
    const apiError = toApiError(error);
    if (apiError.status === 500) {
      (deps.logger ?? consoleLogger).error("API error", {
        error: error instanceof Error ? error.stack : String(error),
      });
    }
    return errorResponse(apiError.status, apiError.message);
  });
  return app;
}
