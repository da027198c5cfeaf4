/**
 * What every operation on claimed sandboxes goes through: the {@linkcode SandboxClient} for writes
 * and fresh reads, the
 * {@linkcode SandboxIndex} for reads, and the {@linkcode RuntimeClient} for calls into a sandbox.
 * `createManager` builds them once and hands the same three to the claimer and the lifecycle.
 *
 * @module
 */
import type { RuntimeClient } from "./runtime_client.ts";
import type { SandboxClient } from "./sandbox_client.ts";
import type { SandboxIndex } from "./sandbox_index.ts";
import type { VolumeResolver } from "./volumes.ts";

/** The clients the claimer and the lifecycle share. */
export interface SandboxServices {
  /** Sandbox writes and fresh reads through the Kubernetes seam. */
  sandboxes: SandboxClient;
  /** Caches and lookups. */
  index: SandboxIndex;
  /** Calls into a sandbox's runtime (`/init`, `/metrics`). */
  runtime: RuntimeClient;
  /**
   * Resolves a create's CSI mounts to their PersistentVolumes. Without it (tests of other parts)
   * the mounts are stored as asked, unresolved.
   */
  volumes?: VolumeResolver | undefined;
}
