/**
 * The reference's create-time option keys through the API (`manager.api(request)` against the
 * embedded store, as in `app_test.ts`): never-timeout, return-sandbox-ip, the claim and
 * wait-ready timeouts and the paused retention.
 */
import assert from "node:assert/strict";
import {
  API_VERSION,
  LABEL_SANDBOX_CLAIMED,
  LABEL_SANDBOX_POOL,
  LABEL_SANDBOX_TEMPLATE,
  SANDBOX_KIND,
  SANDBOX_SET_KIND,
} from "@kruise-agents/shared/api";
import { type KubeObject, SANDBOX_SETS, SANDBOXES } from "@kruise-agents/shared/kube";
import { claimedObjects, errorBody, setup } from "./testing/api_env.ts";

const K = "e2b.agents.kruise.io/";
const YEAR_MS = 365 * 24 * 3600 * 1000;

Deno.test("never-timeout: no shutdown time, endAt 100 years on, connect keeps it, setTimeout sets one", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 1 }]);
  const res = await env.call("POST", "/sandboxes", {
    body: { templateID: "base", timeout: 60, metadata: { [`${K}never-timeout`]: "true" } },
  });
  assert.equal(res.status, 201, await res.clone().text());
  const { sandboxID } = await res.json();
  const [claimed] = await claimedObjects(env.kube);
  assert.equal((claimed!.spec as { shutdownTime?: string }).shutdownTime, undefined);

  const info = async () => await (await env.call("GET", `/sandboxes/${sandboxID}`)).json();
  const first = await info();
  assert.deepEqual(first.metadata, {}, "the key is an option, not user metadata");
  const far = Date.parse(first.endAt) - Date.parse(first.startedAt);
  assert.ok(far >= 99 * YEAR_MS && far <= 101 * YEAR_MS, first.endAt);
  const [listed] = await (await env.call("GET", "/v2/sandboxes")).json();
  assert.equal(listed.endAt, first.endAt);

  const c = await env.call("POST", `/sandboxes/${sandboxID}/connect`, { body: { timeout: 30 } });
  assert.equal(c.status, 200);
  assert.equal((await info()).endAt, first.endAt, "connect never shortens");

  const t = await env.call("POST", `/sandboxes/${sandboxID}/timeout`, { body: { timeout: 60 } });
  assert.equal(t.status, 204);
  const end = Date.parse((await info()).endAt);
  assert.ok(end > Date.now() + 50_000 && end <= Date.now() + 60_000, "setTimeout sets a deadline");
});

Deno.test("return-sandbox-ip: getInfo and list report the sandbox's IP as metadata", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 2 }]);
  const create = async (metadata: Record<string, string>) =>
    (await (await env.call("POST", "/sandboxes", { body: { templateID: "base", metadata } }))
      .json()).sandboxID;
  const withIp = await create({ [`${K}return-sandbox-ip`]: "true", mine: "x" });
  const without = await create({ mine: "y" });
  const byId = new Map(
    (await claimedObjects(env.kube)).map((s) => [
      s.metadata.labels?.["agents.kruise.io/sandbox-id"],
      (s.status as { sandboxIp: string }).sandboxIp,
    ]),
  );
  const detail = await (await env.call("GET", `/sandboxes/${withIp}`)).json();
  assert.deepEqual(detail.metadata, { mine: "x", [`${K}sandbox-ip`]: byId.get(withIp) });
  const listed = await (await env.call("GET", "/v2/sandboxes")).json();
  const other = listed.find((s: { sandboxID: string }) => s.sandboxID === without);
  assert.deepEqual(other.metadata, { mine: "y" });
  assert.equal(
    listed.find((s: { sandboxID: string }) => s.sandboxID === withIp).metadata[`${K}sandbox-ip`],
    byId.get(withIp),
  );
});

