/**
 * The API end to end in one process, without a socket for the API: `manager.api(request)`
 * against the embedded store seeded with warm pools whose sandboxes are real runtimes on
 * loopback addresses (so `/init` is really called and checked).
 */
import assert from "node:assert/strict";
import {
  ANNOTATION_CSI_VOLUME_CONFIG,
  ANNOTATION_OWNER,
  ANNOTATION_RUNTIME_ACCESS_TOKEN,
  LABEL_SANDBOX_ID,
  METADATA_CPU_LIMIT,
  METADATA_CPU_REQUEST,
  METADATA_CSI_MOUNT_POINT,
  METADATA_CSI_VOLUME_NAME,
  METADATA_IMAGE,
  sandboxToken,
} from "@kruise-agents/shared/api";
import { EmbeddedStore } from "@kruise-agents/shared/kube";
import { seedPool, testKeys, testManager, testTokenKey } from "./testing/fixtures.ts";
import {
  claimedObjects,
  createCsiVolume,
  errorBody,
  METRIC_FIELDS,
  setup,
  TEST_CSI,
} from "./testing/api_env.ts";

Deno.test("create claims a warm sandbox with one write and late-binds it through /init", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 2 }]);
  const res = await env.call("POST", "/sandboxes", {
    body: { templateID: "base", timeout: 60, metadata: { owner: "me" }, envVars: { FOO: "bar" } },
  });
  assert.equal(res.status, 201);
  const body = await res.json();
  assert.match(body.sandboxID, /^[a-z0-9]{20}$/);
  assert.equal(body.templateID, "base");
  assert.equal(body.clientID, "6532622b");
  assert.equal(body.envdVersion, "0.6.13");
  assert.equal(body.domain, "sandbox.test");
  assert.equal(typeof body.envdAccessToken, "string");

  const [claimed, ...rest] = await claimedObjects(env.kube);
  assert.equal(rest.length, 0);
  const meta = claimed!.metadata;
  assert.equal(meta.labels?.[LABEL_SANDBOX_ID], body.sandboxID);
  assert.deepEqual(meta.ownerReferences ?? [], []);
  // The token is derived from the Sandbox's identity, never stored on it.
  assert.equal(meta.annotations?.[ANNOTATION_RUNTIME_ACCESS_TOKEN], undefined);
  assert.equal(body.envdAccessToken, await sandboxToken(await testTokenKey(), "envd", meta));
  assertOwnerIsKeyId(meta.annotations?.[ANNOTATION_OWNER]);
  const shutdown = Date.parse((claimed!.spec as { shutdownTime: string }).shutdownTime);
  assert.ok(shutdown > Date.now() + 50_000 && shutdown <= Date.now() + 60_000);

  // The runtime really got /init: its token and env vars are the claim's.
  const ip = (claimed!.status as { sandboxIp: string }).sandboxIp;
  const runtime = env.runtimes.byIp.get(ip)!;
  assert.equal(runtime.state.accessToken, body.envdAccessToken);
  assert.equal(runtime.state.envVars.FOO, "bar");
  assert.equal(runtime.state.envVars.E2B_SANDBOX_ID, body.sandboxID);

  const info = await env.call("GET", `/sandboxes/${body.sandboxID}`);
  assert.equal(info.status, 200);
  const detail = await info.json();
  assert.deepEqual(detail.metadata, { owner: "me" });
  assert.equal(detail.state, "running");
  assert.equal(detail.cpuCount, 2);
  assert.equal(detail.memoryMB, 1024);
  for (
    const f of [
      "templateID",
      "sandboxID",
      "clientID",
      "startedAt",
      "endAt",
      "diskSizeMB",
      "envdVersion",
    ]
  ) {
    assert.ok(f in detail, `detail lacks ${f}`);
  }
});

function assertOwnerIsKeyId(owner: string | undefined): void {
  assert.match(owner ?? "", /^[0-9a-f-]{36}$/);
}

Deno.test("v2 create defaults the timeout to 300 s and v1 connect requires one", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 1 }]);
  const res = await env.call("POST", "/v2/sandboxes", { body: { templateID: "base" } });
  assert.equal(res.status, 201);
  const { sandboxID } = await res.json();
  const [claimed] = await claimedObjects(env.kube);
  const shutdown = Date.parse((claimed!.spec as { shutdownTime: string }).shutdownTime);
  assert.ok(shutdown > Date.now() + 290_000);
  await errorBody(await env.call("POST", `/sandboxes/${sandboxID}/connect`, { body: {} }), 400);
  const v2 = await env.call("POST", `/v2/sandboxes/${sandboxID}/connect`);
  assert.equal(v2.status, 200);
  assert.equal((await v2.json()).sandboxID, sandboxID);
});

