/**
 * `GET /sandboxes/:id/metrics` (§A.3): one current sample from the sandbox's runtime, since the
 * runtime keeps no history.
 *
 * @module
 */
import { Hono } from "hono";
import type { AuthEnv } from "../auth/middleware.ts";
import { e2bState } from "../sandboxes/state.ts";
import { metricBody } from "./views.ts";
import type { SandboxRoutesDeps } from "./sandboxes.ts";

/** Builds the metrics sub-app (mounted at `/` by `sandboxRoutes`). */
export function sandboxMetricsRoutes(
  deps: Pick<SandboxRoutesDeps, "lifecycle" | "runtime" | "clock">,
): Hono<AuthEnv> {
  const { lifecycle, runtime, clock } = deps;
  const app = new Hono<AuthEnv>();

  app.get("/sandboxes/:id/metrics", async (c) => {
    const id = c.req.param("id");
    const sandbox = await lifecycle.get(id, c.var.caller);
    const at = clock.now();
    if (e2bState(sandbox, at) !== "running") return c.json([]);
    const sample = metricBody(await runtime.metrics(sandbox, c.req.raw.signal), at);
    // The runtime keeps no history: one current sample, if it falls in [start, end].
    const start = Number(c.req.query("start") ?? -Infinity);
    const end = Number(c.req.query("end") ?? Infinity);
    const ts = sample.timestampUnix as number;
    return c.json(ts >= start && ts <= end ? [sample] : []);
  });

  return app;
}
