/**
 * `GET /templates` and `GET /v2/templates`: the templates a team can create from. A template is
 * a SandboxSet name; identically named SandboxSets in several visible namespaces are listed once.
 *
 * @module
 */
import { Hono } from "hono";
import type { SandboxSet } from "@kruise-agents/shared/api";
import type { AuthEnv } from "../auth/middleware.ts";
import type { SandboxIndex } from "../sandboxes/sandbox_index.ts";
import { templateBody, type ViewContext } from "./views.ts";

/** Builds the templates sub-app. */
export function templateRoutes(index: SandboxIndex, view: ViewContext): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  for (const path of ["/templates", "/v2/templates"]) {
    app.get(path, (c) => {
      const byName = new Map<string, SandboxSet[]>();
      for (const set of index.visibleSets(c.var.caller)) {
        const name = set.metadata.name ?? "";
        byName.set(name, [...byName.get(name) ?? [], set]);
      }
      const names = [...byName.keys()].sort();
      return c.json(names.map((n) => templateBody(byName.get(n)!, view)));
    });
  }
  return app;
}
