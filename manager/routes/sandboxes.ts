/**
 * The sandbox routes of the E2B REST API, v1 and v2 paths (§A.3), each a thin adapter: parse,
 * call `sandboxes/`, render with E2B's exact success status.
 *
 * @module
 */
import { Hono } from "hono";
import type { AuthEnv } from "../auth/middleware.ts";
import type { Claimer } from "../sandboxes/claim.ts";
import type { Lifecycle } from "../sandboxes/lifecycle.ts";
import { type ListEntry, listPage, parseListQuery } from "../sandboxes/list_query.ts";
import { readMetadata } from "../sandboxes/metadata.ts";
import type { RuntimeClient } from "../sandboxes/runtime_client.ts";
import type { SandboxIndex } from "../sandboxes/sandbox_index.ts";
import { e2bState, sandboxIdOf, startedAtMs, templateIdOf } from "../sandboxes/state.ts";
import { detailBody, listedBody, metricBody, sandboxBody, type ViewContext } from "./views.ts";
import { ANNOTATION_RUNTIME_ACCESS_TOKEN, type Sandbox } from "@kruise-agents/shared/api";
import type { Clock } from "@kruise-agents/shared/std";
import {
  parseNewSandbox,
  parseTimeoutBody,
  readJson,
  type TimeoutLimits,
  V1_DEFAULT_TIMEOUT,
  V2_DEFAULT_TIMEOUT,
} from "./bodies.ts";

/** What the sandbox routes use. */
export interface SandboxRoutesDeps {
  /** Caches and lookups. */
  index: SandboxIndex;
  /** Creates. */
  claimer: Claimer;
  /** Everything after create. */
  lifecycle: Lifecycle;
  /** Runtime calls (metrics). */
  runtime: RuntimeClient;
  /** Domain and envd version for bodies. */
  view: ViewContext;
  /** Timeout bounds. */
  limits: TimeoutLimits;
  /** Current time. */
  clock: Clock;
}

interface Entry extends ListEntry {
  sandbox: Sandbox;
}

/** Builds the sandbox sub-app (mounted at `/`). */
export function sandboxRoutes(deps: SandboxRoutesDeps): Hono<AuthEnv> {
  const { index, claimer, lifecycle, view, limits, clock } = deps;
  const app = new Hono<AuthEnv>();

  const entries = (sandboxes: Sandbox[], at: number): Entry[] =>
    sandboxes.map((sandbox) => ({
      sandbox,
      sandboxId: sandboxIdOf(sandbox),
      templateIds: [templateIdOf(sandbox)],
      startedAt: startedAtMs(sandbox),
      state: e2bState(sandbox, at) === "paused" ? "paused" : "running",
      metadata: readMetadata(sandbox),
    }));

  for (const [path, v2] of [["/sandboxes", false], ["/v2/sandboxes", true]] as const) {
    app.post(path, async (c) => {
      const body = parseNewSandbox(await readJson(c.req.raw), limits, { v2 });
      const sandbox = await claimer.create(body, c.var.caller, c.req.raw.signal);
      return c.json(sandboxBody(sandbox, view), 201);
    });
  }

  app.get("/v2/sandboxes", (c) => {
    const at = clock.now();
    const query = parseListQuery(new URL(c.req.url).searchParams);
    const page = listPage(entries(index.visible(c.var.caller, at), at), query);
    if (page.nextToken) c.header("X-Next-Token", page.nextToken);
    return c.json(page.items.map((e) => listedBody(e.sandbox, view, at)));
  });

  app.get("/sandboxes", (c) => {
    const at = clock.now();
    const query = parseListQuery(new URL(c.req.url).searchParams, { v1: true });
    query.limit = Number.MAX_SAFE_INTEGER; // v1 lists everything at once
    const page = listPage(entries(index.visible(c.var.caller, at), at), query);
    return c.json(page.items.map((e) => listedBody(e.sandbox, view, at)));
  });

  app.get("/sandboxes/:id", async (c) => {
    const sandbox = await lifecycle.get(c.req.param("id"), c.var.caller);
    return c.json(detailBody(sandbox, view, clock.now()));
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
    const seconds = parseTimeoutBody(
      await readJson(c.req.raw),
      limits,
      V1_DEFAULT_TIMEOUT,
      "duration",
    );
    await lifecycle.refresh(c.req.param("id"), c.var.caller, seconds);
    return c.body(null, 204);
  });

  app.post("/sandboxes/:id/pause", async (c) => {
    await readJson(c.req.raw); // `{memory}` is accepted; every pause keeps memory
    await lifecycle.pause(c.req.param("id"), c.var.caller);
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
      return c.json(sandboxBody(result.sandbox, view), result.resumed ? 201 : 200);
    });
  }

  app.post("/sandboxes/:id/resume", async (c) => {
    const seconds = parseTimeoutBody(await readJson(c.req.raw), limits, V1_DEFAULT_TIMEOUT);
    const sandbox = await lifecycle.resume(c.req.param("id"), c.var.caller, seconds);
    return c.json(sandboxBody(sandbox, view), 201);
  });

  app.get("/sandboxes/:id/metrics", async (c) => {
    const id = c.req.param("id");
    const sandbox = await lifecycle.get(id, c.var.caller);
    const at = clock.now();
    if (e2bState(sandbox, at) !== "running") return c.json([]);
    const token = sandbox.metadata.annotations?.[ANNOTATION_RUNTIME_ACCESS_TOKEN] ?? "";
    const sample = metricBody(
      await deps.runtime.metrics(sandbox.status?.sandboxIp ?? "", token, c.req.raw.signal),
      at,
    );
    // The runtime keeps no history: one current sample, if it falls in [start, end].
    const start = Number(c.req.query("start") ?? -Infinity);
    const end = Number(c.req.query("end") ?? Infinity);
    const ts = sample.timestampUnix as number;
    return c.json(ts >= start && ts <= end ? [sample] : []);
  });

  return app;
}
