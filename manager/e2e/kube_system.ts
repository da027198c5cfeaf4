/**
 * The system on a real API server as separate programs, for the liveness tests and the kube
 * benchmark: the local node, the controller and the manager, each run as `deno run <its flags>
 * <main.ts>` against a kubeconfig, with their output kept and their health endpoints on free
 * loopback ports; plus the pool probes both use.
 *
 * @module
 */
import {
  generateTokenKey,
  isSandboxReady,
  LABEL_SANDBOX_CLAIMED,
  LABEL_SANDBOX_POOL,
  parseSandbox,
  type Sandbox as SandboxObject,
} from "@kruise-agents/shared/api";
import {
  createKubernetesClient,
  type KubeClient,
  NAMESPACES,
  SANDBOX_SETS,
  SANDBOXES,
} from "@kruise-agents/shared/kube";
import type { KubeEnv } from "@kruise-agents/shared/testing";
import { delay, poll } from "@kruise-agents/shared/std";
import { stringify } from "yaml";
import { generateApiKey } from "../auth/api_keys.ts";

/** The permissions of the controller and the manager (see the README). */
export const NET_ENV_READ: readonly string[] = ["--allow-net", "--allow-env", "--allow-read"];

/**
 * The controller's leader election in these systems: a Lease of the test's own namespace, and
 * timings long enough to ride out an API server restart. With the default ones (renew deadline
 * 10 s) a leader cut off from the API server for longer gives up and exits 1, for its pod to
 * restart, as client-go's do; a restart of kube-apiserver on a busy 2-core machine takes ~15 s,
 * and these tests are about the programs hearing the cluster again without a restart.
 */
export function livenessLeaderElection(namespace: string): string[] {
  return [
    "--leader-election-namespace",
    namespace,
    "--leader-elect-lease-duration",
    "120",
    "--leader-elect-renew-deadline",
    "90",
  ];
}

/** A free loopback port (bound, then released). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** One of the programs, run as `deno run <flags> <main.ts> <args>`, its output kept. */
export class Program {
  readonly name: string;
  readonly #child: Deno.ChildProcess;
  #output = "";
  readonly #pumps: Promise<void>[];

  constructor(name: string, flags: readonly string[], main: string, args: string[]) {
    this.name = name;
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...flags, new URL(main, import.meta.url).pathname, ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#pumps = [this.#child.stdout, this.#child.stderr].map(async (stream) => {
      for await (const text of stream.pipeThrough(new TextDecoderStream())) this.#output += text;
    });
  }

  get output(): string {
    return this.#output;
  }

  /** Whether the process still runs. */
  async alive(): Promise<boolean> {
    const done = await Promise.race([
      this.#child.status.then(() => true),
      delay(0).then(() => false),
    ]);
    return !done;
  }

  /** SIGTERM, then the exit code. */
  async stop(): Promise<number> {
    try {
      this.#child.kill("SIGTERM");
    } catch { /* already gone */ }
    const status = await this.#child.status;
    await Promise.all(this.#pumps);
    return status.code;
  }
}

export async function get(url: string): Promise<Response> {
  return await fetch(url, { signal: AbortSignal.timeout(2000) });
}

