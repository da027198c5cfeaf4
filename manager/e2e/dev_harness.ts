/**
 * Runs `deno task dev` (manager/dev.ts) as a separate process, the way a user runs it, on free
 * ports and a data directory of the test's, and returns the variables it prints. Used by the
 * end-to-end tests that drive the whole system with the published SDKs.
 *
 * Two modes, as dev prints them: `"urls"` (`--url-exports`: `E2B_API_URL`, `E2B_SANDBOX_URL`,
 * plain HTTP), which the in-process JS SDK can use as it is, and `"domain"` (dev's default: E2B's
 * `https://api.{domain}` and `https://{port}-{id}.{domain}` with dev's own CA). This test process
 * does not trust that CA (Deno reads `DENO_CERT` only at start), so the domain mode is driven
 * through client processes given {@linkcode DevUnderTest.clientEnv}: the printed variables and
 * nothing else of the test's environment.
 *
 * @module
 */
import { stringify } from "yaml";
import { TextLineStream } from "@kruise-agents/shared/std";
import { generateApiKey } from "../auth/api_keys.ts";

const DEV = new URL("../dev.ts", import.meta.url).pathname;
const TEMPLATES = new URL("./templates", import.meta.url).pathname;
const REPO = new URL("../../", import.meta.url).pathname;

/** The permissions of `deno task dev` (all: its local node reads /proc, which Deno 2.9 grants
 * only under --allow-all). */
export const DEV_PERMISSIONS = ["--allow-all"];

/** A running `deno task dev`. */
export interface DevUnderTest extends AsyncDisposable {
  /** What dev printed (its `export` lines): `E2B_API_KEY`, `E2B_DOMAIN` and the CA variables,
   * with `E2B_API_URL` and `E2B_SANDBOX_URL` in the `"urls"` mode. */
  env: Record<string, string>;
  /** JS SDK connection options equivalent to `env` (for this process: the `"urls"` mode). */
  sdkOptions: { apiKey: string; domain: string; apiUrl?: string; sandboxUrl?: string };
  /** The environment of a client process: what dev printed, plus `PATH` and `HOME` (and the
   * tools' own `PYENV_ROOT`, `DENO_DIR` when set) so that programs and caches are found. */
  clientEnv: Record<string, string>;
  /** Stops dev (SIGTERM) and waits for it; sandboxes keep running unless `killSandboxes`. */
  stop(): Promise<void>;
}

/** Keys of a data directory prepared by {@linkcode prepareDataDir}. */
export interface DevKeys {
  /** Key of team `default` (the one dev prints). */
  key: string;
  /** Key of another team, `other`. */
  otherKey: string;
}

/** Creates a data directory with two teams' keys (dev keeps the ones it finds). */
export async function prepareDataDir(dataDir: string): Promise<DevKeys> {
  await Deno.mkdir(dataDir, { recursive: true });
  const mine = await generateApiKey({ team: "default", name: "e2e" });
  const other = await generateApiKey({ team: "other", name: "e2e-other" });
  await Deno.writeTextFile(
    `${dataDir}/keys.yaml`,
    stringify({ keys: [mine.record, other.record] }),
  );
  await Deno.writeTextFile(`${dataDir}/api-key`, `${mine.key}\n`, { mode: 0o600 });
  return { key: mine.key, otherKey: other.key };
}

/** Options of {@linkcode startDev}. */
export interface StartDevOptions {
  /** `--kill-sandboxes-on-exit`. */
  killSandboxesOnExit?: boolean;
  /** SandboxSet manifests to apply. @default {"manager/e2e/templates"} */
  templates?: string;
  /** Which variables dev prints: the URL ones (`--url-exports`), which this process's SDKs can
   * use, or E2B's domain scheme (dev's default), for client processes. @default {"urls"} */
  exports?: "urls" | "domain";
  /** `--kubeconfig`: run against that cluster (its kubelets run the pods) instead of the embedded
   * store and the local node. */
  kubeconfig?: string;
}

