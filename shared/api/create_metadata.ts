/**
 * Typed builders of the reference's create-time metadata keys (`e2b.agents.kruise.io/...`), for
 * SDK users and extension authors: the E2B SDKs take `metadata` as plain strings, and a typo in a
 * key or a value format is otherwise found only when the create answers 400.
 * {@linkcode createMetadata} checks each value as the manager does and spells the keys and
 * formats it expects.
 *
 * @module
 */
import { cpuMillis } from "./quantity.ts";
import {
  METADATA_CLAIM_TIMEOUT_SECONDS,
  METADATA_CPU_LIMIT,
  METADATA_CPU_REQUEST,
  METADATA_CREATE_ON_NO_STOCK,
  METADATA_CSI_MOUNT_POINT,
  METADATA_CSI_SUBPATH,
  METADATA_CSI_VOLUME_CONFIG,
  METADATA_CSI_VOLUME_NAME,
  METADATA_IMAGE,
  METADATA_NEVER_TIMEOUT,
  METADATA_RESERVE_PAUSED_SANDBOX_DURATION,
  METADATA_RETURN_SANDBOX_IP,
  METADATA_SKIP_INIT_RUNTIME,
  METADATA_WAIT_READY_TIMEOUT_SECONDS,
} from "./e2b_create_keys.ts";

/**
 * What a create asks of the system beyond E2B's fields; every field is optional.
 *
 * @example
 * ```ts
 * import type { CreateMetadataOptions } from "@kruise-agents/shared/api";
 * const options: CreateMetadataOptions = { neverTimeout: true, claimTimeoutSeconds: 30 };
 * ```
 */