export async function ready(healthPort: number): Promise<boolean> {
  try {
    const res = await get(`http://127.0.0.1:${healthPort}/readyz`);
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** `kruise_agents_watch_restarts_total` per resource, from a program's `/metrics`. */
export async function watchRestarts(healthPort: number): Promise<Record<string, number>> {
  const text = await (await get(`http://127.0.0.1:${healthPort}/metrics`)).text();
  const out: Record<string, number> = {};
  for (
    const m of text.matchAll(
      /^kruise_agents_watch_restarts_total\{[^}]*resource="([^"]+)"\} (\d+)$/gm,
    )
  ) {
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** Writes a new token key file in `dir` (as the chart's Secret would hold it); its path. */
export async function writeTokenKey(dir: string): Promise<string> {
  const path = `${dir}/token-key`;
  await Deno.writeTextFile(path, generateTokenKey(), { mode: 0o600 });
  return path;
}

/** The controller as a program, its health endpoint on loopback `healthPort`. */
export function controllerProgram(args: string[], healthPort: number): Program {
  return new Program("controller", NET_ENV_READ, "../../controller/main.ts", [
    ...args,
    "--health-port",
    String(healthPort),
    "--health-host",
    "127.0.0.1",
  ]);
}

/** Where {@linkcode managerProgram} listens and what it reads. */
export interface ManagerPorts {
  /** The API keys file. */
  keysFile: string;
  /** The REST API's port. */
  apiPort: number;
  /** The data-plane proxy's port (may be `apiPort`). */
  proxyPort: number;
  /** The health endpoint's port. */
  healthPort: number;
}

/** The manager as a program, on loopback. */
export function managerProgram(args: string[], ports: ManagerPorts): Program {
  return new Program("manager", NET_ENV_READ, "../main.ts", [
    ...args,
    "--keys-file",
    ports.keysFile,
    "--hostname",
    "127.0.0.1",
    "--port",
    String(ports.apiPort),
    "--proxy-port",
    String(ports.proxyPort),
    "--health-port",
    String(ports.healthPort),
  ]);
}

export interface System {
  kube: KubeClient;
  namespace: string;
  programs: Program[];
  health: Record<string, number>;
  sdk: { apiKey: string; apiUrl: string; sandboxUrl: string; domain: string };
}

export async function startSystem(
  env: KubeEnv,
  dir: string,
  namespace: string,
  watchTimeout: number,
): Promise<System> {
  const { key, record } = await generateApiKey({ team: namespace, name: "liveness" });
  await Deno.writeTextFile(`${dir}/keys.yaml`, stringify({ keys: [record] }));
  await Deno.chmod(dir, 0o711); // the node's containers reach their pod directories through it
  const health = { controller: freePort(), manager: freePort(), node: freePort() };
  const [apiPort, proxyPort] = [freePort(), freePort()];
  const common = ["--kubeconfig", env.kubeconfig, "--watch-timeout", String(watchTimeout)];
  const keyFile = ["--token-key-file", await writeTokenKey(dir)];
  const programs = [
    new Program("local node", ["--allow-all"], "../../controller/local_node/main.ts", [
      ...common,
      "--data-dir",
      `${dir}/node`,
      "--node-prefix",
      "kal",
      "--pod-subnet",
      "10.218.0.0/24",
      "--health-port",
      String(health.node),
      "--kill-sandboxes-on-exit",
    ]),
    controllerProgram([
      ...common,
      ...keyFile,
      "--namespace",
      namespace,
      ...livenessLeaderElection(namespace),
    ], health.controller),
    managerProgram([...common, ...keyFile], {
      keysFile: `${dir}/keys.yaml`,
      apiPort,
      proxyPort,
      healthPort: health.manager,
    }),
  ];
  const kube = createKubernetesClient({ kubeconfigPath: env.kubeconfig });
  for (const [name, port] of Object.entries(health)) {
    await poll(`${name} to be ready`, async () => await ready(port) || undefined, {
      timeoutMs: 60_000,
      intervalMs: 200,
    });
  }
  return {
    kube,
    namespace,
    programs,
    health,
    sdk: {
      apiKey: key,
      apiUrl: `http://127.0.0.1:${apiPort}`,
      sandboxUrl: `http://127.0.0.1:${proxyPort}`,
      domain: "localhost",
    },
  };
}

export async function available(system: System): Promise<SandboxObject[]> {
  const { items } = await system.kube.list(SANDBOXES, {
    namespace: system.namespace,
    labelSelector: `${LABEL_SANDBOX_POOL}=base,${LABEL_SANDBOX_CLAIMED}=false`,
  });
  return items.map(parseSandbox).filter((s) => !s.metadata.deletionTimestamp && isSandboxReady(s));
}

export async function poolFull(system: System, what: string): Promise<SandboxObject[]> {
  return await poll(what, async () => {
    const ready = await available(system);
    return ready.length === 2 ? ready : undefined;
  }, { timeoutMs: 90_000, intervalMs: 250 });
}

/** A namespace with a SandboxSet `base` of `replicas` sandboxes. */
export async function basePool(
  kube: KubeClient,
  namespace: string,
  replicas: number,
): Promise<void> {
  await kube.create(NAMESPACES, {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: namespace },
  });
  await kube.create(SANDBOX_SETS, {
    apiVersion: "agents.kruise.io/v1alpha1",
    kind: "SandboxSet",
    metadata: { name: "base", namespace },
    spec: {
      replicas,
      template: {
        spec: {
          containers: [{
            name: "sandbox",
            image: "kruise-agents/sandbox-base:0.1.0",
            ports: [{ containerPort: 49983 }],
          }],
        },
      },
    },
  });
}

/** Stops every program, last started first. */
export async function stopSystem(system: System | undefined): Promise<void> {
  for (const program of [...(system?.programs ?? [])].reverse()) await program.stop();
}
