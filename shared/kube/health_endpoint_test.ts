import assert from "node:assert/strict";
import { healthHandler, type InformerHealth } from "./mod.ts";

const synced: InformerHealth = {
  resource: "sandboxes",
  synced: true,
  connectedMs: 12_345,
  sinceLastEventMs: 2_000,
  restarts: 3,
  relists: 1,
  objects: 7,
};

Deno.test("healthHandler() is ready only once every informer synced, and exposes watch ages", async () => {
  let healths: InformerHealth[] = [
    synced,
    { ...synced, resource: "pods", synced: false, connectedMs: null, sinceLastEventMs: null },
  ];
  const handler = healthHandler({ program: "controller", informers: () => healths });
  const get = (path: string) => handler(new Request(`http://h${path}`));
  assert.equal(get("/healthz").status, 200);
  const notReady = get("/readyz");
  assert.equal(notReady.status, 503);
  assert.match(await notReady.text(), /not synced: pods/);
  const metrics = await get("/metrics").text();
  assert.match(
    metrics,
    /^kruise_agents_watch_connected_seconds\{program="controller",resource="sandboxes"\} 12.345$/m,
  );
  assert.match(metrics, /^kruise_agents_watch_since_last_event_seconds\{.*resource="pods"\} -1$/m);
  assert.match(metrics, /^kruise_agents_watch_restarts_total\{.*resource="sandboxes"\} 3$/m);
  assert.match(metrics, /^# TYPE kruise_agents_watch_restarts_total counter$/m);
  healths = [synced];
  assert.equal(get("/readyz").status, 200);
  assert.equal(get("/nope").status, 404);
});

Deno.test("healthHandler() exposes leadership as kruise_agents_leader, and extra readiness conditions, when asked", async () => {
  let leading = false;
  const handler = healthHandler({
    program: "controller",
    informers: () => [],
    leader: () => leading,
  });
  const metrics = async () => await handler(new Request("http://h/metrics")).text();
  assert.match(await metrics(), /^kruise_agents_leader\{program="controller"\} 0$/m);
  assert.equal(handler(new Request("http://h/readyz")).status, 200, "a standby is ready");
  leading = true;
  assert.match(await metrics(), /^kruise_agents_leader\{program="controller"\} 1$/m);
  let reason: string | undefined = "the leader lease has not been read yet";
  const standby = healthHandler({
    program: "controller",
    informers: () => [],
    notReady: () => reason,
  });
  const readyz = standby(new Request("http://h/readyz"));
  assert.equal(readyz.status, 503);
  assert.equal(await readyz.text(), "the leader lease has not been read yet\n");
  reason = undefined;
  assert.equal(standby(new Request("http://h/readyz")).status, 200);
  const without = healthHandler({ program: "manager", informers: () => [] });
  assert.doesNotMatch(
    await without(new Request("http://h/metrics")).text(),
    /kruise_agents_leader/,
  );
});