export interface CreateMetadataOptions {
  /** In-place upgrade: the claimed sandbox's main container runs this image. */
  image?: string;
  /**
   * In-place CPU resize of the claimed sandbox's main container: a positive CPU quantity
   * (`"500m"`, `"2"`) or a number of cores.
   */
  cpuRequest?: string | number;
  /** The CPU limit, as {@linkcode CreateMetadataOptions.cpuRequest}. */
  cpuLimit?: string | number;
  /** A PersistentVolume mounted at an absolute path in the sandbox (and a sub-path of it). */
  csiVolume?: { volumeName: string; mountPoint: string; subPath?: string };
  /**
   * Several PersistentVolume mounts, as the reference's JSON list key `csi-volume-config`
   * (CSIMountConfig: `pvName`, `mountPath`, optional `subPath` and `readOnly`).
   */
  csiVolumes?: { pvName: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
  /** The whole claim (waits for stock included) ends after this many seconds (1 to 86400). */
  claimTimeoutSeconds?: number;
  /** How long the create waits for the claimed sandbox to be Ready, seconds (1 to 86400). */
  waitReadyTimeoutSeconds?: number;
  /** No shutdown time at all (until `setTimeout` sets one). */
  neverTimeout?: boolean;
  /** Reads report the sandbox's IP as metadata `e2b.agents.kruise.io/sandbox-ip`. */
  returnSandboxIp?: boolean;
  /**
   * How long the sandbox is kept once paused: `"forever"`, a Go duration such as `"2h30m"`, or
   * seconds.
   */
  reservePausedSandboxDuration?: "forever" | string | number;
  /** `false`: fail rather than start a cold sandbox when the pool is empty. */
  createOnNoStock?: boolean;
  /** Skip the runtime's `/init` (env vars are then not set in the sandbox). */
  skipInitRuntime?: boolean;
}

const MAX_WAIT_SECONDS = 86_400;
const GO_DURATION = /^((?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+$/;

function seconds(name: string, value: number): string {
  if (!Number.isInteger(value) || value < 1 || value > MAX_WAIT_SECONDS) {
    throw new RangeError(`${name} must be a whole number of seconds from 1 to ${MAX_WAIT_SECONDS}`);
  }
  return String(value);
}

function retention(value: string | number): string {
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError("reservePausedSandboxDuration must be at least one whole second");
    }
    return `${value}s`;
  }
  if (value !== "forever" && !GO_DURATION.test(value)) {
    throw new RangeError(
      `reservePausedSandboxDuration must be "forever" or a Go duration such as "2h30m", got "${value}"`,
    );
  }
  return value;
}

/**
 * The metadata entries of `options`, merged over `user` (the user's own metadata, which must not
 * use the `e2b.agents.kruise.io/` keys this builds). Throws `RangeError` naming the field on a
 * value the manager would refuse.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createMetadata } from "@kruise-agents/shared/api";
 * const metadata = createMetadata({
 *   image: "e2bdev/code-interpreter:latest",
 *   csiVolume: { volumeName: "oss-pv-test", mountPoint: "/data" },
 *   reservePausedSandboxDuration: "2h",
 * }, { owner: "agent-7" });
 * assert.equal(metadata["e2b.agents.kruise.io/image"], "e2bdev/code-interpreter:latest");
 * assert.equal(metadata["e2b.agents.kruise.io/csi-mount-point"], "/data");
 * assert.equal(metadata.owner, "agent-7");
 * // then: Sandbox.create("code-interpreter", { metadata })
 * ```
 */
export function createMetadata(
  options: CreateMetadataOptions,
  user: Record<string, string> = {},
): Record<string, string> {
  const out: Record<string, string> = { ...user };
  const set = (key: string, value: string) => {
    if (key in user) throw new RangeError(`the user metadata sets "${key}" itself`);
    out[key] = value;
  };
  if (options.image !== undefined) {
    if (options.image.trim() === "") throw new RangeError("image must name an image");
    set(METADATA_IMAGE, options.image);
  }
  for (
    const [name, key] of [["cpuRequest", METADATA_CPU_REQUEST], [
      "cpuLimit",
      METADATA_CPU_LIMIT,
    ]] as const
  ) {
    const value = options[name];
    if (value === undefined) continue;
    let millis = Number.NaN;
    try {
      millis = cpuMillis(value);
    } catch { /* reported below */ }
    if (!(millis > 0) || !Number.isFinite(millis)) {
      throw new RangeError(
        `${name} must be a positive CPU quantity such as "500m", got "${value}"`,
      );
    }
    set(key, String(value));
  }
  const csi = options.csiVolume;
  if (csi !== undefined) {
    if (csi.volumeName.trim() === "") throw new RangeError("csiVolume.volumeName is empty");
    if (!csi.mountPoint.startsWith("/")) {
      throw new RangeError(`csiVolume.mountPoint must be absolute, got "${csi.mountPoint}"`);
    }
    set(METADATA_CSI_VOLUME_NAME, csi.volumeName);
    set(METADATA_CSI_MOUNT_POINT, csi.mountPoint);
    if (csi.subPath) set(METADATA_CSI_SUBPATH, csi.subPath);
  }
  if (options.csiVolumes !== undefined && options.csiVolumes.length > 0) {
    for (const [i, m] of options.csiVolumes.entries()) {
      if (m.pvName.trim() === "") throw new RangeError(`csiVolumes[${i}].pvName is empty`);
      if (!m.mountPath.startsWith("/")) {
        throw new RangeError(`csiVolumes[${i}].mountPath must be absolute, got "${m.mountPath}"`);
      }
    }
    set(METADATA_CSI_VOLUME_CONFIG, JSON.stringify(options.csiVolumes));
  }
  if (options.claimTimeoutSeconds !== undefined) {
    set(
      METADATA_CLAIM_TIMEOUT_SECONDS,
      seconds("claimTimeoutSeconds", options.claimTimeoutSeconds),
    );
  }
  if (options.waitReadyTimeoutSeconds !== undefined) {
    set(
      METADATA_WAIT_READY_TIMEOUT_SECONDS,
      seconds("waitReadyTimeoutSeconds", options.waitReadyTimeoutSeconds),
    );
  }
  if (options.neverTimeout !== undefined) set(METADATA_NEVER_TIMEOUT, String(options.neverTimeout));
  if (options.returnSandboxIp !== undefined) {
    set(METADATA_RETURN_SANDBOX_IP, String(options.returnSandboxIp));
  }
  if (options.reservePausedSandboxDuration !== undefined) {
    set(METADATA_RESERVE_PAUSED_SANDBOX_DURATION, retention(options.reservePausedSandboxDuration));
  }
  if (options.createOnNoStock !== undefined) {
    set(METADATA_CREATE_ON_NO_STOCK, String(options.createOnNoStock));
  }
  if (options.skipInitRuntime !== undefined) {
    set(METADATA_SKIP_INIT_RUNTIME, String(options.skipInitRuntime));
  }
  return out;
}
