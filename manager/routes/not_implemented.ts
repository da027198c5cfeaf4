/**
 * The E2B API routes this manager does not implement, answered with 501 in E2B's
 * `{code, message}` shape. Without them these paths fell to the catch-all 404, which the SDKs
 * read as "the sandbox does not exist" (`SandboxNotFoundError` on `updateNetwork`, `false` from
 * `deleteSnapshot`): a wrong answer, where 501 says what is true. Paths that are not E2B's stay
 * 404.
 *
 * The table is E2B's API surface as the published SDKs call it (npm `e2b` 2.51 `paths`, PyPI
 * `e2b` 2.63 `api/client/api/*`), minus what the other route files serve. It is mounted after
 * them, so a real route always wins.
 *
 * @module
 */
import { Hono } from "hono";
import type { AuthEnv } from "../auth/middleware.ts";
import { ApiError } from "../errors.ts";

/** One unimplemented route: method, Hono path, and the feature it belongs to. */
export interface UnimplementedRoute {
  /** HTTP method. */
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path, Hono syntax. */
  path: string;
  /** What is missing, for the message. */
  feature: string;
}

const SNAPSHOTS = "Snapshots (pause is supported; named snapshots are not)";
const FORK = "Forking a sandbox";
const NETWORK_UPDATE = "Changing a running sandbox's network (set it at create)";
const LOGS = "Sandbox logs";
const BUILDS = "Template builds (templates are SandboxSets, applied with kubectl)";
const TEMPLATE_CHANGES = "Changing or deleting templates through the API (edit the SandboxSet)";
const TAGS = "Template tags (a template has one build, tag 'default')";
const DEFAULT_TEMPLATES = "The default-templates catalogue";
const SECRETS = "Secrets";
const VOLUMES = "Volumes (use volumeMounts naming a PersistentVolume at create)";
const TEAMS = "Teams and team metrics";

/** Every route answered with 501, grouped by feature. */
export const UNIMPLEMENTED_ROUTES: readonly UnimplementedRoute[] = [
  { method: "POST", path: "/sandboxes/:id/snapshots", feature: SNAPSHOTS },
  { method: "GET", path: "/snapshots", feature: SNAPSHOTS },
  { method: "POST", path: "/sandboxes/:id/fork", feature: FORK },
  { method: "PUT", path: "/sandboxes/:id/network", feature: NETWORK_UPDATE },
  { method: "GET", path: "/sandboxes/:id/logs", feature: LOGS },
  { method: "GET", path: "/v2/sandboxes/:id/logs", feature: LOGS },
  { method: "POST", path: "/v3/templates", feature: BUILDS },
  { method: "POST", path: "/v2/templates", feature: BUILDS },
  { method: "POST", path: "/templates", feature: BUILDS },
  { method: "POST", path: "/templates/:templateID", feature: BUILDS },
  { method: "POST", path: "/v2/templates/:templateID/builds/:buildID", feature: BUILDS },
  { method: "POST", path: "/templates/:templateID/builds/:buildID", feature: BUILDS },
  { method: "GET", path: "/templates/:templateID/files/:hash", feature: BUILDS },
  { method: "GET", path: "/templates/:templateID/builds/:buildID/status", feature: BUILDS },
  { method: "GET", path: "/templates/:templateID/builds/:buildID/logs", feature: BUILDS },
  { method: "PATCH", path: "/templates/:templateID", feature: TEMPLATE_CHANGES },
  { method: "PATCH", path: "/v2/templates/:templateID", feature: TEMPLATE_CHANGES },
  { method: "DELETE", path: "/templates/:templateID", feature: TEMPLATE_CHANGES },
  { method: "POST", path: "/templates/tags", feature: TAGS },
  { method: "DELETE", path: "/templates/tags", feature: TAGS },
  { method: "GET", path: "/templates/:templateID/tags", feature: TAGS },
  { method: "GET", path: "/templates/:templateID/tags/count", feature: TAGS },
  { method: "GET", path: "/templates/:templateID/tags/exists", feature: TAGS },
  { method: "GET", path: "/templates/:templateID/tags/groups", feature: TAGS },
  { method: "GET", path: "/templates/:templateID/tags/:tag/assignments", feature: TAGS },
  { method: "GET", path: "/default-templates", feature: DEFAULT_TEMPLATES },
  { method: "GET", path: "/secrets", feature: SECRETS },
  { method: "POST", path: "/secrets", feature: SECRETS },
  { method: "GET", path: "/secrets/:secretID", feature: SECRETS },
  { method: "POST", path: "/secrets/:secretID", feature: SECRETS },
  { method: "DELETE", path: "/secrets/:secretID", feature: SECRETS },
  { method: "GET", path: "/volumes", feature: VOLUMES },
  { method: "POST", path: "/volumes", feature: VOLUMES },
  { method: "GET", path: "/volumes/:volumeID", feature: VOLUMES },
  { method: "DELETE", path: "/volumes/:volumeID", feature: VOLUMES },
  { method: "GET", path: "/teams", feature: TEAMS },
  { method: "GET", path: "/teams/:teamID/metrics", feature: TEAMS },
  { method: "GET", path: "/teams/:teamID/metrics/max", feature: TEAMS },
];

/** Builds the sub-app answering {@linkcode UNIMPLEMENTED_ROUTES} with 501. */
export function notImplementedRoutes(): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  for (const route of UNIMPLEMENTED_ROUTES) {
    app.on(route.method, route.path, (c) => {
      throw new ApiError(
        501,
        `${route.feature}: not implemented by this server (${c.req.method} ${c.req.path})`,
      );
    });
  }
  return app;
}
