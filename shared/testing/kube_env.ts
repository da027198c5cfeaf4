/**
 * Test kit for the real control plane (etcd + kube-apiserver + kube-controller-manager) of
 * `hack/kube.sh`. The first call of {@linkcode kubeEnv} in a process runs `bash hack/kube.sh up`,
 * which builds the binaries once per machine (cached) and starts the control plane once per
 * checkout (idempotent); every later call in the process shares that promise. The control plane
 * outlives the test run on purpose: the next run starts in well under a second, and CI stops it
 * with `deno task kube-down`.
 *
 * Tests need `--allow-run` (bash, kubectl), `--allow-read` and `--allow-env`.
 *
 * @example
 * ```ts ignore
 * import { kubectl, kubeEnv } from "@kruise-agents/shared/testing";
 * const env = await kubeEnv();
 * const out = await kubectl(env, ["get", "namespaces", "-o", "name"]);
 * ```
 *
 * @module
 */
import { type CommandResult, runCommand } from "./command.ts";

/**
 * Where and how to reach the running control plane.
 *
 * @example
 * ```ts ignore
 * import { type KubeEnv, kubeEnv } from "@kruise-agents/shared/testing";
 * const env: KubeEnv = await kubeEnv();
 * const client = Deno.createHttpClient({ caCerts: [env.caCert] });
 * const res = await fetch(`${env.server}/version`, {
 *   client,
 *   headers: { authorization: `Bearer ${env.token}` },
 * });
 * ```
 */
export interface KubeEnv {
  /** Path of an admin kubeconfig (what `export KUBECONFIG=...` names). */
  kubeconfig: string;
  /** `https://127.0.0.1:<port>` of kube-apiserver. */
  server: string;
  /** Bearer token of the admin user (group `system:masters`), for `fetch`. */
  token: string;
  /** PEM of the CA that signed the API server's certificate, for `Deno.createHttpClient`. */
  caCert: string;
  /** Folder holding kubectl, helm, kubeconform, etcd, kube-apiserver, kube-controller-manager. */
  binDir: string;
  /** How it was started. */
  options: KubeEnvOptions;
}

const KUBE_SH = new URL("../../hack/kube.sh", import.meta.url).pathname;
const REPO = new URL("../../", import.meta.url).pathname;

/**
 * Options of {@linkcode kubeEnv}: a control plane of its own, with its own settings.
 *
 * @example
 * ```ts ignore
 * import { kubeDown, kubeEnv, type KubeEnvOptions } from "@kruise-agents/shared/testing";
 * const options: KubeEnvOptions = { name: "watch-liveness", minRequestTimeout: 5 };
 * const env = await kubeEnv(options); // a control plane of its own
 * await kubeDown(env);
 * ```
 */
export interface KubeEnvOptions {
  /**
   * A separate control plane (state in `.cache/kube-NAME`), for tests that restart or slow down
   * the API server and so must not share it with other tests. @default {the shared one}
   */
  name?: string;
  /** kube-apiserver `--min-request-timeout`, seconds (watch liveness tests set it low). */
  minRequestTimeout?: number;
}

const started = new Map<string, Promise<KubeEnv>>();

/**
 * Starts the control plane (once per process and name) and resolves to how to reach it. A failed
 * start is not cached, so a later test retries instead of failing on a stale rejection.
 *
 * @example
 * ```ts ignore
 * import { createKubernetesClient, NAMESPACES } from "@kruise-agents/shared/kube";
 * import { kubeEnv } from "@kruise-agents/shared/testing";
 * const env = await kubeEnv();
 * const kube = createKubernetesClient({ kubeconfigPath: env.kubeconfig });
 * const { items } = await kube.list(NAMESPACES);
 * ```
 */
export function kubeEnv(options: KubeEnvOptions = {}): Promise<KubeEnv> {
  const name = options.name ?? "";
  let env = started.get(name);
  if (env === undefined) {
    env = start(options).catch((error) => {
      started.delete(name);
      throw error;
    });
    started.set(name, env);
  }
  return env;
}

function kubeShEnv(options: KubeEnvOptions): Record<string, string> {
  const env: Record<string, string> = {};
  if (options.name !== undefined) {
    env.KRUISE_AGENTS_KUBE_STATE = `${REPO}.cache/kube-${options.name}`;
  }
  if (options.minRequestTimeout !== undefined) {
    env.KUBE_MIN_REQUEST_TIMEOUT = String(options.minRequestTimeout);
  }
  return env;
}

