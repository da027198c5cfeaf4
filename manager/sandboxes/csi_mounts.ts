/**
 * The CSI mounts a create asks for, in the reference's three spellings, as one checked list of
 * CSIMountConfig (the reference's `pvName`, `mountPath`, `subPath`, `readOnly`, `mountID`,
 * `attributes`):
 *
 * - `csi-volume-name` + `csi-mount-point` (both or neither) and the optional `csi-subpath`: one
 *   mount;
 * - `csi-volume-config`: a JSON array of CSIMountConfig, for several mounts;
 * - the create body's `volumeMounts` (`[{name, path}]`, the name a PersistentVolume's).
 *
 * Each mount path is absolute and clean (E2B's rules, {@linkcode checkVolumeMount}) and used once;
 * a sub-path is relative and stays inside the volume. Anything else is a 400 naming the key.
 * Whether the PersistentVolumes exist is the claim's next question (`volumes.ts`).
 *
 * @module
 */
import {
  METADATA_CSI_MOUNT_POINT,
  METADATA_CSI_SUBPATH,
  METADATA_CSI_VOLUME_CONFIG,
  METADATA_CSI_VOLUME_NAME,
} from "@kruise-agents/shared/api";
import { isRecord } from "@kruise-agents/shared/std";
import { ApiError } from "../errors.ts";

/** CSIMountConfig of the reference, as stored in the `csi-volume-config` annotation. */
export interface CsiMountConfig {
  /** PersistentVolume name. */
  pvName: string;
  /** Path in the sandbox. */
  mountPath: string;
  /** Sub-path of the volume. */
  subPath?: string;
  /** Mounted read-only (asked for, or the volume allows no more). */
  readOnly?: boolean;
  /** The caller's id for the mount. */
  mountID?: string;
  /** Extra volume attributes for the CSI driver, over the PersistentVolume's own. */
  attributes?: Record<string, string>;
  /** The PersistentVolume's CSI driver (filled in when the claim resolved it). */
  driver?: string;
  /** The PersistentVolume's CSI volume handle (filled in when the claim resolved it). */
  volumeHandle?: string;
}

/** E2B's `SandboxVolumeMount`: a named volume at an absolute path. */
export interface VolumeMount {
  /** Volume name (here a PersistentVolume's). */
  name: string;
  /** Absolute, clean path in the sandbox. */
  path: string;
}

/** The metadata keys this module reads (the metadata planner skips them). */
export const CSI_METADATA_KEYS: ReadonlySet<string> = new Set([
  METADATA_CSI_VOLUME_NAME,
  METADATA_CSI_MOUNT_POINT,
  METADATA_CSI_SUBPATH,
  METADATA_CSI_VOLUME_CONFIG,
]);

function bad(message: string): never {
  throw new ApiError(400, message);
}

/**
 * Checks one E2B volume mount (E2B's `isValidMountPath` rules): a non-empty name and an
 * absolute path without `.` or `..` components or a trailing slash; returns why not, or
 * `undefined` when it is fine.
 */
export function checkVolumeMount(mount: VolumeMount): string | undefined {
  if (mount.name === "") return "name cannot be empty";
  if (mount.path === "") return "path cannot be empty";
  if (!mount.path.startsWith("/")) return "path must be absolute";
  if (mount.path === "/") return undefined;
  // What Go's filepath.Clean would change: `.`, `..`, empty components (`//`, a trailing `/`).
  if (mount.path.split("/").slice(1).some((p) => p === "" || p === "." || p === "..")) {
    return "path must not contain any '.' or '..' components";
  }
  return undefined;
}

/** Why `subPath` is not a relative path inside the volume, or `undefined`. */
function checkSubPath(subPath: string): string | undefined {
  if (subPath.startsWith("/")) return "must be relative to the volume";
  if (subPath.split("/").some((p) => p === "..")) return "must not contain '..'";
  return undefined;
}

