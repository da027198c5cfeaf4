/**
 * Template names through the API: aliases on a SandboxSet, E2B's `name:tag` form, the alias route
 * `Template.exists` calls, the template get route and `/v2/templates` pagination.
 */
import assert from "node:assert/strict";
import { ANNOTATION_TEMPLATE_ALIASES, LABEL_SANDBOX_ID } from "@kruise-agents/shared/api";
import { claimedObjects, errorBody, setup } from "../testing/api_env.ts";

const CODE_INTERPRETER = {
  namespace: "team-a",
  name: "code-interpreter",
  annotations: { [ANNOTATION_TEMPLATE_ALIASES]: "code-interpreter-v1,ci" },
};

Deno.test("a create by alias or name:tag claims from the aliased SandboxSet, as E2B reports it", async () => {
  await using env = await setup([
    { ...CODE_INTERPRETER, size: 3 },
    { namespace: "team-a", name: "base", size: 1 },
  ]);
  const create = (templateID: string) =>
    env.call("POST", "/v2/sandboxes", { body: { templateID } });

  const res = await create("code-interpreter-v1");
  assert.equal(res.status, 201);
  const body = await res.json();
  // E2B answers an alias create with the template's ID and its first alias.
  assert.equal(body.templateID, "code-interpreter");
  assert.equal(body.alias, "code-interpreter-v1");
  const [claimed] = await claimedObjects(env.kube);
  assert.equal(claimed?.metadata.labels?.[LABEL_SANDBOX_ID], body.sandboxID);
  assert.equal(claimed?.metadata.namespace, "team-a");

  assert.equal((await create("Code-Interpreter-V1:default")).status, 201);
  assert.equal((await create("team-a/ci")).status, 201);
  const base = await (await create("base:default")).json();
  assert.equal(base.templateID, "base");
  assert.equal(base.alias, "base");

  assert.equal(
    await errorBody(await create("code-interpreter-v1:v2"), 404),
    "template 'code-interpreter-v1' (code-interpreter) with tag 'v2' not found",
  );
  assert.equal(await errorBody(await create("nope:v2"), 404), "template 'nope' not found");
  await errorBody(await create("base:bad tag"), 400);
  await errorBody(
    await env.call("POST", "/v2/sandboxes", {
      key: env.keys.b,
      body: { templateID: "code-interpreter-v1" },
    }),
    404,
  );

  // getInfo and list know the sandbox by its template's names.
  const info = await (await env.call("GET", `/sandboxes/${body.sandboxID}`)).json();
  assert.equal(info.alias, "code-interpreter-v1");
  for (const template of ["code-interpreter-v1", "ci", "code-interpreter"]) {
    const listed = await (await env.call("GET", `/v2/sandboxes?template=${template}`)).json();
    assert.equal(listed.length, 3, template);
  }
});

Deno.test("the alias route answers Template.exists: 200, 404, or 403 outside the team", async () => {
  await using env = await setup([{ ...CODE_INTERPRETER, size: 0 }]);
  const alias = async (ref: string, key?: string) =>
    await env.call("GET", `/templates/aliases/${encodeURIComponent(ref)}`, key ? { key } : {});

  for (const ref of ["code-interpreter-v1", "ci", "code-interpreter", "team-a/ci", "ci:default"]) {
    const res = await alias(ref);
    assert.equal(res.status, 200, ref);
    assert.deepEqual(await res.json(), { templateID: "code-interpreter", public: false });
  }
  await errorBody(await alias("nope"), 404);
  await errorBody(await alias("ci:v2"), 404);
  // Team B sees nothing of team A's templates by name...
  await errorBody(await alias("code-interpreter-v1", env.keys.b), 404);
  // ...and a reference into team A's namespace is "not yours", whether or not it exists.
  await errorBody(await alias("team-a/code-interpreter-v1", env.keys.b), 403);
  await errorBody(await alias("team-a/nothing", env.keys.b), 403);
  const admin = await alias("team-a/ci", env.keys.admin);
  assert.equal(admin.status, 200);
  await errorBody(await alias("bad:tag!"), 400);
});

Deno.test("the template get route answers E2B's TemplateWithBuilds for names and aliases", async () => {
  await using env = await setup([{ ...CODE_INTERPRETER, size: 0 }]);
  for (const ref of ["code-interpreter", "code-interpreter-v1", "team-a/ci", "ci:default"]) {
    const res = await env.call("GET", `/templates/${encodeURIComponent(ref)}`);
    assert.equal(res.status, 200, ref);
    const body = await res.json();
    assert.equal(body.templateID, "code-interpreter");
    assert.deepEqual(body.aliases, ["code-interpreter-v1", "ci", "code-interpreter"]);
    assert.equal(body.buildStatus, "ready");
    assert.equal(body.builds.length, 1);
    assert.match(body.builds[0].buildID, /^[0-9a-f-]{36}$/);
    assert.equal(body.builds[0].status, "ready");
    for (const f of ["cpuCount", "memoryMB", "diskSizeMB", "createdAt", "updatedAt"]) {
      assert.ok(f in body.builds[0], f);
    }
  }
  await errorBody(await env.call("GET", "/templates/nope"), 404);
  await errorBody(await env.call("GET", "/templates/ci%3Av2"), 404);
  await errorBody(await env.call("GET", "/templates/code-interpreter", { key: env.keys.b }), 404);
  await errorBody(await env.call("GET", "/templates/code-interpreter?limit=0"), 400);
});

Deno.test("/v2/templates pages with limit, nextToken and X-Next-Token; /templates lists all", async () => {
  await using env = await setup([
    { namespace: "team-a", name: "t1", size: 0 },
    { namespace: "team-a", name: "t2", size: 0 },
    { namespace: "team-a", name: "t3", size: 0 },
    { namespace: "team-b", name: "other", size: 0 },
  ]);
  const seen: string[] = [];
  let token: string | null = null;
  let pages = 0;
  do {
    const q: string = token ? `&nextToken=${encodeURIComponent(token)}` : "";
    const res: Response = await env.call("GET", `/v2/templates?limit=2${q}`);
    assert.equal(res.status, 200);
    const page = await res.json();
    assert.ok(page.length <= 2);
    seen.push(...page.map((t: { templateID: string }) => t.templateID));
    token = res.headers.get("x-next-token");
    pages++;
  } while (token);
  assert.deepEqual(seen, ["t1", "t2", "t3"]);
  assert.equal(pages, 2);
  const all = await (await env.call("GET", "/v2/templates")).json();
  assert.equal(all.length, 3);
  for (
    const f of [
      "templateID",
      "buildID",
      "cpuCount",
      "memoryMB",
      "diskSizeMB",
      "public",
      "aliases",
      "names",
      "createdAt",
      "updatedAt",
      "createdBy",
      "lastSpawnedAt",
      "spawnCount",
      "buildCount",
      "envdVersion",
      "buildStatus",
    ]
  ) assert.ok(f in all[0], f);
  assert.equal((await (await env.call("GET", "/templates")).json()).length, 3);
  await errorBody(await env.call("GET", "/v2/templates?limit=101"), 400);
  await errorBody(await env.call("GET", "/v2/templates?nextToken=%25%25"), 400);
});
