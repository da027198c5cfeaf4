/**
 * The CSI mount keys through the API (`manager.api(request)` against the embedded store, as in
 * `app_test.ts`): the claim resolves each PersistentVolume first, so a missing volume or a key
 * without its partner is E2B's 400 and claims nothing; a resolved mount is recorded on the
 * Sandbox (driver, handle) and reported by `getInfo`.
 */
import assert from "node:assert/strict";
import {
  ANNOTATION_CSI_VOLUME_CONFIG,
  METADATA_CSI_MOUNT_POINT,
  METADATA_CSI_VOLUME_CONFIG,
  METADATA_CSI_VOLUME_NAME,
} from "@kruise-agents/shared/api";
import {
  claimedObjects,
  createCsiVolume,
  errorBody,
  setup,
  TEST_CSI as CSI,
} from "./testing/api_env.ts";

Deno.test("CSI mounts: resolved to their PersistentVolume, recorded, reported by getInfo", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 1 }]);
  await createCsiVolume(env.kube, "shared-data");
  const res = await env.call("POST", "/sandboxes", {
    body: {
      templateID: "base",
      metadata: {
        [METADATA_CSI_VOLUME_NAME]: "shared-data",
        [METADATA_CSI_MOUNT_POINT]: "/data",
        [METADATA_CSI_VOLUME_CONFIG]: JSON.stringify([
          { pvName: "shared-data", mountPath: "/ro", subPath: "docs", readOnly: true },
        ]),
      },
    },
  });
  assert.equal(res.status, 201, await res.clone().text());
  const { sandboxID } = await res.json();
  const [claimed] = await claimedObjects(env.kube);
  assert.deepEqual(JSON.parse(claimed!.metadata.annotations![ANNOTATION_CSI_VOLUME_CONFIG]!), [
    { pvName: "shared-data", mountPath: "/data", ...CSI },
    { pvName: "shared-data", mountPath: "/ro", subPath: "docs", readOnly: true, ...CSI },
  ]);
  const info = await (await env.call("GET", `/sandboxes/${sandboxID}`)).json();
  assert.deepEqual(info.volumeMounts, [
    { name: "shared-data", path: "/data" },
    { name: "shared-data", path: "/ro" },
  ]);
  assert.deepEqual(info.metadata, {}, "the keys are options, not user metadata");
});

Deno.test("CSI mounts: a missing volume or a lone key is E2B's 400, and nothing is claimed", async () => {
  await using env = await setup([{ namespace: "team-a", name: "base", size: 1 }]);
  const cases: [Record<string, string>, RegExp][] = [
    [
      { [METADATA_CSI_VOLUME_NAME]: "nope", [METADATA_CSI_MOUNT_POINT]: "/data" },
      /Volume "nope" not found/,
    ],
    [{ [METADATA_CSI_VOLUME_NAME]: "nope" }, /go together/],
    [{ [METADATA_CSI_MOUNT_POINT]: "/data" }, /go together/],
  ];
  for (const [metadata, message] of cases) {
    const res = await env.call("POST", "/sandboxes", { body: { templateID: "base", metadata } });
    assert.match(await errorBody(res, 400), message);
  }
  const volumeMounts = [{ name: "nope", path: "/data" }];
  const res = await env.call("POST", "/sandboxes", { body: { templateID: "base", volumeMounts } });
  assert.match(await errorBody(res, 400), /Volume "nope" not found/);
  assert.deepEqual(await claimedObjects(env.kube), [], "no sandbox claimed, none left behind");
});