Deno.test("errors carry E2B's {code, message} body", async (t) => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 1 }]);
  await t.step("missing and wrong API keys are 401", async () => {
    await errorBody(await env.call("GET", "/v2/sandboxes", { key: null }), 401);
    await errorBody(await env.call("GET", "/v2/sandboxes", { key: `e2b_${"0".repeat(40)}` }), 401);
  });
  await t.step("malformed JSON is 400", async () => {
    await errorBody(await env.call("POST", "/sandboxes", { raw: "{not json" }), 400);
  });
  await t.step("out-of-range timeouts are 400", async () => {
    for (const timeout of [0, -5, 3601, 1.5, "60"]) {
      await errorBody(
        await env.call("POST", "/sandboxes", { body: { templateID: "base", timeout } }),
        400,
      );
    }
    assert.equal(await claimedObjects(env.kube).then((l) => l.length), 0);
  });
  await t.step("an unknown template is 404, as E2B answers it", async () => {
    const msg = await errorBody(
      await env.call("POST", "/sandboxes", { body: { templateID: "nope" } }),
      404,
    );
    assert.equal(msg, "template 'nope' not found");
  });
  await t.step("another team's template is unknown too", async () => {
    await errorBody(
      await env.call("POST", "/sandboxes", { key: env.keys.b, body: { templateID: "base" } }),
      404,
    );
  });
  await t.step("reserved metadata keys are 400", async () => {
    await errorBody(
      await env.call("POST", "/sandboxes", {
        body: { templateID: "base", metadata: { "agents.kruise.io/owner": "x" } },
      }),
      400,
    );
  });
  await t.step("unknown sandboxes are 404 on every route", async () => {
    for (
      const [m, p] of [
        ["GET", "/sandboxes/abc"],
        ["DELETE", "/sandboxes/abc"],
        ["POST", "/sandboxes/abc/pause"],
        ["POST", "/sandboxes/abc/timeout"],
        ["GET", "/sandboxes/abc/metrics"],
      ] as const
    ) {
      await errorBody(await env.call(m, p, { body: { timeout: 10 } }), 404);
    }
  });
  await t.step("unknown paths are 404 JSON", async () => {
    await errorBody(await env.call("GET", "/nowhere"), 404);
  });
});

Deno.test("kill answers 204 then 404, and teams cannot see or kill each other's sandboxes", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 1 }]);
  const { sandboxID } =
    await (await env.call("POST", "/sandboxes", { body: { templateID: "base" } })).json();
  await errorBody(await env.call("GET", `/sandboxes/${sandboxID}`, { key: env.keys.b }), 404);
  await errorBody(await env.call("DELETE", `/sandboxes/${sandboxID}`, { key: env.keys.b }), 404);
  assert.deepEqual(await (await env.call("GET", "/v2/sandboxes", { key: env.keys.b })).json(), []);
  const adminList = await (await env.call("GET", "/v2/sandboxes", { key: env.keys.admin })).json();
  assert.deepEqual(adminList.map((s: { sandboxID: string }) => s.sandboxID), [sandboxID]);

  const kill = await env.call("DELETE", `/sandboxes/${sandboxID}`);
  assert.equal(kill.status, 204);
  await errorBody(await env.call("DELETE", `/sandboxes/${sandboxID}`), 404);
  await errorBody(await env.call("GET", `/sandboxes/${sandboxID}`), 404);
  assert.equal((await claimedObjects(env.kube)).length, 0);
});

Deno.test("timeout may shorten, connect and refreshes only extend", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 1 }]);
  const { sandboxID } =
    await (await env.call("POST", "/sandboxes", { body: { templateID: "base", timeout: 600 } }))
      .json();
  const endAt = async () => (await (await env.call("GET", `/sandboxes/${sandboxID}`)).json()).endAt;
  const first = await endAt();
  const c = await env.call("POST", `/sandboxes/${sandboxID}/connect`, { body: { timeout: 30 } });
  assert.equal(c.status, 200);
  assert.equal(await endAt(), first, "a shorter connect must not change endAt");
  assert.equal(
    (await env.call("POST", `/sandboxes/${sandboxID}/refreshes`, { body: { duration: 5 } })).status,
    204,
  );
  assert.equal(await endAt(), first);
  assert.equal(
    (await env.call("POST", `/sandboxes/${sandboxID}/timeout`, { body: { timeout: 30 } })).status,
    204,
  );
  const shorter = Date.parse(await endAt());
  assert.ok(shorter < Date.parse(first));
  assert.ok(shorter <= Date.now() + 30_000);
});

