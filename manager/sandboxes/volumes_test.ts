import assert from "node:assert/strict";
import { EmbeddedStore, PERSISTENT_VOLUMES } from "@kruise-agents/shared/kube";
import { ApiError } from "../errors.ts";
import { VolumeResolver } from "./volumes.ts";

/** A PersistentVolume named `name` with `spec`. */
function pv(name: string, spec: Record<string, unknown>) {
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name },
    spec: { capacity: { storage: "1Gi" }, ...spec },
  };
}

Deno.test("VolumeResolver resolves CSI PersistentVolumes: driver, handle, attributes, read-only", async () => {
  await using kube = await EmbeddedStore.open();
  const csi = { driver: "hostpath.csi.k8s.io", volumeHandle: "vol-1" };
  await kube.create(
    PERSISTENT_VOLUMES,
    pv("rw", {
      accessModes: ["ReadWriteMany"],
      csi: { ...csi, volumeAttributes: { a: "pv", b: "pv" } },
    }),
  );
  await kube.create(PERSISTENT_VOLUMES, pv("ro", { accessModes: ["ReadOnlyMany"], csi }));
  const volumes = new VolumeResolver(kube);
  assert.deepEqual(await volumes.resolve([]), []);
  const resolved = await volumes.resolve([
    { pvName: "rw", mountPath: "/data", subPath: "u", attributes: { b: "create" } },
    { pvName: "ro", mountPath: "/ro" },
    { pvName: "rw", mountPath: "/again", readOnly: true },
  ]);
  assert.deepEqual(resolved, [
    {
      pvName: "rw",
      mountPath: "/data",
      subPath: "u",
      attributes: { a: "pv", b: "create" },
      ...csi,
    },
    { pvName: "ro", mountPath: "/ro", readOnly: true, ...csi },
    { pvName: "rw", mountPath: "/again", readOnly: true, attributes: { a: "pv", b: "pv" }, ...csi },
  ]);
});

Deno.test("VolumeResolver answers 400 for a missing volume and for one that is not CSI", async () => {
  await using kube = await EmbeddedStore.open();
  await kube.create(
    PERSISTENT_VOLUMES,
    pv("host", {
      accessModes: ["ReadWriteOnce"],
      hostPath: { path: "/srv" },
    }),
  );
  const volumes = new VolumeResolver(kube);
  const cases: [string, RegExp][] = [
    ["missing", /Volume "missing" not found: no PersistentVolume/],
    ["host", /Volume "host" is not a CSI volume/],
  ];
  for (const [name, message] of cases) {
    await assert.rejects(
      volumes.resolve([{ pvName: name, mountPath: "/data" }]),
      (e) => e instanceof ApiError && e.status === 400 && message.test(e.message),
      name,
    );
  }
});
