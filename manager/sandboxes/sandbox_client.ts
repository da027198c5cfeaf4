/**
 * Typed reads and writes of one Sandbox through the Kubernetes seam, for the claimer and the
 * lifecycle: each call is addressed by the Sandbox object itself (its namespace and name) and
 * parses what the API server answers, so the domain code never handles untyped objects or
 * repeats the addressing. Errors are the seam's (`KubeApiError`), for the caller to map.
 *
 * @module
 */
import { parseSandbox, type Sandbox } from "@kruise-agents/shared/api";
import {
  type DeleteOptions,
  type KubeClient,
  type KubeObject,
  SANDBOXES,
} from "@kruise-agents/shared/kube";

/** Sandbox-typed create, get, update, patch and delete over a {@linkcode KubeClient}. */
export class SandboxClient {
  readonly #kube: KubeClient;

  /** Wraps `kube`. */
  constructor(kube: KubeClient) {
    this.#kube = kube;
  }

  /** Creates `sandbox`; returns it as stored. */
  async create(sandbox: Sandbox): Promise<Sandbox> {
    return parseSandbox(await this.#kube.create<KubeObject>(SANDBOXES, asObject(sandbox)));
  }

  /** The stored state of `sandbox` (by namespace and name). */
  async get(sandbox: Sandbox): Promise<Sandbox> {
    return parseSandbox(
      await this.#kube.get<KubeObject>(SANDBOXES, namespaceOf(sandbox), nameOf(sandbox)),
    );
  }

  /** Replaces `sandbox` (optimistic: its resourceVersion must be current); returns it stored. */
  async update(sandbox: Sandbox): Promise<Sandbox> {
    return parseSandbox(await this.#kube.update<KubeObject>(SANDBOXES, asObject(sandbox)));
  }

  /** Applies a JSON merge patch to `sandbox`; returns it as stored. */
  async patch(sandbox: Sandbox, patch: Record<string, unknown>): Promise<Sandbox> {
    return parseSandbox(
      await this.#kube.patch<KubeObject>(SANDBOXES, namespaceOf(sandbox), nameOf(sandbox), patch),
    );
  }

  /** Deletes `sandbox`. */
  async delete(sandbox: Sandbox, options?: DeleteOptions): Promise<void> {
    await this.#kube.delete(SANDBOXES, namespaceOf(sandbox), nameOf(sandbox), options);
  }
}

function namespaceOf(sandbox: Sandbox): string {
  return sandbox.metadata.namespace ?? "";
}

function nameOf(sandbox: Sandbox): string {
  return sandbox.metadata.name ?? "";
}

function asObject(sandbox: Sandbox): KubeObject {
  // A Sandbox is a KubeObject whose spec and status are typed; the seam takes the loose shape.
  return sandbox as unknown as KubeObject;
}
