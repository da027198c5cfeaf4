/**
 * E2B create `metadata` (and `volumeMounts`) → what a claim writes on the Sandbox, and back.
 *
 * E2B metadata is free-form: any string key (spaces, dots, slashes) and any string value, given
 * back verbatim by `getInfo` and `list` and matched exactly by list filters. Kubernetes label and
 * annotation keys cannot hold that, so the user's metadata is stored as ONE JSON annotation
 * (`e2b.agents.kruise.io/metadata`) and read back from it: nothing is lost or renamed. (The
 * alternative, one annotation per key as the reference does, refuses every key that is not a
 * qualified name, which is most of what E2B users send.)
 *
 * Kept from the reference (§4.2):
 * - a key `label:<k>` also becomes label `<k>` on the Sandbox, so cluster tooling can select on
 *   it; the label must obey Kubernetes' rules (400 otherwise). The metadata keeps the key as sent;
 * - keys with a reserved prefix (`agents.kruise.io/`, `e2b.agents.kruise.io/`) are refused with
 *   400, except the extension keys this manager understands:
 *   - `e2b.agents.kruise.io/image`, `cpu-request` and `cpu-limit` (checked: positive CPU
 *     quantities, `cpu_resize.ts`) are stored as annotations of the same keys, and
 *     `csi-volume-name` + `csi-mount-point` (+ `csi-subpath`) and the JSON list
 *     `csi-volume-config` as the `csi-volume-config` annotation (JSON list of CSIMountConfig),
 *     exactly where the reference persists them (`csi_mounts.ts`). The body's `volumeMounts`
 *     (`[{name, path}]`, the name being a PersistentVolume's) join the same list, as in the
 *     reference. The claim resolves each to its PersistentVolume first (`volumes.ts`); mounting
 *     them into the running sandbox is pending, and `getInfo().volumeMounts` reports them;
 *   - `create-on-no-stock` (`"false"`: fail instead of a cold create) and `skip-init-runtime`
 *     (`"true"`: no `/init`) are options of the create and are not stored, and so are the keys
 *     of `create_options.ts` (`never-timeout`, `claim-timeout-seconds`, ...), except that
 *     `return-sandbox-ip` and `reserve-paused-sandbox-duration` are recorded as the annotations
 *     of the reference that the reads and pause consult.
 * - The keys a claim added are listed in the `updated-metadata-in-claim` annotation, for the
 *   reference's recycling; pool labels and controller annotations never leak into metadata.
 *
 * @module
 */
import {
  ANNOTATION_CSI_VOLUME_CONFIG,
  ANNOTATION_E2B_METADATA,
  ANNOTATION_RESERVE_PAUSED_SANDBOX_DURATION,
  ANNOTATION_RETURN_SANDBOX_IP,
  ANNOTATION_UPDATED_METADATA_IN_CLAIM,
  isReservedKey,
  METADATA_CPU_LIMIT,
  METADATA_CPU_REQUEST,
  METADATA_CREATE_ON_NO_STOCK,
  METADATA_IMAGE,
  METADATA_LABEL_PREFIX,
  METADATA_SKIP_INIT_RUNTIME,
  type Sandbox,
} from "@kruise-agents/shared/api";
import { isRecord } from "@kruise-agents/shared/std";
import { ApiError } from "../errors.ts";
import { type CreateOptions, defaultCreateOptions, takeCreateOption } from "./create_options.ts";
import { parseCpuQuantity } from "./cpu_resize.ts";
import {
  CSI_METADATA_KEYS,
  type CsiMountConfig,
  csiMounts,
  type VolumeMount,
} from "./csi_mounts.ts";

/**
 * Largest JSON of a sandbox's metadata, bytes. Kubernetes caps all annotations of an object at
 * 256 KiB together; a quarter of that leaves room for the rest.
 */
export const MAX_METADATA_BYTES = 64 * 1024;

/** What a create's metadata asks for. */
export interface MetadataPlan {
  /** Labels to add to the Sandbox. */
  labels: Record<string, string>;
  /** Annotations to add to the Sandbox (the metadata JSON and stored extension keys). */
  annotations: Record<string, string>;
  /** JSON of `{labels: [...], annotations: [...]}`: the keys the claim adds for the user. */
  claimedKeys: string;
  /** `false` when the create must not fall back to a cold Sandbox. */
  createOnNoStock: boolean;
  /** `true` when the runtime's `/init` is skipped. */
  skipInitRuntime: boolean;
  /** The create-time option keys (see `create_options.ts`). */
  options: CreateOptions;
  /** The CSI mounts asked for (also in the `csi-volume-config` annotation), unresolved. */
  csiMounts: CsiMountConfig[];
}

export type { CsiMountConfig, VolumeMount } from "./csi_mounts.ts";
export { checkVolumeMount } from "./csi_mounts.ts";

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

/** Options of {@linkcode planMetadata}. */
export interface PlanMetadataOptions {
  /** The create body's `volumeMounts`, already checked ({@linkcode checkVolumeMount}). */
  volumeMounts?: readonly VolumeMount[] | undefined;
}