Deno.test("pause is 204 then 409; connect resumes with 201 and the same token", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 1 }]);
  const created = await (await env.call("POST", "/sandboxes", { body: { templateID: "base" } }))
    .json();
  const id = created.sandboxID;
  assert.equal(
    (await env.call("POST", `/sandboxes/${id}/pause`, { body: { memory: true } })).status,
    204,
  );
  await errorBody(await env.call("POST", `/sandboxes/${id}/pause`), 409);
  const info = await (await env.call("GET", `/sandboxes/${id}`)).json();
  assert.equal(info.state, "paused");
  // A paused sandbox is kept for the paused retention (24 h by default), then deleted.
  const keptUntil = Date.parse(info.endAt);
  assert.ok(Math.abs(keptUntil - (Date.now() + 86_400_000)) < 60_000, info.endAt);
  await errorBody(
    await env.call("POST", `/sandboxes/${id}/timeout`, { body: { timeout: 10 } }),
    404,
  );
  const paused = await (await env.call("GET", "/v2/sandboxes?state=paused")).json();
  assert.deepEqual(paused.map((s: { sandboxID: string }) => s.sandboxID), [id]);
  assert.deepEqual(await (await env.call("GET", "/v2/sandboxes?state=running")).json(), []);

  const resumed = await env.call("POST", `/sandboxes/${id}/connect`, { body: { timeout: 60 } });
  assert.equal(resumed.status, 201);
  const body = await resumed.json();
  assert.equal(body.envdAccessToken, created.envdAccessToken);
  assert.equal((await (await env.call("GET", `/sandboxes/${id}`)).json()).state, "running");
  await errorBody(
    await env.call("POST", `/sandboxes/${id}/resume`, { body: { timeout: 60 } }),
    409,
  );
});

Deno.test("list filters by metadata, state and template, and pages with X-Next-Token", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 5 }]);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await env.call("POST", "/sandboxes", {
      body: { templateID: "base", metadata: { n: String(i), parity: i % 2 ? "odd" : "even" } },
    });
    ids.push((await res.json()).sandboxID);
  }
  const filter = encodeURIComponent(`parity=${encodeURIComponent("odd")}`);
  const odd = await (await env.call("GET", `/v2/sandboxes?metadata=${filter}`)).json();
  assert.deepEqual(
    new Set(odd.map((s: { sandboxID: string }) => s.sandboxID)),
    new Set([ids[1], ids[3]]),
  );
  assert.deepEqual(await (await env.call("GET", "/v2/sandboxes?template=other")).json(), []);

  const seen: string[] = [];
  let token: string | null = null;
  do {
    const q: string = token ? `&nextToken=${encodeURIComponent(token)}` : "";
    const res: Response = await env.call("GET", `/v2/sandboxes?limit=2&order=asc${q}`);
    assert.equal(res.status, 200);
    const page = await res.json();
    assert.ok(page.length <= 2);
    seen.push(...page.map((s: { sandboxID: string }) => s.sandboxID));
    token = res.headers.get("x-next-token");
  } while (token);
  assert.equal(seen.length, 5);
  assert.deepEqual(new Set(seen), new Set(ids));
  const v1 = await (await env.call("GET", "/sandboxes")).json();
  assert.equal(v1.length, 5);
});

