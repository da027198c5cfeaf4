/**
 * What a program knows about the pod it runs in, for leader election: the namespace it runs in
 * (where its Lease belongs by default) and an identity that is unique among its replicas.
 *
 * Both read only what the controller's permissions allow (`--allow-env`, `--allow-read`): the
 * `POD_NAMESPACE` and `HOSTNAME` variables (a pod's `HOSTNAME` is its name) and the service
 * account's namespace file, with fallbacks for a program run outside a cluster.
 *
 * @module
 */

/**
 * Where a pod finds the namespace of its service account.
 *
 * @example
 * ```ts ignore
 * import { SERVICE_ACCOUNT_NAMESPACE_FILE } from "@kruise-agents/shared/kube";
 * const namespace = (await Deno.readTextFile(SERVICE_ACCOUNT_NAMESPACE_FILE)).trim();
 * ```
 */
export const SERVICE_ACCOUNT_NAMESPACE_FILE =
  "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

/**
 * Where {@linkcode podNamespace} looks (injected, so tests need no files or variables).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type PodEnvironment, podNamespace } from "@kruise-agents/shared/kube";
 * const outsideCluster: PodEnvironment = {
 *   env: (name) => (name === "POD_NAMESPACE" ? "team-a" : undefined),
 *   readFile: () => Promise.resolve(undefined),
 * };
 * assert.equal(await podNamespace(outsideCluster), "team-a");
 * ```
 */
export interface PodEnvironment {
  /** Reads an environment variable. @default {Deno.env.get} */
  env?: ((name: string) => string | undefined) | undefined;
  /** Reads a file, or returns undefined when it cannot. @default {Deno.readTextFile} */
  readFile?: ((path: string) => Promise<string | undefined>) | undefined;
}

function envOf(options: PodEnvironment): (name: string) => string | undefined {
  return options.env ?? ((name) => {
    try {
      return Deno.env.get(name);
    } catch {
      return undefined; // no --allow-env for it
    }
  });
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
}

/**
 * The namespace this program's pod runs in: `POD_NAMESPACE` (set from the downward API), else
 * the service account's namespace file, else `default` (a program run outside a cluster).
 *
 * @example
 * ```ts ignore
 * import { podNamespace } from "@kruise-agents/shared/kube";
 * const namespace = await podNamespace();
 * ```
 */
export async function podNamespace(options: PodEnvironment = {}): Promise<string> {
  const fromEnv = envOf(options)("POD_NAMESPACE")?.trim();
  if (fromEnv) return fromEnv;
  const fromFile = (await (options.readFile ?? readOptional)(SERVICE_ACCOUNT_NAMESPACE_FILE))
    ?.trim();
  return fromFile || "default";
}

/**
 * An identity for leader election, as client-go builds one: the host name (the pod's name in a
 * cluster) and a random suffix, so that a restarted replica never mistakes the lease of its
 * previous life for its own, and two replicas on one host (tests) differ.
 *
 * @example
 * ```ts
 * import { leaderIdentity } from "@kruise-agents/shared/kube";
 * const id = leaderIdentity({ env: () => "controller-7d9f" }); // "controller-7d9f_3f2a8c1e..."
 * ```
 */
export function leaderIdentity(options: Pick<PodEnvironment, "env"> = {}): string {
  const host = envOf(options)("HOSTNAME")?.trim() || "controller";
  return `${host}_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
}