/**
 * Turns a create's `metadata` (and `volumeMounts`) into what to write; throws a 400
 * {@linkcode ApiError} on a reserved key, a bad `label:` key or value, metadata over
 * {@linkcode MAX_METADATA_BYTES}, or mounts that clash.
 */
export function planMetadata(
  metadata: Record<string, string>,
  options: PlanMetadataOptions = {},
): MetadataPlan {
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  const user: Record<string, string> = {};
  const userLabels: string[] = [];
  let createOnNoStock = true, skipInitRuntime = false;
  const createOptions = defaultCreateOptions();
  for (const [key, value] of Object.entries(metadata)) {
    if (takeCreateOption(createOptions, key, value)) continue;
    if (CSI_METADATA_KEYS.has(key)) continue; // read below, as the mount list
    switch (key) {
      case METADATA_IMAGE:
        if (value.trim() === "") bad(`Metadata "${key}" must name an image`);
        annotations[METADATA_IMAGE] = value;
        continue;
      case METADATA_CPU_REQUEST:
      case METADATA_CPU_LIMIT:
        annotations[key] = parseCpuQuantity(key, value);
        continue;
      case METADATA_CREATE_ON_NO_STOCK:
        createOnNoStock = value !== "false";
        continue;
      case METADATA_SKIP_INIT_RUNTIME:
        skipInitRuntime = value === "true";
        continue;
    }
    if (isReservedKey(key)) {
      bad(`Metadata key "${key}" uses a reserved prefix and is not supported`);
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
    }
    user[key] = value;
  }
  const json = JSON.stringify(user);
  const size = new TextEncoder().encode(json).length;
  if (size > MAX_METADATA_BYTES) {
    bad(`Metadata is too large: ${size} bytes as JSON, at most ${MAX_METADATA_BYTES}`);
  }
  const claimedAnnotations: string[] = [];
  if (Object.keys(user).length > 0) {
    annotations[ANNOTATION_E2B_METADATA] = json;
    claimedAnnotations.push(ANNOTATION_E2B_METADATA);
  }
  const mounts = csiMounts(metadata, options.volumeMounts ?? []);
  if (mounts.length > 0) annotations[ANNOTATION_CSI_VOLUME_CONFIG] = JSON.stringify(mounts);
  const { returnSandboxIp, reservePausedSeconds } = createOptions;
  if (returnSandboxIp) annotations[ANNOTATION_RETURN_SANDBOX_IP] = "true";
  if (reservePausedSeconds !== undefined) {
    annotations[ANNOTATION_RESERVE_PAUSED_SANDBOX_DURATION] = `${reservePausedSeconds}s`;
  }
  return {
    labels,
    annotations,
    claimedKeys: JSON.stringify({ labels: userLabels, annotations: claimedAnnotations }),
    createOnNoStock,
    skipInitRuntime,
    options: createOptions,
    csiMounts: mounts,
  };
}

/**
 * The user metadata of a claimed Sandbox, verbatim. Sandboxes claimed before metadata was stored
 * as JSON have it as individual labels and annotations listed in `updated-metadata-in-claim`;
 * those are read the old way.
 */
export function readMetadata(sandbox: Sandbox): Record<string, string> {
  const annotations = sandbox.metadata.annotations ?? {};
  const stored = annotations[ANNOTATION_E2B_METADATA];
  if (stored !== undefined) return parseStringMap(stored);
  const raw = annotations[ANNOTATION_UPDATED_METADATA_IN_CLAIM];
  const out: Record<string, string> = {};
  if (!raw) return out;
  let keys: unknown;
  try {
    keys = JSON.parse(raw);
  } catch {
    return out;
  }
  if (!isRecord(keys)) return out;
  const labels = sandbox.metadata.labels ?? {};
  for (const k of Array.isArray(keys.labels) ? keys.labels : []) {
    if (typeof k === "string" && labels[k] !== undefined) out[k] = labels[k];
  }
  for (const k of Array.isArray(keys.annotations) ? keys.annotations : []) {
    if (typeof k === "string" && annotations[k] !== undefined) out[k] = annotations[k];
  }
  return out;
}

/** The volume mounts a claimed Sandbox was created with (its CSI mounts), as E2B reports them. */
export function readVolumeMounts(sandbox: Sandbox): VolumeMount[] {
  const raw = sandbox.metadata.annotations?.[ANNOTATION_CSI_VOLUME_CONFIG];
  if (!raw) return [];
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  const out: VolumeMount[] = [];
  for (const m of list) {
    if (isRecord(m) && typeof m.pvName === "string" && typeof m.mountPath === "string") {
      out.push({ name: m.pvName, path: m.mountPath });
    }
  }
  return out;
}

/** A JSON object of strings, or `{}` when the text is not one (its string entries kept). */
function parseStringMap(text: string): Record<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {};
  }
  if (!isRecord(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === "string") out[k] = v;
  return out;
}