Deno.test("50 concurrent creates on a pool of 50 all succeed and never share a sandbox", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 50 }]);
  const results = await Promise.all(
    Array.from(
      { length: 50 },
      () => env.call("POST", "/v2/sandboxes", { body: { templateID: "base" } }),
    ),
  );
  const bodies = await Promise.all(results.map(async (r) => {
    assert.equal(r.status, 201, await r.clone().text());
    return await r.json();
  }));
  assert.equal(new Set(bodies.map((b) => b.sandboxID)).size, 50);
  const claimed = await claimedObjects(env.kube);
  assert.equal(claimed.length, 50);
  assert.equal(new Set(claimed.map((s) => s.metadata.name)).size, 50);
  assert.equal(new Set(claimed.map((s) => s.metadata.labels?.[LABEL_SANDBOX_ID])).size, 50);
  // Every runtime was initialised exactly by its own claim.
  for (const s of claimed) {
    const rt = env.runtimes.byIp.get((s.status as { sandboxIp: string }).sandboxIp)!;
    assert.equal(rt.state.envVars.E2B_SANDBOX_ID, s.metadata.labels?.[LABEL_SANDBOX_ID]);
  }
});

Deno.test("an empty pool creates a cold sandbox, claimed from the start, and waits for it", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 0 }], {
    coldRuntimes: 1,
  });
  const res = await env.call("POST", "/sandboxes", { body: { templateID: "base" } });
  assert.equal(res.status, 201, await res.clone().text());
  const body = await res.json();
  const [cold] = await claimedObjects(env.kube);
  assert.equal(cold?.metadata.labels?.[LABEL_SANDBOX_ID], body.sandboxID);
  assert.equal(cold?.metadata.ownerReferences, undefined);
  const rt = env.runtimes.byIp.get(env.runtimes.ips[0]!)!;
  assert.equal(rt.state.accessToken, body.envdAccessToken);
});

Deno.test("a team past its sandbox limit gets E2B's 429; a paused sandbox counts, a killed one not", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 3 }], {
    limits: { "team-a": { maxSandboxes: 2 } },
  });
  const create = () => env.call("POST", "/sandboxes", { body: { templateID: "base" } });
  const first = await (await create()).json();
  const second = await create();
  assert.equal(second.status, 201);
  assert.match(await errorBody(await create(), 429), /at most 2 sandboxes/);
  // Paused, it still counts; killed, it no longer does.
  assert.equal((await env.call("POST", `/sandboxes/${first.sandboxID}/pause`)).status, 204);
  assert.equal((await create()).status, 429);
  assert.equal((await env.call("DELETE", `/sandboxes/${first.sandboxID}`)).status, 204);
  assert.equal((await create()).status, 201);
  // Another team is not limited by team-a's limit.
  assert.equal(
    (await env.call("POST", "/sandboxes", { key: env.keys.b, body: { templateID: "base" } }))
      .status,
    404,
  );
});

Deno.test("a create whose /init fails leaves no claimed sandbox behind", async () => {
  const kube = await EmbeddedStore.open();
  // Addresses nothing listens on: every /init fails.
  await seedPool(kube, { namespace: "team-a", name: "base", ips: ["127.0.0.1", "127.0.0.1"] });
  const { keys, a } = await testKeys();
  const manager = await testManager(kube, keys, {
    fetch: () => Promise.reject(new TypeError("connection refused")),
  });
  try {
    const res = await manager.api(
      new Request("http://api.test/sandboxes", {
        method: "POST",
        headers: { "x-api-key": a },
        body: JSON.stringify({
          templateID: "base",
          metadata: { "e2b.agents.kruise.io/create-on-no-stock": "false" },
        }),
      }),
    );
    assert.ok(res.status >= 500, `status ${res.status}`);
    assert.equal((await claimedObjects(kube)).length, 0);
  } finally {
    await manager[Symbol.asyncDispose]();
    await kube.close();
  }
});

Deno.test("the seed's extension metadata keys are stored on the sandbox; the image goes into its template", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 1 }]);
  await createCsiVolume(env.kube, "pv-1");
  const res = await env.call("POST", "/sandboxes", {
    body: {
      templateID: "base",
      metadata: {
        [METADATA_IMAGE]: "registry/image:2",
        [METADATA_CSI_VOLUME_NAME]: "pv-1",
        [METADATA_CSI_MOUNT_POINT]: "/data",
      },
    },
  });
  assert.equal(res.status, 201);
  const [s] = await claimedObjects(env.kube);
  assert.equal(s?.metadata.annotations?.[METADATA_IMAGE], "registry/image:2");
  const containers = (s?.spec as { template: { spec: { containers: { image: string }[] } } })
    .template.spec.containers;
  assert.equal(containers[0]?.image, "registry/image:2", "the controller upgrades it in place");
  assert.deepEqual(JSON.parse(s?.metadata.annotations?.[ANNOTATION_CSI_VOLUME_CONFIG] ?? ""), [
    { pvName: "pv-1", mountPath: "/data", ...TEST_CSI },
  ]);
});

