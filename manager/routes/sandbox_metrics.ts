/**
 * The metrics routes (§A.3): `GET /sandboxes/{id}/metrics?start=&end=` (the samples between two
 * Unix seconds, from the manager's short history, `sandboxes/metrics_history.ts`) and the batch
 * form `GET /sandboxes/metrics?sandbox_ids=a,b` (E2B's `SandboxesWithMetrics`: the latest sample of
 * each sandbox the caller may see, at most 100 IDs, unknown ones left out).
 *
 * Mounted before the lifecycle routes, so `/sandboxes/metrics` is not taken for a sandbox ID.
 *
 * @module
 */
import { Hono } from "hono";
import type { AuthEnv } from "../auth/middleware.ts";
import { ApiError } from "../errors.ts";
import type { MetricSample, MetricsRange } from "../sandboxes/metrics_history.ts";
import { e2bState } from "../sandboxes/state.ts";
import type { SandboxRoutesDeps } from "./sandboxes.ts";

/** E2B's bound on the batch form. */
export const MAX_BATCH_METRICS = 100;

function unixSeconds(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new ApiError(400, `Invalid ${name} "${value}": expected Unix seconds`);
  }
  return n;
}

/**
 * Parses `start` and `end` (Unix seconds, both optional); 400 for garbage or an end before the
 * start (E2B's "Invalid time range for metrics").
 */
export function parseMetricsRange(start?: string, end?: string): MetricsRange {
  const range = { start: unixSeconds(start, "start"), end: unixSeconds(end, "end") };
  if (range.start !== undefined && range.end !== undefined && range.start > range.end) {
    throw new ApiError(400, "Invalid time range for metrics: start is after end");
  }
  return range;
}

/** The IDs of the batch form: comma-separated and/or repeated; 400 past the bound or for none. */
export function parseSandboxIds(values: readonly string[]): string[] {
  const ids = [...new Set(values.flatMap((v) => v.split(",")).map((v) => v.trim()))]
    .filter((id) => id !== "");
  if (ids.length === 0) throw new ApiError(400, '"sandbox_ids" is required');
  if (ids.length > MAX_BATCH_METRICS) {
    throw new ApiError(400, `Too many sandboxes requested, maximum is ${MAX_BATCH_METRICS}`);
  }
  return ids;
}

/** Builds the metrics sub-app (mounted at `/` by `sandboxRoutes`). */
export function sandboxMetricsRoutes(
  deps: Pick<SandboxRoutesDeps, "lifecycle" | "index" | "metrics" | "clock">,
): Hono<AuthEnv> {
  const { lifecycle, index, metrics, clock } = deps;
  const app = new Hono<AuthEnv>();

  app.get("/sandboxes/metrics", async (c) => {
    const ids = parseSandboxIds(c.req.queries("sandbox_ids") ?? []);
    const now = clock.now();
    const sandboxes: Record<string, MetricSample> = {};
    await Promise.all(ids.map(async (id) => {
      const sandbox = await index.find(id, c.var.caller);
      if (!sandbox || e2bState(sandbox, now) === "gone") return;
      const sample = await metrics.latest(sandbox, c.req.raw.signal);
      if (sample) sandboxes[id] = sample;
    }));
    return c.json({ sandboxes });
  });

  app.get("/sandboxes/:id/metrics", async (c) => {
    const range = parseMetricsRange(c.req.query("start"), c.req.query("end"));
    const sandbox = await lifecycle.get(c.req.param("id"), c.var.caller);
    return c.json(await metrics.range(sandbox, range, c.req.raw.signal));
  });

  return app;
}
