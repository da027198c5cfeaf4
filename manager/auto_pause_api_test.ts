/**
 * E2B's auto-pause lifecycle through the API (`manager.api(request)` against the embedded store,
 * as in `app_test.ts`): what the create stores, what `getInfo` reports, how the deadlines move,
 * bad bodies, and the proxy resuming a paused `autoResume` sandbox for a request with its token.
 */
import assert from "node:assert/strict";
import { type KubeObject, SANDBOXES } from "@kruise-agents/shared/kube";
import { claimedObjects, errorBody, setup } from "./testing/api_env.ts";

const DAY_MS = 86_400_000;

interface Deadlines {
  shutdownTime?: string;
  pauseTime?: string;
  paused?: boolean;
}

async function stored(env: { kube: Parameters<typeof claimedObjects>[0] }): Promise<Deadlines> {
  const [claimed] = await claimedObjects(env.kube);
  return claimed!.spec as Deadlines;
}

function near(actual: string | undefined, expected: number, what: string): void {
  const t = Date.parse(actual ?? "");
  assert.ok(Math.abs(t - expected) < 5_000, `${what}: ${actual} vs ${new Date(expected)}`);
}

Deno.test("autoPause: pause at the timeout, shutdown a retention later, lifecycle as set", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 1 }]);
  const res = await env.call("POST", "/v2/sandboxes", {
    body: { templateID: "base", timeout: 60, autoPause: true, autoResume: { enabled: true } },
  });
  assert.equal(res.status, 201, await res.clone().text());
  const { sandboxID } = await res.json();
  const spec = await stored(env);
  near(spec.pauseTime, Date.now() + 60_000, "pauseTime");
  near(spec.shutdownTime, Date.now() + 60_000 + DAY_MS, "shutdownTime");

  const info = await (await env.call("GET", `/sandboxes/${sandboxID}`)).json();
  assert.deepEqual(info.lifecycle, { onTimeout: "pause", autoResume: true });
  assert.equal(info.endAt, new Date(Date.parse(spec.pauseTime!)).toISOString());

  // setTimeout moves both deadlines; refreshes extend both.
  assert.equal(
    (await env.call("POST", `/sandboxes/${sandboxID}/timeout`, { body: { timeout: 30 } })).status,
    204,
  );
  const shortened = await stored(env);
  near(shortened.pauseTime, Date.now() + 30_000, "pauseTime after setTimeout");
  near(shortened.shutdownTime, Date.now() + 30_000 + DAY_MS, "shutdownTime after setTimeout");
  await env.call("POST", `/sandboxes/${sandboxID}/refreshes`, { body: { duration: 120 } });
  near((await stored(env)).pauseTime, Date.now() + 120_000, "pauseTime after refreshes");
});

Deno.test("autoPause: the create's paused retention, autoPauseMemory, and the default lifecycle without it", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 3 }]);
  const res = await env.call("POST", "/sandboxes", {
    body: {
      templateID: "base",
      timeout: 60,
      autoPause: true,
      metadata: { "e2b.agents.kruise.io/reserve-paused-sandbox-duration": "1h" },
    },
  });
  assert.equal(res.status, 201, await res.clone().text());
  const spec = await stored(env);
  near(spec.shutdownTime, Date.parse(spec.pauseTime!) + 3_600_000, "shutdownTime");
  const info = await (await env.call("GET", `/sandboxes/${(await res.json()).sandboxID}`)).json();
  assert.deepEqual(info.lifecycle, { onTimeout: "pause", autoResume: false });

  // autoPauseMemory: false is kept for the controller, which pauses that sandbox with Stop.
  const cold = await env.call("POST", "/sandboxes", {
    body: { templateID: "base", timeout: 60, autoPause: true, autoPauseMemory: false },
  });
  assert.equal(cold.status, 201, await cold.clone().text());
  const coldObject = (await claimedObjects(env.kube)).find((o) =>
    o.metadata.annotations?.["e2b.agents.kruise.io/lifecycle"]?.includes('"keepMemory":false')
  );
  assert.ok(coldObject, "the lifecycle annotation records keepMemory: false");

  const plain = await (await env.call("POST", "/sandboxes", {
    body: { templateID: "base", timeout: 60, autoPause: false },
  })).json();
  const plainInfo = await (await env.call("GET", `/sandboxes/${plain.sandboxID}`)).json();
  assert.deepEqual(plainInfo.lifecycle, { onTimeout: "kill", autoResume: false });
});

