/**
 * The template routes: what a team can create from. A template is a SandboxSet name;
 * identically named SandboxSets in several visible namespaces are one template, and a
 * SandboxSet's `e2b.agents.kruise.io/aliases` are further names of it (see
 * `sandboxes/template_choice.ts`).
 *
 * - `GET /templates` (deprecated in E2B): every template at once.
 * - `GET /v2/templates`: pages of `limit` (≤ 100) with E2B's `nextToken` / `X-Next-Token`.
 * - `GET /templates/{templateID}`: E2B's `TemplateWithBuilds` for a name, an alias,
 *   `namespace/name` or `name:tag` (percent-encoded in the path, as the SDKs send it); its one
 *   build is the SandboxSet's current template. 404 as for a create.
 * - `GET /templates/aliases/{alias}` (`Template.exists`/`aliasExists`): 200
 *   `{templateID, public: false}` when the caller can create from it; 404 when it names nothing
 *   the caller can see (a tag it does not have included), as E2B answers for a name in the
 *   caller's namespace; 403 for `namespace/name` in another team's namespace, which the SDKs read
 *   as "exists, but not yours", without saying whether it does (so nothing leaks across teams).
 *
 * @module
 */
import { Hono } from "hono";
import type { SandboxSet } from "@kruise-agents/shared/api";
import type { AuthEnv } from "../auth/middleware.ts";
import type { Caller } from "../auth/api_keys.ts";
import { ApiError } from "../errors.ts";
import { canSee, type SandboxIndex } from "../sandboxes/sandbox_index.ts";
import { parseTemplatePageQuery, templatePage } from "../sandboxes/template_page.ts";
import { matchTemplates, parseTemplateRef, resolveTemplate } from "../sandboxes/template_choice.ts";
import { templateBody, templateWithBuildsBody, type ViewContext } from "./views.ts";

/** The visible templates: SandboxSets grouped by name. */
function templatesOf(index: SandboxIndex, caller: Caller): Map<string, SandboxSet[]> {
  const byName = new Map<string, SandboxSet[]>();
  for (const set of index.visibleSets(caller)) {
    const name = set.metadata.name ?? "";
    byName.set(name, [...byName.get(name) ?? [], set]);
  }
  return byName;
}

/** The template a path's reference names for `caller`, as its SandboxSets of that name; 404. */
function templateAt(index: SandboxIndex, caller: Caller, reference: string): SandboxSet[] {
  const ref = parseTemplateRef(reference);
  const set = resolveTemplate(ref, index.templateSets(ref.name, caller));
  const name = set.metadata.name ?? "";
  return matchTemplates({ ...ref, name }, index.templateSets(name, caller));
}

/** Builds the templates sub-app. */
export function templateRoutes(index: SandboxIndex, view: ViewContext): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get("/templates", (c) => {
    const byName = templatesOf(index, c.var.caller);
    const names = [...byName.keys()].sort();
    return c.json(names.map((n) => templateBody(byName.get(n)!, view)));
  });

  app.get("/v2/templates", (c) => {
    const query = parseTemplatePageQuery(new URL(c.req.url).searchParams);
    const byName = templatesOf(index, c.var.caller);
    const page = templatePage(byName.keys(), query);
    if (page.nextToken) c.header("X-Next-Token", page.nextToken);
    return c.json(page.ids.map((n) => templateBody(byName.get(n)!, view)));
  });

  app.get("/templates/aliases/:alias", (c) => {
    const caller = c.var.caller;
    const ref = parseTemplateRef(c.req.param("alias"));
    if (ref.namespace !== undefined && !canSee(caller, ref.namespace)) {
      throw new ApiError(403, "You don't have access to this template alias");
    }
    const set = resolveTemplate(ref, index.templateSets(ref.name, caller));
    return c.json({ templateID: set.metadata.name ?? "", public: false });
  });

  app.get("/templates/:templateID", (c) => {
    // The builds are paged as E2B pages them; a SandboxSet has one, so only the query is checked.
    parseTemplatePageQuery(new URL(c.req.url).searchParams);
    const sets = templateAt(index, c.var.caller, c.req.param("templateID"));
    return c.json(templateWithBuildsBody(sets, view));
  });

  return app;
}
