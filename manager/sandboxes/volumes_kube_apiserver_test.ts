/**
 * The CSI mounts' PersistentVolume lookup against a real kube-apiserver (the shared test control
 * plane): real PersistentVolume objects, validated and defaulted by the API server, resolved to
 * their driver and handle; a missing one and a non-CSI one are E2B's 400.
 */
import assert from "node:assert/strict";
import { createKubernetesClient, PERSISTENT_VOLUMES } from "@kruise-agents/shared/kube";
import { kubeEnv } from "@kruise-agents/shared/testing";
import { ApiError } from "../errors.ts";
import { VolumeResolver } from "./volumes.ts";

Deno.test("VolumeResolver on a real kube-apiserver: real PersistentVolumes, a missing one, a non-CSI one", async () => {
  const env = await kubeEnv();
  const kube = createKubernetesClient({ kubeconfigPath: env.kubeconfig });
  const suffix = crypto.randomUUID().slice(0, 8);
  const csiName = `csi-${suffix}`, hostName = `host-${suffix}`;
  const pv = (name: string, source: Record<string, unknown>, accessModes: string[]) => ({
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name },
    spec: { capacity: { storage: "1Gi" }, accessModes, ...source },
  });
  await kube.create(
    PERSISTENT_VOLUMES,
    pv(csiName, {
      csi: {
        driver: "hostpath.csi.k8s.io",
        volumeHandle: `h-${suffix}`,
        volumeAttributes: { a: "1" },
      },
    }, ["ReadOnlyMany"]),
  );
  await kube.create(
    PERSISTENT_VOLUMES,
    pv(hostName, { hostPath: { path: "/srv" } }, ["ReadWriteOnce"]),
  );
  try {
    const volumes = new VolumeResolver(kube);
    assert.deepEqual(await volumes.resolve([{ pvName: csiName, mountPath: "/data" }]), [{
      pvName: csiName,
      mountPath: "/data",
      driver: "hostpath.csi.k8s.io",
      volumeHandle: `h-${suffix}`,
      attributes: { a: "1" },
      readOnly: true,
    }]);
    for (
      const [name, message] of [[`gone-${suffix}`, /not found/], [
        hostName,
        /not a CSI volume/,
      ]] as const
    ) {
      await assert.rejects(
        volumes.resolve([{ pvName: name, mountPath: "/data" }]),
        (e) => e instanceof ApiError && e.status === 400 && message.test(e.message),
      );
    }
  } finally {
    await kube.delete(PERSISTENT_VOLUMES, "", csiName).catch(() => {});
    await kube.delete(PERSISTENT_VOLUMES, "", hostName).catch(() => {});
  }
});
