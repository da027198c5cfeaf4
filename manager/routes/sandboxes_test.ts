/**
 * The sandbox collection routes through the API: free-form metadata, what getInfo reports as set
 * at create, and `Idempotency-Key` on create.
 */
import assert from "node:assert/strict";
import {
  ANNOTATION_CSI_VOLUME_CONFIG,
  ANNOTATION_E2B_METADATA,
  LABEL_SANDBOX_ID,
} from "@kruise-agents/shared/api";
import { claimedObjects, createCsiVolume, errorBody, setup, TEST_CSI } from "../testing/api_env.ts";

/** The `metadata` parameter as the SDKs encode it (each part, then the pairs, then the value). */
function metadataQuery(metadata: Record<string, string>): string {
  const pairs = new URLSearchParams(
    Object.fromEntries(
      Object.entries(metadata).map(([k, v]) => [encodeURIComponent(k), encodeURIComponent(v)]),
    ),
  ).toString();
  return `metadata=${encodeURIComponent(pairs)}`;
}

Deno.test("metadata is free-form: kept verbatim, returned by get and list, and filterable", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 3 }]);
  const metadata = {
    "key with spaces": "a value & more = stuff",
    "dotted.key.name": "x",
    "userId": "u-1",
    "long": "l".repeat(5000),
    "label:tier": "gold",
  };
  const res = await env.call("POST", "/v2/sandboxes", { body: { templateID: "base", metadata } });
  assert.equal(res.status, 201, await res.clone().text());
  const { sandboxID } = await res.json();
  const other = await (await env.call("POST", "/v2/sandboxes", {
    body: { templateID: "base", metadata: { "key with spaces": "other", userId: "u-1" } },
  })).json();

  const info = await (await env.call("GET", `/sandboxes/${sandboxID}`)).json();
  assert.deepEqual(info.metadata, metadata);
  const [claimed] = (await claimedObjects(env.kube)).filter((s) =>
    s.metadata.labels?.[LABEL_SANDBOX_ID] === sandboxID
  );
  assert.deepEqual(
    JSON.parse(claimed?.metadata.annotations?.[ANNOTATION_E2B_METADATA] ?? ""),
    metadata,
  );
  assert.equal(claimed?.metadata.labels?.tier, "gold"); // the reference's `label:` prefix

  const ids = async (filter: Record<string, string>) =>
    (await (await env.call("GET", `/v2/sandboxes?${metadataQuery(filter)}`)).json())
      .map((s: { sandboxID: string }) => s.sandboxID).sort();
  assert.deepEqual(await ids({ "key with spaces": "a value & more = stuff" }), [sandboxID]);
  assert.deepEqual(await ids({ "dotted.key.name": "x", "label:tier": "gold" }), [sandboxID]);
  assert.deepEqual(await ids({ long: "l".repeat(5000) }), [sandboxID]);
  assert.deepEqual(await ids({ userId: "u-1" }), [sandboxID, other.sandboxID].sort());
  assert.deepEqual(await ids({ "key with spaces": "nope" }), []);
  const v1 =
    await (await env.call("GET", `/sandboxes?${metadataQuery({ "dotted.key.name": "x" })}`))
      .json();
  assert.deepEqual(v1.map((s: { sandboxID: string }) => s.sandboxID), [sandboxID]);

  // Reserved prefixes are still refused, and so is a `label:` key Kubernetes cannot take.
  for (const bad of [{ "agents.kruise.io/owner": "x" }, { "label:not a label": "x" }]) {
    await errorBody(
      await env.call("POST", "/v2/sandboxes", { body: { templateID: "base", metadata: bad } }),
      400,
    );
  }
});