Deno.test("autoPause: bad bodies get E2B's 400 and claim nothing", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 1 }]);
  for (
    const [body, pattern] of [
      [{ autoResume: { enabled: true } }, /"autoResume" can only be enabled/],
      [{ autoPause: "yes" }, /"autoPause" must be a boolean/],
      [{ autoPause: true, autoResume: { enabled: 1 } }, /"autoResume.enabled"/],
      [{ autoPause: true, autoPauseMemory: "no" }, /"autoPauseMemory"/],
      [
        { autoPause: true, autoPauseMemory: false, autoResume: { enabled: true } },
        /"autoResume" cannot be enabled with "autoPauseMemory": false/,
      ],
    ] as const
  ) {
    const message = await errorBody(
      await env.call("POST", "/v2/sandboxes", { body: { templateID: "base", ...body } }),
      400,
    );
    assert.match(message, pattern);
  }
  assert.deepEqual(await claimedObjects(env.kube), []);
});

Deno.test("autoResume: traffic with the token resumes a paused sandbox; without it, 502", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 2 }]);
  const create = async (autoResume: boolean) =>
    await (await env.call("POST", "/v2/sandboxes", {
      body: {
        templateID: "base",
        timeout: 90,
        autoPause: true,
        autoResume: { enabled: autoResume },
      },
    })).json();
  const resuming = await create(true);
  const staying = await create(false);
  for (const s of [resuming, staying]) {
    assert.equal((await env.call("POST", `/sandboxes/${s.sandboxID}/pause`)).status, 204);
  }
  const envs = (s: { sandboxID: string }, token?: string) =>
    env.manager.proxy(
      new Request("http://proxy.test/envs", {
        headers: {
          "e2b-sandbox-id": s.sandboxID,
          "e2b-sandbox-port": "49983",
          ...(token ? { "x-access-token": token } : {}),
        },
      }),
    );
  // No token: refused before anything is resumed.
  const refused = await envs(resuming);
  await refused.body?.cancel();
  assert.equal(refused.status, 502);
  assert.equal(
    (await (await env.call("GET", `/sandboxes/${resuming.sandboxID}`)).json()).state,
    "paused",
  );
  // Not an autoResume sandbox: stays paused.
  const stays = await envs(staying, staying.envdAccessToken);
  await stays.body?.cancel();
  assert.equal(stays.status, 502);
  assert.equal(
    (await (await env.call("GET", `/sandboxes/${staying.sandboxID}`)).json()).state,
    "paused",
  );

  const answered = await envs(resuming, resuming.envdAccessToken);
  assert.equal(answered.status, 200, await answered.clone().text());
  await answered.body?.cancel();
  const objects = await env.kube.list<KubeObject>(SANDBOXES, { namespace: "team-a" });
  const resumed = objects.items.find((o) =>
    o.metadata.labels?.["agents.kruise.io/sandbox-id"] === resuming.sandboxID
  )!.spec as Deadlines;
  assert.equal(resumed.paused, false);
  near(resumed.pauseTime, Date.now() + 90_000, "pauseTime after the auto-resume");
});

Deno.test("a pause the node cannot do is refused at once (501) and undone", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 1 }]);
  const res = await env.call("POST", "/v2/sandboxes", {
    body: { templateID: "base", timeout: 60, metadata: { "refuse-pause": "yes" } },
  });
  const { sandboxID } = await res.json();
  const before = await stored(env);
  const started = Date.now();
  const message = await errorBody(await env.call("POST", `/sandboxes/${sandboxID}/pause`), 501);
  assert.ok(Date.now() - started < 5_000, "fails fast, not after the 30 s wait");
  assert.match(message, /cannot freeze pods: no node agent/);
  const after = await stored(env);
  assert.equal(after.paused, false);
  assert.equal(after.shutdownTime, before.shutdownTime, "the deadline is put back");
  const info = await (await env.call("GET", `/sandboxes/${sandboxID}`)).json();
  assert.equal(info.state, "running");
});
