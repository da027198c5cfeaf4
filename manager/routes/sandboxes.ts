/**
 * The sandbox routes of the E2B REST API, v1 and v2 paths (§A.3), each a thin adapter: parse,
 * call `sandboxes/`, render with E2B's exact success status. Split, as Hono advises, into one
 * sub-app per concern, mounted with `app.route()`: the collection (create, list) here, the
 * metrics in `sandbox_metrics.ts` and one sandbox's lifecycle in `sandbox_lifecycle.ts`, in that
 * order (`/sandboxes/metrics` must not be read as a sandbox ID).
 *
 * A create with an `Idempotency-Key` header that repeats an earlier one of the same team answers
 * like the first: 201 with the same sandbox (see `sandboxes/idempotency.ts`).
 *
 * @module
 */
import { Hono } from "hono";
import type { AuthEnv } from "../auth/middleware.ts";
import type { Claimer } from "../sandboxes/claim.ts";
import type { Lifecycle } from "../sandboxes/lifecycle.ts";
import { type ListEntry, listPage, parseListQuery } from "../sandboxes/list_query.ts";
import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey } from "../sandboxes/idempotency.ts";
import { readMetadata } from "../sandboxes/metadata.ts";
import type { MetricsHistory } from "../sandboxes/metrics_history.ts";
import type { SandboxIndex } from "../sandboxes/sandbox_index.ts";
import { e2bState, sandboxIdOf, startedAtMs } from "../sandboxes/state.ts";
import { listedBody, sandboxBody, sandboxTemplateNames, type ViewContext } from "./views.ts";
import type { SandboxTokens } from "../sandboxes/tokens.ts";
import type { Sandbox } from "@kruise-agents/shared/api";
import type { Clock } from "@kruise-agents/shared/std";
import { parseNewSandbox, readJson, type TimeoutLimits } from "./bodies.ts";
import { sandboxLifecycleRoutes } from "./sandbox_lifecycle.ts";
import { sandboxMetricsRoutes } from "./sandbox_metrics.ts";

/** What the sandbox routes use. */
export interface SandboxRoutesDeps {
  /** Caches and lookups. */
  index: SandboxIndex;
  /** Creates. */
  claimer: Claimer;
  /** Everything after create. */
  lifecycle: Lifecycle;
  /** The metrics samples of recently watched sandboxes. */
  metrics: MetricsHistory;
  /** The sandboxes' tokens, for the bodies that report them. */
  tokens: SandboxTokens;
  /** Domain and envd version for bodies. */
  view: ViewContext;
  /** Timeout bounds. */
  limits: TimeoutLimits;
  /** Current time. */
  clock: Clock;
}

/** Builds the sandbox sub-app (mounted at `/`): the collection, lifecycle and metrics routes. */
export function sandboxRoutes(deps: SandboxRoutesDeps): Hono<AuthEnv> {
  return new Hono<AuthEnv>()
    .route("/", sandboxCollectionRoutes(deps))
    .route("/", sandboxMetricsRoutes(deps))
    .route("/", sandboxLifecycleRoutes(deps));
}

interface Entry extends ListEntry {
  sandbox: Sandbox;
}

/** What a list page is cut from: each sandbox with the fields the list query filters on. */
function listEntries(sandboxes: Sandbox[], at: number): Entry[] {
  return sandboxes.map((sandbox) => ({
    sandbox,
    sandboxId: sandboxIdOf(sandbox),
    templateIds: sandboxTemplateNames(sandbox),
    startedAt: startedAtMs(sandbox),
    state: e2bState(sandbox, at) === "paused" ? "paused" : "running",
    metadata: readMetadata(sandbox),
  }));
}

/** `POST` and `GET` on `/sandboxes` and `/v2/sandboxes`: create and list. */
function sandboxCollectionRoutes(deps: SandboxRoutesDeps): Hono<AuthEnv> {
  const { index, claimer, view, limits, clock, tokens } = deps;
  const app = new Hono<AuthEnv>();

  for (const [path, v2] of [["/sandboxes", false], ["/v2/sandboxes", true]] as const) {
    app.post(path, async (c) => {
      const idempotencyKey = parseIdempotencyKey(c.req.header(IDEMPOTENCY_KEY_HEADER));
      const body = parseNewSandbox(await readJson(c.req.raw), limits, { v2 });
      const sandbox = await claimer.create(
        { ...body, idempotencyKey },
        c.var.caller,
        c.req.raw.signal,
      );
      return c.json(sandboxBody(sandbox, view, await tokens.of(sandbox)), 201);
    });
  }

  app.get("/v2/sandboxes", (c) => {
    const at = clock.now();
    const query = parseListQuery(new URL(c.req.url).searchParams);
    const page = listPage(listEntries(index.visible(c.var.caller, at), at), query);
    if (page.nextToken) c.header("X-Next-Token", page.nextToken);
    return c.json(page.items.map((e) => listedBody(e.sandbox, view, at)));
  });

  app.get("/sandboxes", (c) => {
    const at = clock.now();
    const query = parseListQuery(new URL(c.req.url).searchParams, { v1: true });
    query.limit = Number.MAX_SAFE_INTEGER; // v1 lists everything at once
    const page = listPage(listEntries(index.visible(c.var.caller, at), at), query);
    return c.json(page.items.map((e) => listedBody(e.sandbox, view, at)));
  });

  return app;
}