/** Starts dev on `dataDir` and waits until it prints its variables. */
export async function startDev(
  dataDir: string,
  options: StartDevOptions = {},
): Promise<DevUnderTest> {
  const child = new Deno.Command(Deno.execPath(), {
    args: devArgs(dataDir, options),
    // A KUBECONFIG of the test's environment (say, after `deno task kube-up`) would turn dev into
    // its cluster mode; only `options.kubeconfig` does that here.
    env: { KUBECONFIG: "" },
    stdout: "piped",
    // KRUISE_AGENTS_TEST_DEV_LOG=1 shows dev's log when a test needs looking into.
    stderr: Deno.env.get("KRUISE_AGENTS_TEST_DEV_LOG") ? "inherit" : "null",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(new TextLineStream())
    .getReader();
  const env = await readExports(reader);
  const drain = (async () => {
    try {
      while (!(await reader.read()).done) { /* discard */ }
    } catch { /* closed */ }
  })();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    }, 20_000);
    await child.status;
    clearTimeout(timer);
    await drain;
  };
  const sdkOptions: DevUnderTest["sdkOptions"] = {
    apiKey: env.E2B_API_KEY!,
    domain: env.E2B_DOMAIN!,
  };
  if (env.E2B_API_URL) sdkOptions.apiUrl = env.E2B_API_URL;
  if (env.E2B_SANDBOX_URL) sdkOptions.sandboxUrl = env.E2B_SANDBOX_URL;
  const clientEnv: Record<string, string> = { ...env };
  for (const name of ["PATH", "HOME", "PYENV_ROOT", "DENO_DIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) clientEnv[name] = value;
  }
  return {
    env,
    sdkOptions,
    clientEnv,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** The command line of dev under test. */
function devArgs(dataDir: string, options: StartDevOptions): string[] {
  const mode = options.exports ?? "urls";
  return [
    "run",
    ...DEV_PERMISSIONS,
    DEV,
    "--data-dir",
    dataDir,
    "--port",
    "0",
    "--proxy-port",
    "0",
    "--tls-port",
    "0",
    ...(mode === "urls" ? ["--url-exports"] : []),
    "--templates",
    options.templates ?? TEMPLATES,
    // A pod network of its own, so a developer's own `deno task dev` is left alone (and another
    // of its own, from these variables, to run a test beside a whole suite).
    "--node-prefix",
    Deno.env.get("KRUISE_AGENTS_TEST_NODE_PREFIX") ?? "kad",
    "--pod-subnet",
    Deno.env.get("KRUISE_AGENTS_TEST_POD_SUBNET") ?? "10.216.0.0/24",
    ...(options.killSandboxesOnExit ? ["--kill-sandboxes-on-exit"] : []),
    ...(options.kubeconfig ? ["--kubeconfig", options.kubeconfig] : []),
  ];
}

/** Reads dev's `export` lines, which end with a comment line. */
async function readExports(
  reader: ReadableStreamDefaultReader<string>,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error("Cannot start dev: it exited before printing its variables");
    const exported = parseExport(value);
    if (exported) env[exported[0]] = exported[1];
    else if (value.startsWith("#") && Object.keys(env).length > 0) return env;
  }
}

/** Parses one `export NAME=value` line of dev (a value may be single-quoted, as dev's
 * `shellQuote` writes it), or returns `undefined` for any other line. */
export function parseExport(line: string): [string, string] | undefined {
  const m = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
  if (!m) return undefined;
  const raw = m[2]!;
  const value = raw.startsWith("'") && raw.endsWith("'")
    ? raw.slice(1, -1).replaceAll(`'\\''`, "'")
    : raw;
  return [m[1]!, value];
}

/** What a client process printed. */
export interface ClientOutput {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/**
 * Runs a client program with exactly `env` (no variable of the test's leaks in: what a user has
 * after pasting dev's lines into a clean shell), in the repository's root so that a Deno script
 * finds the workspace's imports.
 */
export async function runClient(
  program: string,
  args: string[],
  env: Record<string, string>,
): Promise<ClientOutput> {
  const out = await new Deno.Command(program, {
    args,
    env,
    clearEnv: true,
    cwd: REPO,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** Polls `check` every 200 ms until it returns true or `ms` pass (a bounded wait, not a timing
 * assertion); returns whether it became true. */
export async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/**
 * The manifest of a test's own warm pool: SandboxSet `name` in `default`, `replicas` sandboxes of
 * `image` with envd's port, and `resources` (a container's `resources` object) when given.
 */
export function poolManifest(
  name: string,
  replicas: number,
  image = "kruise-agents/sandbox-base:0.1.0",
  resources?: Record<string, Record<string, string>>,
): string {
  const resourcesYaml = resources === undefined ? "" : `
          resources: ${JSON.stringify(resources)}`;
  return `apiVersion: agents.kruise.io/v1alpha1
kind: SandboxSet
metadata:
  name: ${name}
  namespace: default
spec:
  replicas: ${replicas}
  template:
    spec:
      containers:
        - name: sandbox
          image: ${image}
          ports:
            - containerPort: 49983${resourcesYaml}
`;
}

/**
 * dev on a data directory of its own with `manifests` (YAML documents) as its only templates,
 * sandboxes killed on exit; stopping it (or disposing of it) also removes both directories.
 */
export async function startDevWithPools(
  manifests: string[],
  options: Omit<StartDevOptions, "templates" | "killSandboxesOnExit"> = {},
): Promise<DevUnderTest> {
  const dataDir = await Deno.makeTempDir();
  const templates = await Deno.makeTempDir();
  const remove = async () => {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    await Deno.remove(templates, { recursive: true }).catch(() => {});
  };
  try {
    await Deno.writeTextFile(`${templates}/sandboxsets.yaml`, manifests.join("---\n"));
    await prepareDataDir(dataDir);
    const dev = await startDev(dataDir, { ...options, killSandboxesOnExit: true, templates });
    const stop = async () => {
      await dev.stop();
      await remove();
    };
    return { ...dev, stop, [Symbol.asyncDispose]: stop };
  } catch (error) {
    await remove();
    throw error;
  }
}