Deno.test("claim-timeout-seconds: without stock the create waits that long, then E2B's 503", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 0 }]);
  const started = Date.now();
  const message = await errorBody(
    await env.call("POST", "/sandboxes", {
      body: {
        templateID: "base",
        metadata: { [`${K}create-on-no-stock`]: "false", [`${K}claim-timeout-seconds`]: "1" },
      },
    }),
    503,
  );
  assert.ok(Date.now() - started >= 1000, "it waited for stock");
  assert.match(message, /within 1 s/);
  assert.ok(message.includes(`${K}claim-timeout-seconds`), message);
  assert.deepEqual(await claimedObjects(env.kube), []);
});

Deno.test("claim-timeout-seconds: stock that arrives within the timeout is claimed", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 0 }], {
    coldRuntimes: 1,
  });
  const pending = env.call("POST", "/sandboxes", {
    body: {
      templateID: "base",
      metadata: { [`${K}create-on-no-stock`]: "false", [`${K}claim-timeout-seconds`]: "10" },
    },
  });
  await new Promise((r) => setTimeout(r, 300));
  // The pool gets a member, as the controller would add one; the env's stand-in readies it.
  const set = await env.kube.get<KubeObject>(SANDBOX_SETS, "team-a", "base");
  await env.kube.create<KubeObject>(SANDBOXES, {
    apiVersion: API_VERSION,
    kind: SANDBOX_KIND,
    metadata: {
      generateName: "base-",
      namespace: "team-a",
      labels: {
        [LABEL_SANDBOX_POOL]: "base",
        [LABEL_SANDBOX_TEMPLATE]: "base",
        [LABEL_SANDBOX_CLAIMED]: "false",
      },
      ownerReferences: [{
        apiVersion: API_VERSION,
        kind: SANDBOX_SET_KIND,
        name: "base",
        uid: set.metadata.uid!,
        controller: true,
      }],
    },
    spec: structuredClone({ template: (set.spec as Record<string, unknown>).template }),
  });
  const res = await pending;
  assert.equal(res.status, 201, await res.clone().text());
  assert.equal((await claimedObjects(env.kube)).length, 1);
});

Deno.test("wait-ready-timeout-seconds: a sandbox not ready in time fails the create and is deleted", async () => {
  // No cold runtime: the cold sandbox never becomes Ready.
  await using env = await setup([{ namespace: "team-a", name: "base", size: 0 }]);
  const message = await errorBody(
    await env.call("POST", "/sandboxes", {
      body: { templateID: "base", metadata: { [`${K}wait-ready-timeout-seconds`]: "1" } },
    }),
    503,
  );
  assert.ok(message.includes(`${K}wait-ready-timeout-seconds`), message);
  assert.deepEqual(await claimedObjects(env.kube), []);
  const all = await env.kube.list<KubeObject>(SANDBOXES);
  assert.equal(all.items.filter((s) => !s.metadata.deletionTimestamp).length, 0);
});

Deno.test("reserve-paused-sandbox-duration: a paused sandbox is kept that long", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 1 }]);
  const { sandboxID } = await (await env.call("POST", "/sandboxes", {
    body: { templateID: "base", metadata: { [`${K}reserve-paused-sandbox-duration`]: "2h" } },
  })).json();
  assert.equal((await env.call("POST", `/sandboxes/${sandboxID}/pause`)).status, 204);
  const info = await (await env.call("GET", `/sandboxes/${sandboxID}`)).json();
  assert.equal(info.state, "paused");
  assert.ok(Math.abs(Date.parse(info.endAt) - (Date.now() + 7_200_000)) < 60_000, info.endAt);
});

Deno.test("bad option values and unsupported reserve keys answer E2B's 400 naming the key", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 1 }]);
  for (
    const [key, value] of [
      ["never-timeout", "yes"],
      ["return-sandbox-ip", "1"],
      ["claim-timeout-seconds", "0"],
      ["wait-ready-timeout-seconds", "soon"],
      ["reserve-paused-sandbox-duration", "1 day"],
      ["reserve-failed-sandbox", "true"],
      ["reserve-failed-sandbox-for", "1h"],
    ]
  ) {
    const message = await errorBody(
      await env.call("POST", "/sandboxes", {
        body: { templateID: "base", metadata: { [K + key]: value } },
      }),
      400,
    );
    assert.ok(message.includes(K + key), message);
  }
  assert.deepEqual(await claimedObjects(env.kube), []);
});
