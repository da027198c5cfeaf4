import assert from "node:assert/strict";
import { errorBody, setup } from "../testing/api_env.ts";
import { UNIMPLEMENTED_ROUTES } from "./not_implemented.ts";

/** A concrete path for a Hono pattern: each `:param` becomes a plausible value. */
function concrete(path: string): string {
  return path.replaceAll(
    /:([A-Za-z]+)/g,
    (_, name: string) => name === "id" ? "abcdefghij0123456789" : `x-${name.toLowerCase()}`,
  );
}

Deno.test("E2B routes this server lacks answer 501 in E2B's shape; unknown paths stay 404", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 1 }]);
  const { sandboxID } = await (await env.call("POST", "/sandboxes", {
    body: { templateID: "base" },
  })).json();
  for (const route of UNIMPLEMENTED_ROUTES) {
    const path = concrete(route.path).replace("abcdefghij0123456789", sandboxID);
    for (const prefix of ["", "/kruise/api"]) {
      const res = await env.call(route.method, `${prefix}${path}`, { body: {} });
      const message = await errorBody(res, 501);
      assert.match(message, /not implemented/, `${route.method} ${path}`);
    }
  }
  // Still behind the API key, like every E2B route.
  await errorBody(await env.call("POST", "/v3/templates", { key: null, body: {} }), 401);
  // The real routes sharing a prefix are untouched, and unknown paths are still 404.
  assert.equal((await env.call("GET", `/sandboxes/${sandboxID}`)).status, 200);
  assert.equal((await env.call("GET", "/templates/base")).status, 200);
  await errorBody(await env.call("GET", "/templates/aliases/tags"), 404);
  await errorBody(await env.call("GET", "/nowhere"), 404);
  await errorBody(await env.call("PUT", `/sandboxes/${sandboxID}`, { body: {} }), 404);
  await errorBody(await env.call("GET", `/sandboxes/${sandboxID}/nothing`), 404);
});
