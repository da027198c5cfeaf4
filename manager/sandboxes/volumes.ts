/**
 * Resolves a create's CSI mounts to their PersistentVolumes before anything is claimed, as the
 * reference's manager does (§ CSI dynamic mounting): each `pvName` must name a PersistentVolume
 * with a CSI source, whose driver and volume handle are recorded on the mount, its volume
 * attributes under the create's own, and which is read-only when the create asks it or the
 * volume allows nothing else (`ReadOnlyMany` only, or `spec.csi.readOnly`). A missing volume, or
 * one that is not a CSI volume, is a 400 naming it, and the create claims nothing, so nothing is
 * left behind.
 *
 * @module
 */
import {
  isNotFound,
  type KubeClient,
  type KubeObject,
  PERSISTENT_VOLUMES,
} from "@kruise-agents/shared/kube";
import { isRecord } from "@kruise-agents/shared/std";
import { ApiError } from "../errors.ts";
import type { CsiMountConfig } from "./csi_mounts.ts";

/** The parts of a PersistentVolume a mount needs. */
interface PersistentVolumeView {
  accessModes: string[];
  csi?: {
    driver: string;
    volumeHandle: string;
    readOnly: boolean;
    volumeAttributes: Record<string, string>;
  };
}

/** Reads `object` as a PersistentVolume; fields of the wrong type read as absent. */
function viewOf(object: KubeObject): PersistentVolumeView {
  const spec = isRecord(object.spec) ? object.spec : {};
  const accessModes = Array.isArray(spec.accessModes)
    ? spec.accessModes.filter((m): m is string => typeof m === "string")
    : [];
  const csi = isRecord(spec.csi) ? spec.csi : undefined;
  if (!csi || typeof csi.driver !== "string" || typeof csi.volumeHandle !== "string") {
    return { accessModes };
  }
  const attributes: Record<string, string> = {};
  if (isRecord(csi.volumeAttributes)) {
    for (const [k, v] of Object.entries(csi.volumeAttributes)) {
      if (typeof v === "string") attributes[k] = v;
    }
  }
  return {
    accessModes,
    csi: {
      driver: csi.driver,
      volumeHandle: csi.volumeHandle,
      readOnly: csi.readOnly === true,
      volumeAttributes: attributes,
    },
  };
}

/**
 * `mount` resolved against the PersistentVolume `pv` (its view): the driver and handle, the
 * attributes, read-only as the volume demands. Throws a 400 when `pv` has no CSI source.
 */
export function resolveMount(mount: CsiMountConfig, pv: PersistentVolumeView): CsiMountConfig {
  if (!pv.csi) {
    throw new ApiError(
      400,
      `Volume "${mount.pvName}" is not a CSI volume: its PersistentVolume has no spec.csi`,
    );
  }
  const onlyReads = pv.accessModes.length > 0 && pv.accessModes.every((m) => m === "ReadOnlyMany");
  const resolved: CsiMountConfig = {
    ...mount,
    driver: pv.csi.driver,
    volumeHandle: pv.csi.volumeHandle,
  };
  const attributes = { ...pv.csi.volumeAttributes, ...mount.attributes };
  if (Object.keys(attributes).length > 0) resolved.attributes = attributes;
  if (mount.readOnly || pv.csi.readOnly || onlyReads) resolved.readOnly = true;
  return resolved;
}

/** Looks up the PersistentVolumes of CSI mounts through the Kubernetes seam. */
export class VolumeResolver {
  readonly #kube: KubeClient;

  /** Resolves through `kube` (`get` on PersistentVolumes, the manager's one cluster read of them). */
  constructor(kube: KubeClient) {
    this.#kube = kube;
  }

  /**
   * `mounts`, each resolved against its PersistentVolume (read once per name); throws a 400
   * {@linkcode ApiError} naming a volume that does not exist or is not a CSI volume.
   */
  async resolve(mounts: readonly CsiMountConfig[]): Promise<CsiMountConfig[]> {
    if (mounts.length === 0) return [];
    const views = new Map<string, PersistentVolumeView>();
    for (const name of new Set(mounts.map((m) => m.pvName))) {
      try {
        views.set(name, viewOf(await this.#kube.get<KubeObject>(PERSISTENT_VOLUMES, "", name)));
      } catch (error) {
        if (!isNotFound(error)) throw error;
        throw new ApiError(400, `Volume "${name}" not found: no PersistentVolume of that name`);
      }
    }
    return mounts.map((m) => resolveMount(m, views.get(m.pvName)!));
  }
}
