/**
 * The routes of one sandbox's lifecycle (§A.3): get, kill, timeout, refresh, pause, connect and
 * resume, on `/sandboxes/:id/...` (and `/v2/sandboxes/:id/connect`). Each parses its body, calls
 * `Lifecycle` (`sandboxes/lifecycle.ts`) and answers with E2B's exact success status. `refreshes`
 * raises a duration below 15 s to 15 s, as E2B's handler does.
 *
 * @module
 */
import { Hono } from "hono";
import type { AuthEnv } from "../auth/middleware.ts";
import { detailBody, sandboxBody } from "./views.ts";
import {
  parsePauseBody,
  parseRefreshBody,
  parseTimeoutBody,
  readJson,
  V1_DEFAULT_TIMEOUT,
  V2_DEFAULT_TIMEOUT,
} from "./bodies.ts";
import type { SandboxRoutesDeps } from "./sandboxes.ts";

/** Builds the lifecycle sub-app (mounted at `/` by `sandboxRoutes`). */
export function sandboxLifecycleRoutes(
  deps: Pick<SandboxRoutesDeps, "lifecycle" | "view" | "limits" | "clock" | "tokens">,
): Hono<AuthEnv> {
  const { lifecycle, view, limits, clock, tokens } = deps;
  const app = new Hono<AuthEnv>();

  app.get("/sandboxes/:id", async (c) => {
    const sandbox = await lifecycle.get(c.req.param("id"), c.var.caller);
    return c.json(detailBody(sandbox, view, clock.now(), await tokens.of(sandbox)));
  });

  app.delete("/sandboxes/:id", async (c) => {
    await lifecycle.kill(c.req.param("id"), c.var.caller);
    return c.body(null, 204);
  });

  app.post("/sandboxes/:id/timeout", async (c) => {
    const seconds = parseTimeoutBody(await readJson(c.req.raw), limits, undefined);
    await lifecycle.setTimeout(c.req.param("id"), c.var.caller, seconds);
    return c.body(null, 204);
  });

  app.post("/sandboxes/:id/refreshes", async (c) => {
    const seconds = parseRefreshBody(await readJson(c.req.raw), limits);
    await lifecycle.refresh(c.req.param("id"), c.var.caller, seconds);
    return c.body(null, 204);
  });

  app.post("/sandboxes/:id/pause", async (c) => {
    const options = parsePauseBody(await readJson(c.req.raw));
    await lifecycle.pause(c.req.param("id"), c.var.caller, options);
    return c.body(null, 204);
  });

  for (
    const [path, fallback] of [
      ["/sandboxes/:id/connect", undefined],
      ["/v2/sandboxes/:id/connect", V2_DEFAULT_TIMEOUT],
    ] as const
  ) {
    app.post(path, async (c) => {
      const seconds = parseTimeoutBody(await readJson(c.req.raw), limits, fallback);
      const result = await lifecycle.connect(c.req.param("id"), c.var.caller, seconds);
      const body = sandboxBody(result.sandbox, view, await tokens.of(result.sandbox));
      return c.json(body, result.resumed ? 201 : 200);
    });
  }

  app.post("/sandboxes/:id/resume", async (c) => {
    const seconds = parseTimeoutBody(await readJson(c.req.raw), limits, V1_DEFAULT_TIMEOUT);
    const sandbox = await lifecycle.resume(c.req.param("id"), c.var.caller, seconds);
    return c.json(sandboxBody(sandbox, view, await tokens.of(sandbox)), 201);
  });

  return app;
}