Deno.test("getInfo reports lifecycle, allowInternetAccess, network and volumeMounts as set at create", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 3 }]);
  await createCsiVolume(env.kube, "pv-data");
  const create = async (extra: Record<string, unknown>) => {
    const res = await env.call("POST", "/v2/sandboxes", { body: { templateID: "base", ...extra } });
    assert.equal(res.status, 201, await res.clone().text());
    const { sandboxID } = await res.json();
    return await (await env.call("GET", `/sandboxes/${sandboxID}`)).json();
  };
  const plain = await create({});
  assert.deepEqual(plain.lifecycle, { autoResume: false, onTimeout: "kill" });
  assert.equal(plain.allowInternetAccess, null);
  assert.deepEqual(plain.network, {});
  assert.deepEqual(plain.volumeMounts, []);

  const open = await create({ allow_internet_access: true, network: { allowPublicTraffic: true } });
  assert.equal(open.allowInternetAccess, true);
  assert.deepEqual(open.network, { allowPublicTraffic: true });

  const closed = await create({
    allow_internet_access: false,
    network: { allowOut: ["203.0.113.7"], denyOut: ["0.0.0.0/0"], allowPublicTraffic: false },
    volumeMounts: [{ name: "pv-data", path: "/data" }],
  });
  assert.equal(closed.allowInternetAccess, false);
  assert.deepEqual(closed.network, {
    allowOut: ["203.0.113.7"],
    denyOut: ["0.0.0.0/0"],
    allowPublicTraffic: false,
  });
  assert.deepEqual(closed.volumeMounts, [{ name: "pv-data", path: "/data" }]);
  const [stored] = (await claimedObjects(env.kube)).filter((s) =>
    s.metadata.labels?.[LABEL_SANDBOX_ID] === closed.sandboxID
  );
  // Stored where the reference keeps CSI mounts, resolved to the PersistentVolume's CSI source.
  assert.deepEqual(JSON.parse(stored?.metadata.annotations?.[ANNOTATION_CSI_VOLUME_CONFIG] ?? ""), [
    { pvName: "pv-data", mountPath: "/data", ...TEST_CSI },
  ]);
  const listed = await (await env.call("GET", "/v2/sandboxes")).json();
  assert.deepEqual(
    listed.find((s: { sandboxID: string }) => s.sandboxID === closed.sandboxID).volumeMounts,
    [{ name: "pv-data", path: "/data" }],
  );
  await errorBody(
    await env.call("POST", "/v2/sandboxes", {
      body: { templateID: "base", volumeMounts: [{ name: "v", path: "relative" }] },
    }),
    400,
  );
});

Deno.test("Idempotency-Key: a retry gets the same sandbox, per team, until it is gone", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 6 }]);
  const create = (key: string, body: Record<string, unknown> = {}, apiKey?: string) =>
    env.call("POST", "/v2/sandboxes", {
      headers: { "Idempotency-Key": key },
      body: { templateID: "base", metadata: { job: "1" }, ...body },
      ...(apiKey ? { key: apiKey } : {}),
    });

  const first = await create("retry-1");
  assert.equal(first.status, 201);
  const body = await first.json();
  const retry = await create("retry-1");
  assert.equal(retry.status, 201); // E2B answers a replay as it answered the create
  assert.deepEqual(await retry.json(), body);
  assert.equal((await claimedObjects(env.kube)).length, 1);

  // The v1 route honours the header too, and concurrent attempts are one create.
  const concurrent = await Promise.all(
    Array.from({ length: 4 }, () =>
      env.call("POST", "/sandboxes", {
        headers: { "Idempotency-Key": "burst" },
        body: { templateID: "base", metadata: { job: "1" } },
      })),
  );
  const ids = new Set(
    await Promise.all(concurrent.map(async (r) => {
      assert.equal(r.status, 201);
      return (await r.json()).sandboxID;
    })),
  );
  assert.equal(ids.size, 1);
  assert.equal((await claimedObjects(env.kube)).length, 2);

  // The same key with another request is refused; another key is another sandbox.
  await errorBody(await create("retry-1", { metadata: { job: "2" } }), 422);
  const fresh = await (await create("retry-2")).json();
  assert.notEqual(fresh.sandboxID, body.sandboxID);
  // Keys belong to a team: the admin team's "retry-1" is its own.
  const admin = await create("retry-1", {}, env.keys.admin);
  assert.equal(admin.status, 201);
  assert.notEqual((await admin.json()).sandboxID, body.sandboxID);

  // Once the sandbox is killed, the key creates anew.
  assert.equal((await env.call("DELETE", `/sandboxes/${body.sandboxID}`)).status, 204);
  const after = await create("retry-1");
  assert.equal(after.status, 201);
  assert.notEqual((await after.json()).sandboxID, body.sandboxID);

  for (const bad of ["", "has space", "k".repeat(256)]) {
    await errorBody(await create(bad), 400);
  }
});

Deno.test("Idempotency-Key: a retry on another replica finds the sandbox the first one claimed", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 2 }]);
  const res = await env.call("POST", "/v2/sandboxes", {
    headers: { "Idempotency-Key": "cross" },
    body: { templateID: "base" },
  });
  const body = await res.json();
  assert.equal(res.status, 201);
  // Another replica: a second manager over the same store, whose cache never saw the claim.
  await using second = await env.replica();
  const retry = await second.call("POST", "/v2/sandboxes", {
    headers: { "Idempotency-Key": "cross" },
    body: { templateID: "base" },
  });
  assert.equal(retry.status, 201);
  assert.equal((await retry.json()).sandboxID, body.sandboxID);
  assert.equal((await claimedObjects(env.kube)).length, 1);
});
