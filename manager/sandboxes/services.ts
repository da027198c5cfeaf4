/**
 * What every operation on claimed sandboxes goes through: the Kubernetes seam for writes, the
 * {@linkcode SandboxIndex} for reads, and the {@linkcode RuntimeClient} for calls into a sandbox.
 * `createManager` builds them once and hands the same three to the claimer and the lifecycle.
 *
 * @module
 */
import type { KubeClient } from "@kruise-agents/shared/kube";
import type { RuntimeClient } from "./runtime_client.ts";
import type { SandboxIndex } from "./sandbox_index.ts";

/** The clients the claimer and the lifecycle share. */
export interface SandboxServices {
  /** API writes. */
  kube: KubeClient;
  /** Caches and lookups. */
  index: SandboxIndex;
  /** Calls into a sandbox's runtime (`/init`, `/metrics`). */
  runtime: RuntimeClient;
}
