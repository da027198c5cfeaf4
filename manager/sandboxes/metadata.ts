/**
 * E2B create `metadata` → Sandbox labels and annotations, and back. As in the reference (§4.2):
 * a key `label:<k>` becomes label `<k>`, every other key an annotation; keys must be Kubernetes
 * qualified names; the reserved prefixes (`agents.kruise.io/`, `e2b.agents.kruise.io/`) are
 * rejected, except the extension keys this manager understands. The keys a claim added are
 * listed in the `updated-metadata-in-claim` annotation, and only those are returned as
 * metadata, so pool labels and controller annotations never leak into `getInfo().metadata`.
 *
 * Extension keys:
 * - `e2b.agents.kruise.io/image` is stored as an annotation of the same key, and
 *   `csi-volume-name` + `csi-mount-point` (+ `csi-subpath`) as the `csi-volume-config`
 *   annotation (JSON list of CSIMountConfig), exactly where the reference persists them. The
 *   in-place image upgrade and the CSI mount that act on them are pending (later issues); until
 *   then the sandbox runs the pool's image with no extra mount.
 * - `create-on-no-stock` (`"false"`: fail instead of a cold create) and `skip-init-runtime`
 *   (`"true"`: no `/init`) are options of the create and are not stored.
 * - Any other reserved key is refused with 400 rather than silently ignored.
 *
 * @module
 */
import {
  ANNOTATION_CSI_VOLUME_CONFIG,
  ANNOTATION_UPDATED_METADATA_IN_CLAIM,
  isReservedKey,
  METADATA_CREATE_ON_NO_STOCK,
  METADATA_CSI_MOUNT_POINT,
  METADATA_CSI_SUBPATH,
  METADATA_CSI_VOLUME_NAME,
  METADATA_IMAGE,
  METADATA_LABEL_PREFIX,
  METADATA_SKIP_INIT_RUNTIME,
  type Sandbox,
} from "@kruise-agents/shared/api";
import { ApiError } from "../errors.ts";

/** What a create's metadata asks for. */
export interface MetadataPlan {
  /** Labels to add to the Sandbox. */
  labels: Record<string, string>;
  /** Annotations to add to the Sandbox (user keys and stored extension keys). */
  annotations: Record<string, string>;
  /** JSON of `{labels: [...], annotations: [...]}`: the user's keys, for read-back. */
  claimedKeys: string;
  /** `false` when the create must not fall back to a cold Sandbox. */
  createOnNoStock: boolean;
  /** `true` when the runtime's `/init` is skipped. */
  skipInitRuntime: boolean;
}

/** CSIMountConfig of the reference (`pvName`, `mountPath`, `subPath`). */
export interface CsiMountConfig {
  /** PersistentVolume name. */
  pvName: string;
  /** Path in the sandbox. */
  mountPath: string;
  /** Sub-path of the volume. */
  subPath?: string;
}

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Whether `key` is a Kubernetes qualified name (`[prefix/]name`), as label and annotation keys must be. */
export function isQualifiedName(key: string): boolean {
  const slash = key.lastIndexOf("/");
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (name.length === 0 || name.length > 63 || !NAME_PART.test(name)) return false;
  if (slash < 0) return true;
  const prefix = key.slice(0, slash);
  return prefix.length > 0 && prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix);
}

function bad(message: string): never {
  throw new ApiError(400, message);
}

/** Turns a create's `metadata` into what to write; throws 400 {@linkcode ApiError} on bad keys. */
export function planMetadata(metadata: Record<string, string>): MetadataPlan {
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  const userLabels: string[] = [], userAnnotations: string[] = [];
  let createOnNoStock = true, skipInitRuntime = false;
  const csiName = metadata[METADATA_CSI_VOLUME_NAME], csiPath = metadata[METADATA_CSI_MOUNT_POINT];
  for (const [key, value] of Object.entries(metadata)) {
    switch (key) {
      case METADATA_IMAGE:
        if (value.trim() === "") bad(`Metadata "${key}" must name an image`);
        annotations[METADATA_IMAGE] = value;
        continue;
      case METADATA_CSI_VOLUME_NAME:
      case METADATA_CSI_MOUNT_POINT:
      case METADATA_CSI_SUBPATH:
        continue; // handled below, as one mount
      case METADATA_CREATE_ON_NO_STOCK:
        createOnNoStock = value !== "false";
        continue;
      case METADATA_SKIP_INIT_RUNTIME:
        skipInitRuntime = value === "true";
        continue;
    }
    if (key.startsWith(METADATA_LABEL_PREFIX)) {
      const label = key.slice(METADATA_LABEL_PREFIX.length);
      if (isReservedKey(label)) bad(`Metadata key "${key}" uses a reserved prefix`);
      if (!isQualifiedName(label)) bad(`Metadata key "${key}" is not a valid label name`);
      if (value.length > 63 || !LABEL_VALUE.test(value)) {
        bad(`Metadata value of "${key}" is not a valid label value`);
      }
      labels[label] = value;
      userLabels.push(label);
      continue;
    }
    if (isReservedKey(key)) {
      bad(`Metadata key "${key}" uses a reserved prefix and is not supported`);
    }
    if (!isQualifiedName(key)) {
      bad(`Metadata key "${key}" is not a valid Kubernetes annotation key`);
    }
    annotations[key] = value;
    userAnnotations.push(key);
  }
  if ((csiName === undefined) !== (csiPath === undefined)) {
    bad(`Metadata "${METADATA_CSI_VOLUME_NAME}" and "${METADATA_CSI_MOUNT_POINT}" go together`);
  }
  if (csiName !== undefined && csiPath !== undefined) {
    if (!csiPath.startsWith("/")) bad(`Metadata "${METADATA_CSI_MOUNT_POINT}" must be absolute`);
    const mount: CsiMountConfig = { pvName: csiName, mountPath: csiPath };
    const sub = metadata[METADATA_CSI_SUBPATH];
    if (sub) mount.subPath = sub;
    annotations[ANNOTATION_CSI_VOLUME_CONFIG] = JSON.stringify([mount]);
  } else if (metadata[METADATA_CSI_SUBPATH] !== undefined) {
    bad(`Metadata "${METADATA_CSI_SUBPATH}" needs "${METADATA_CSI_VOLUME_NAME}"`);
  }
  return {
    labels,
    annotations,
    claimedKeys: JSON.stringify({ labels: userLabels, annotations: userAnnotations }),
    createOnNoStock,
    skipInitRuntime,
  };
}

/** The user metadata of a claimed Sandbox: the keys its claim recorded, with current values. */
export function readMetadata(sandbox: Sandbox): Record<string, string> {
  const annotations = sandbox.metadata.annotations ?? {};
  const raw = annotations[ANNOTATION_UPDATED_METADATA_IN_CLAIM];
  const out: Record<string, string> = {};
  if (!raw) return out;
  let keys: { labels?: unknown; annotations?: unknown };
  try {
    keys = JSON.parse(raw);
  } catch {
    return out;
  }
  const labels = sandbox.metadata.labels ?? {};
  for (const k of Array.isArray(keys.labels) ? keys.labels : []) {
    if (typeof k === "string" && labels[k] !== undefined) out[k] = labels[k];
  }
  for (const k of Array.isArray(keys.annotations) ? keys.annotations : []) {
    if (typeof k === "string" && annotations[k] !== undefined) out[k] = annotations[k];
  }
  return out;
}