/** The single mount of the `csi-volume-name` keys, if any. */
function singleMount(metadata: Record<string, string>): CsiMountConfig | undefined {
  const name = metadata[METADATA_CSI_VOLUME_NAME], path = metadata[METADATA_CSI_MOUNT_POINT];
  if ((name === undefined) !== (path === undefined)) {
    bad(`Metadata "${METADATA_CSI_VOLUME_NAME}" and "${METADATA_CSI_MOUNT_POINT}" go together`);
  }
  const sub = metadata[METADATA_CSI_SUBPATH];
  if (name === undefined || path === undefined) {
    if (sub !== undefined) {
      bad(`Metadata "${METADATA_CSI_SUBPATH}" needs "${METADATA_CSI_VOLUME_NAME}"`);
    }
    return undefined;
  }
  const mount: CsiMountConfig = { pvName: name, mountPath: path };
  if (sub) mount.subPath = sub;
  return checked(mount, `Metadata "${METADATA_CSI_VOLUME_NAME}"`);
}

/** The mounts of the `csi-volume-config` JSON array. */
function listMounts(raw: string | undefined): CsiMountConfig[] {
  if (raw === undefined) return [];
  const key = `Metadata "${METADATA_CSI_VOLUME_CONFIG}"`;
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    bad(`${key} must be a JSON array of {pvName, mountPath, subPath?, readOnly?}`);
  }
  if (!Array.isArray(list)) bad(`${key} must be a JSON array`);
  return list.map((item, i) => {
    const at = `${key} item ${i}:`;
    if (!isRecord(item)) bad(`${at} must be an object`);
    const { pvName, mountPath, subPath, readOnly, mountID, attributes } = item;
    if (typeof pvName !== "string") bad(`${at} pvName must be a string`);
    if (typeof mountPath !== "string") bad(`${at} mountPath must be a string`);
    const mount: CsiMountConfig = { pvName, mountPath };
    if (subPath !== undefined && typeof subPath !== "string") bad(`${at} subPath must be a string`);
    if (subPath) mount.subPath = subPath;
    if (readOnly !== undefined && typeof readOnly !== "boolean") {
      bad(`${at} readOnly must be a boolean`);
    }
    if (readOnly) mount.readOnly = true;
    if (mountID !== undefined && typeof mountID !== "string") bad(`${at} mountID must be a string`);
    if (mountID) mount.mountID = mountID;
    if (attributes !== undefined) {
      if (!isRecord(attributes) || Object.values(attributes).some((v) => typeof v !== "string")) {
        bad(`${at} attributes must be an object of strings`);
      }
      mount.attributes = attributes as Record<string, string>;
    }
    return checked(mount, at.slice(0, -1));
  });
}

/** `mount` once its path and sub-path pass; else a 400 naming `where`. */
function checked(mount: CsiMountConfig, where: string): CsiMountConfig {
  const why = checkVolumeMount({ name: mount.pvName, path: mount.mountPath });
  if (why !== undefined) bad(`${where}: ${why}`);
  const subWhy = mount.subPath === undefined ? undefined : checkSubPath(mount.subPath);
  if (subWhy !== undefined) bad(`${where}: the sub-path ${subWhy}`);
  return mount;
}

/**
 * The CSI mounts of a create's `metadata` and body `volumeMounts`, as one list; throws a 400
 * {@linkcode ApiError} on a key without its partner, a bad JSON list, a bad path or sub-path, or
 * a mount path used twice.
 */
export function csiMounts(
  metadata: Record<string, string>,
  volumeMounts: readonly VolumeMount[],
): CsiMountConfig[] {
  const mounts: CsiMountConfig[] = [];
  const single = singleMount(metadata);
  if (single) mounts.push(single);
  mounts.push(...listMounts(metadata[METADATA_CSI_VOLUME_CONFIG]));
  for (const m of volumeMounts) mounts.push({ pvName: m.name, mountPath: m.path });
  const paths = new Set<string>();
  for (const m of mounts) {
    if (paths.has(m.mountPath)) bad(`Volume mount path "${m.mountPath}" is used twice`);
    paths.add(m.mountPath);
  }
  return mounts;
}