Deno.test("identically named templates are one: creates go where the stock is; ns/name pins", async () => {
  await using env = await setup([
    { namespace: "ns-a", name: "tpl", size: 1 },
    { namespace: "ns-b", name: "tpl", size: 2 },
  ]);
  const create = async (templateID: string) => {
    const res = await env.call("POST", "/sandboxes", { key: env.keys.admin, body: { templateID } });
    assert.equal(res.status, 201);
    return (await res.json()).sandboxID as string;
  };
  const nsOf = async (id: string) =>
    (await claimedObjects(env.kube)).find((s) => s.metadata.labels?.[LABEL_SANDBOX_ID] === id)
      ?.metadata.namespace;
  assert.equal(await nsOf(await create("tpl")), "ns-b"); // 2 > 1
  assert.equal(await nsOf(await create("tpl")), "ns-a"); // 1 = 1: lexical order
  assert.equal(await nsOf(await create("ns-b/tpl")), "ns-b");
  const templates = await (await env.call("GET", "/templates", { key: env.keys.admin })).json();
  assert.deepEqual(templates.map((t: { templateID: string }) => t.templateID), ["tpl"]);
  const none = await (await env.call("GET", "/v2/templates", { key: env.keys.a })).json();
  assert.deepEqual(none, []);
});

Deno.test("metrics come from the runtime", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 1 }]);
  const { sandboxID } =
    await (await env.call("POST", "/sandboxes", { body: { templateID: "base" } })).json();
  const res = await env.call("GET", `/sandboxes/${sandboxID}/metrics`);
  assert.equal(res.status, 200);
  const [m] = await res.json();
  assertNotEquals(m, undefined);
  for (const f of METRIC_FIELDS) assert.ok(f in m, `metric lacks ${f}`);
  assert.ok(m.memTotal > 0);
});

function assertNotEquals(a: unknown, b: unknown): void {
  assert.notEqual(a, b);
}

Deno.test("cpu-request and cpu-limit go into the claimed template; what cannot be resized is a 400 naming why", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 2 }]);
  const bad = async (metadata: Record<string, string>, why: RegExp) => {
    const message = await errorBody(
      await env.call("POST", "/sandboxes", { body: { templateID: "base", metadata } }),
      400,
    );
    assert.match(message, why);
  };
  await bad(
    { [METADATA_CPU_LIMIT]: "lots" },
    /"e2b.agents.kruise.io\/cpu-limit" must be a CPU quantity/,
  );
  await bad({ [METADATA_CPU_REQUEST]: "0" }, /must be a positive CPU quantity/);
  await bad({ [METADATA_CPU_REQUEST]: "3" }, /CPU request 3 would exceed the CPU limit 2/);
  await bad({ [METADATA_CPU_LIMIT]: "100" }, /cannot be changed in place .*Infeasible/);
  assert.deepEqual(await claimedObjects(env.kube), [], "nothing left claimed");

  // The template is Guaranteed (limits only): it stays so with a request equal to the limit.
  await bad({ [METADATA_CPU_REQUEST]: "500m" }, /QoS class from Guaranteed to Burstable/);
  const res = await env.call("POST", "/sandboxes", {
    body: {
      templateID: "base",
      metadata: { [METADATA_CPU_REQUEST]: "1", [METADATA_CPU_LIMIT]: "1" },
    },
  });
  assert.equal(res.status, 201, await res.clone().text());
  const [s] = await claimedObjects(env.kube);
  const main = (s?.spec as { template: { spec: { containers: { resources: unknown }[] } } })
    .template.spec.containers[0];
  assert.deepEqual(main?.resources, {
    requests: { cpu: "1" },
    limits: { cpu: "1", memory: "1Gi" },
  });
  assert.equal(s?.metadata.annotations?.[METADATA_CPU_LIMIT], "1");
});

Deno.test("an image the node cannot run fails the create with a 400 and leaves no claimed sandbox", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 1 }]);
  const message = await errorBody(
    await env.call("POST", "/sandboxes", {
      body: { templateID: "base", metadata: { [METADATA_IMAGE]: "nope:1" } },
    }),
    400,
  );
  assert.match(message, /image "nope:1".*cannot run: ErrImagePull/);
  assert.deepEqual(await claimedObjects(env.kube), []);
});