async function kubeSh(command: string, options: KubeEnvOptions): Promise<string> {
  // stderr is inherited: a first run builds for many minutes, and its progress should be visible.
  const out = await new Deno.Command("bash", {
    args: [KUBE_SH, command],
    env: kubeShEnv(options),
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) {
    throw new Error(`"bash hack/kube.sh ${command}" exited with ${out.code}`);
  }
  return new TextDecoder().decode(out.stdout);
}

async function start(options: KubeEnvOptions): Promise<KubeEnv> {
  const stdout = await kubeSh("up", options);
  const kubeconfig = /^export KUBECONFIG=(.+)$/m.exec(stdout)?.[1];
  if (kubeconfig === undefined) {
    throw new Error(`Cannot start the control plane: no KUBECONFIG in the output: ${stdout}`);
  }
  const state = kubeconfig.slice(0, kubeconfig.lastIndexOf("/"));
  const ports = await Deno.readTextFile(`${state}/ports`);
  const port = /^API_PORT=(\d+)$/m.exec(ports)?.[1];
  if (port === undefined) throw new Error(`Cannot read API_PORT from ${state}/ports`);
  return {
    kubeconfig,
    server: `https://127.0.0.1:${port}`,
    token: (await Deno.readTextFile(`${state}/token`)).trim(),
    caCert: await Deno.readTextFile(`${state}/pki/ca.crt`),
    binDir: await Deno.realPath(`${state}/bin`),
    options,
  };
}

/**
 * Stops kube-apiserver of `env` and starts it again; resolves once it is ready.
 *
 * @example
 * ```ts ignore
 * import { kubeEnv, restartApiServer } from "@kruise-agents/shared/testing";
 * const env = await kubeEnv({ name: "restart" });
 * await restartApiServer(env); // informers must resume on their own
 * ```
 */
export async function restartApiServer(env: KubeEnv): Promise<void> {
  await kubeSh("restart-apiserver", env.options);
}

/**
 * Stops a separate control plane (one started with `name`) and removes its state; the shared
 * one is left for CI's `kube-down`.
 *
 * @example
 * ```ts ignore
 * import { kubeDown, kubeEnv } from "@kruise-agents/shared/testing";
 * const env = await kubeEnv({ name: "slow-apiserver" });
 * try {
 *   // ... a test that must not share its API server
 * } finally {
 *   await kubeDown(env);
 * }
 * ```
 */
export async function kubeDown(env: KubeEnv): Promise<void> {
  if (env.options.name === undefined) return;
  started.delete(env.options.name);
  await kubeSh("down", env.options);
}

/**
 * Runs the built kubectl against `env` with `args`; `options.stdin` is written to its standard
 * input (e.g. a manifest for `apply -f -`). Never throws on a non-zero exit: tests assert on the
 * result, including expected rejections.
 *
 * @example
 * ```ts ignore
 * import { kubectl, kubeEnv } from "@kruise-agents/shared/testing";
 * const env = await kubeEnv();
 * const result = await kubectl(env, ["apply", "-f", "-"], { stdin: "kind: Nonsense\n" });
 * if (result.success) throw new Error("a bad manifest was accepted");
 * ```
 */
export function kubectl(
  env: KubeEnv,
  args: string[],
  options: { stdin?: string } = {},
): Promise<CommandResult> {
  return runCommand(`${env.binDir}/kubectl`, [`--kubeconfig=${env.kubeconfig}`, ...args], options);
}

/**
 * Like {@linkcode kubectl}, but throws with kubectl's stderr unless it succeeds.
 *
 * @example
 * ```ts ignore
 * import { kubectlOk, kubeEnv } from "@kruise-agents/shared/testing";
 * const env = await kubeEnv();
 * const names = await kubectlOk(env, ["get", "namespaces", "-o", "name"]);
 * ```
 */
export async function kubectlOk(
  env: KubeEnv,
  args: string[],
  options: { stdin?: string } = {},
): Promise<string> {
  const result = await kubectl(env, args, options);
  if (!result.success) {
    throw new Error(`kubectl ${args.join(" ")} failed (${result.code}): ${result.stderr.trim()}`);
  }
  return result.stdout;
}

/**
 * The chart's generated CRDs.
 *
 * @example
 * ```ts ignore
 * import { CRD_DIR, kubectlOk, kubeEnv } from "@kruise-agents/shared/testing";
 * const env = await kubeEnv();
 * await kubectlOk(env, ["apply", "--server-side", "-f", CRD_DIR]);
 * ```
 */
export const CRD_DIR: string = new URL("../../charts/kruise-agents/crds/", import.meta.url)
  .pathname;

let withCrds: Promise<KubeEnv> | undefined;

/**
 * {@linkcode kubeEnv} with the chart's CRDs applied and Established, once per process. Applied
 * server-side with force, because other test processes may apply the same CRDs concurrently.
 *
 * @example
 * ```ts ignore
 * import { SANDBOXES } from "@kruise-agents/shared/kube";
 * import { kubeEnvWithCrds, kubectlOk } from "@kruise-agents/shared/testing";
 * const env = await kubeEnvWithCrds();
 * await kubectlOk(env, ["get", SANDBOXES.plural, "-A"]);
 * ```
 */
export function kubeEnvWithCrds(): Promise<KubeEnv> {
  withCrds ??= (async () => {
    const env = await kubeEnv();
    await kubectlOk(env, ["apply", "--server-side", "--force-conflicts", "-f", CRD_DIR]);
    await kubectlOk(env, [
      "wait",
      "--for=condition=Established",
      "--timeout=60s",
      "crd/sandboxes.agents.kruise.io",
      "crd/sandboxsets.agents.kruise.io",
    ]);
    return env;
  })().catch((error) => {
    withCrds = undefined;
    throw error;
  });
  return withCrds;
}
