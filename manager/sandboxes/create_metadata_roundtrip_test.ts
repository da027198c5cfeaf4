/**
 * shared/api's `createMetadata` against the manager's own reading of the keys: what the helper
 * builds is what `planMetadata` accepts, with the meaning the helper's fields name.
 */
import assert from "node:assert/strict";
import {
  createMetadata,
  METADATA_CPU_LIMIT,
  METADATA_CPU_REQUEST,
  METADATA_IMAGE,
} from "@kruise-agents/shared/api";
import { planMetadata } from "./metadata.ts";

Deno.test("createMetadata builds what planMetadata reads, field by field", () => {
  const plan = planMetadata(createMetadata({
    image: "kruise-agents/sandbox-base:0.1.0",
    cpuRequest: "500m",
    cpuLimit: 2,
    csiVolume: { volumeName: "pv-data", mountPoint: "/data", subPath: "team-a" },
    csiVolumes: [{ pvName: "pv-logs", mountPath: "/logs", readOnly: true }],
    claimTimeoutSeconds: 30,
    waitReadyTimeoutSeconds: 90,
    neverTimeout: true,
    returnSandboxIp: true,
    reservePausedSandboxDuration: "2h30m",
    createOnNoStock: false,
    skipInitRuntime: false,
  }, { owner: "agent-7" }));
  assert.deepEqual(plan.options, {
    neverTimeout: true,
    returnSandboxIp: true,
    claimTimeoutSeconds: 30,
    waitReadyTimeoutSeconds: 90,
    reservePausedSeconds: 9000,
  });
  assert.equal(plan.createOnNoStock, false);
  assert.equal(plan.skipInitRuntime, false);
  assert.equal(plan.annotations[METADATA_IMAGE], "kruise-agents/sandbox-base:0.1.0");
  assert.equal(plan.annotations[METADATA_CPU_REQUEST], "500m");
  assert.equal(plan.annotations[METADATA_CPU_LIMIT], "2");
  assert.deepEqual(plan.csiMounts, [
    { pvName: "pv-data", mountPath: "/data", subPath: "team-a" },
    { pvName: "pv-logs", mountPath: "/logs", readOnly: true },
  ]);
  assert.match(JSON.stringify(plan.annotations), /agent-7/);
  assert.equal(
    planMetadata(createMetadata({ reservePausedSandboxDuration: 90 })).options.reservePausedSeconds,
    90,
  );
  assert.equal(
    planMetadata(createMetadata({ reservePausedSandboxDuration: "forever" })).options
      .reservePausedSeconds! > 99 * 365 * 86_400,
    true,
  );
});

Deno.test("createMetadata refuses what the manager would refuse, naming the field", () => {
  const cases: [Parameters<typeof createMetadata>[0], RegExp][] = [
    [{ claimTimeoutSeconds: 0 }, /claimTimeoutSeconds/],
    [{ waitReadyTimeoutSeconds: 1.5 }, /waitReadyTimeoutSeconds/],
    [{ claimTimeoutSeconds: 86_401 }, /claimTimeoutSeconds/],
    [{ csiVolume: { volumeName: "v", mountPoint: "data" } }, /mountPoint must be absolute/],
    [{ csiVolumes: [{ pvName: "v", mountPath: "logs" }] }, /csiVolumes\[0\]\.mountPath/],
    [{ csiVolumes: [{ pvName: " ", mountPath: "/logs" }] }, /csiVolumes\[0\]\.pvName is empty/],
    [{ image: " " }, /image/],
    [{ cpuLimit: "0" }, /cpuLimit must be a positive CPU quantity/],
    [{ cpuRequest: "half" }, /cpuRequest/],
    [{ reservePausedSandboxDuration: "2 hours" }, /reservePausedSandboxDuration/],
    [{ reservePausedSandboxDuration: 0 }, /reservePausedSandboxDuration/],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => createMetadata(options), { name: "RangeError", message });
  }
  assert.throws(
    () => createMetadata({ neverTimeout: true }, { "e2b.agents.kruise.io/never-timeout": "x" }),
    /sets "e2b.agents.kruise.io\/never-timeout" itself/,
  );
});
