// The private kit of the KubeClient contract tests (contract_test.ts, contract_delete_test.ts,
// contract_watch_test.ts): the two backends, the fixtures and the polling helpers, and
// runContract(), which runs one table of behaviours against both backends. A real cluster is
// eventually consistent: garbage collection and namespace deletion are asynchronous there, so
// those steps poll with a bounded wait (`eventually`); the embedded store passes the first check.
import assert from "node:assert/strict";
import {
  isNotFound,
  type KubeClient,
  type KubeObject,
  NAMESPACES,
  type Resource,
  SANDBOX_SETS,
  SANDBOXES,
  type WatchEvent,
} from "./client.ts";
import { EmbeddedStore } from "./embedded_store.ts";
import { createKubernetesClient } from "./kubernetes_client.ts";
import { kubeEnvWithCrds } from "../testing/kube_env.ts";

const SERVICE_ACCOUNTS: Resource = {
  apiVersion: "v1",
  kind: "ServiceAccount",
  plural: "serviceaccounts",
  namespaced: true,
};

/** What a behaviour gets: a client and a fresh namespace that exists. */
export interface Ctx {
  client: KubeClient;
  ns: string;
}

interface Backend {
  name: string;
  /** Sanitizers off for the cluster: client-node keeps pooled connections across tests. */
  sanitize: boolean;
  open(): Promise<Ctx & { close(): Promise<void> }>;
}

let cluster: Promise<KubeClient> | undefined;

function kubernetes(): Promise<KubeClient> {
  cluster ??= (async () => {
    const env = await kubeEnvWithCrds();
    return createKubernetesClient({ kubeconfigPath: env.kubeconfig });
  })();
  return cluster;
}

const BACKENDS: Backend[] = [
  {
    name: "EmbeddedStore",
    sanitize: true,
    async open() {
      // A short history, so that the "very old resourceVersion" behaviour can outrun it.
      const client = await EmbeddedStore.open({ historyLimit: 20 });
      const ns = `contract-${crypto.randomUUID().slice(0, 8)}`;
      await client.create(NAMESPACES, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: ns },
      });
      return { client, ns, close: () => client.close() };
    },
  },
  {
    name: "createKubernetesClient",
    sanitize: false,
    async open() {
      const client = await kubernetes();
      const ns = `contract-${crypto.randomUUID().slice(0, 8)}`;
      await client.create(NAMESPACES, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: ns },
      });
      // Pods are refused until the serviceaccount controller has made the default account.
      await eventually(() => exists(client, SERVICE_ACCOUNTS, ns, "default"));
      return {
        client,
        ns,
        close: () => client.delete(NAMESPACES, "", ns).catch(() => {}),
      };
    },
  },
];

/** Polls `check` until it holds, for at most 30 s (eventual consistency of a real cluster). */
export async function eventually(check: () => Promise<boolean>, what = "condition"): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Whether the object exists (NotFound is false; other errors throw). */
export async function exists(
  client: KubeClient,
  resource: Resource,
  ns: string,
  name: string,
): Promise<boolean> {
  try {
    await client.get(resource, ns, name);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** The next watch event, waiting at most 30 s for the server to deliver it. */
export async function nextEvent(
  events: AsyncIterator<WatchEvent<KubeObject>>,
): Promise<WatchEvent<KubeObject>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("No watch event within 30 s")), 30_000);
  });
  try {
    const next = await Promise.race([events.next(), timeout]);
    assert.equal(next.done, false, "the watch ended");
    return next.value as WatchEvent<KubeObject>;
  } finally {
    clearTimeout(timer);
  }
}

/** A Sandbox named `name` in `ns`, with a one-container template. */
export function sandbox(
  ns: string,
  name: string,
  labels: Record<string, string> = {},
  extra: Partial<KubeObject> = {},
): KubeObject {
  return {
    apiVersion: SANDBOXES.apiVersion,
    kind: SANDBOXES.kind,
    metadata: { name, namespace: ns, labels },
    spec: { template: { spec: { containers: [{ name: "main", image: "busybox" }] } } },
    ...extra,
  };
}

/** An empty SandboxSet named `name` in `ns`. */
export function sandboxSet(ns: string, name: string): KubeObject {
  return {
    apiVersion: SANDBOX_SETS.apiVersion,
    kind: SANDBOX_SETS.kind,
    metadata: { name, namespace: ns },
    spec: { replicas: 0, template: { spec: { containers: [{ name: "main", image: "busybox" }] } } },
  };
}

/** An ownerReference to `owner`. */
export function ownedBy(
  owner: KubeObject,
): { apiVersion: string; kind: string; name: string; uid: string } {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
  };
}

/** One behaviour of the contract: a name and a run against a fresh namespace. */
export interface Behaviour {
  /** What the behaviour asserts, as the test name says it. */
  name: string;
  /** Runs it. */
  run(ctx: Ctx): Promise<void>;
}

/** Registers one test per backend and behaviour, each in its own namespace. */
export function runContract(behaviours: readonly Behaviour[]): void {
  for (const backend of BACKENDS) {
    for (const behaviour of behaviours) {
      Deno.test({
        name: `${backend.name}: ${behaviour.name}`,
        sanitizeOps: backend.sanitize,
        sanitizeResources: backend.sanitize,
        async fn() {
          const ctx = await backend.open();
          try {
            await behaviour.run(ctx);
          } finally {
            await ctx.close();
          }
        },
      });
    }
  }
}
