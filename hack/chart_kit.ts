/**
 * Test kit of the chart tests: the tools (`hack/tools.sh` builds helm and kubeconform once per
 * machine), `helm template` into parsed objects, and small lookups over rendered objects.
 *
 * A tool that cannot be built fails the test that needs it, with the build's own message: nothing
 * is skipped.
 *
 * @module
 */
import { parseAllDocuments } from "yaml";
import { runCommand } from "@kruise-agents/shared/testing";

/** The repository root. */
export const ROOT: string = new URL("../", import.meta.url).pathname;
/** The chart folder. */
export const CHART: string = `${ROOT}charts/kruise-agents`;

/** A rendered Kubernetes object, loosely typed. */
export interface KubeObject {
  /** e.g. `apps/v1`. */
  apiVersion: string;
  /** e.g. `Deployment`. */
  kind: string;
  /** Name, namespace, labels, annotations. */
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  /** The rest: spec, data, rules, ... */
  // deno-lint-ignore no-explicit-any
  [key: string]: any;
}

/** Paths of the chart tools. */
export interface Tools {
  /** helm v3. */
  helm: string;
  /** kubeconform. */
  kubeconform: string;
}

let tools: Promise<Tools> | undefined;

/**
 * Builds (first time on a machine) or finds the tools through `hack/tools.sh`; logs how long a
 * build took. Throws with the script's output when it fails.
 */
export function chartTools(): Promise<Tools> {
  tools ??= (async () => {
    const started = performance.now();
    const out = await new Deno.Command("bash", {
      args: [`${ROOT}hack/tools.sh`, "helm", "kubeconform"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    if (!out.success) {
      throw new Error(`Cannot build the chart tools (bash hack/tools.sh):\n${stderr}`);
    }
    if (stderr.includes("built ")) {
      console.log(`hack/tools.sh built tools in ${Math.round(performance.now() - started)} ms`);
    }
    const [helm, kubeconform] = new TextDecoder().decode(out.stdout).trim().split("\n");
    return { helm: helm!, kubeconform: kubeconform! };
  })().catch((error) => {
    tools = undefined;
    throw error;
  });
  return tools;
}

/** Outcome of a command. */
export interface Run {
  /** Whether it exited 0. */
  success: boolean;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** helm's config, cache and data folders: the checkout's own (`.cache/` is ignored by git). */
const HELM_HOME = `${ROOT}.cache/chart-test-helm`;

/**
 * Runs helm with `args` and its state in {@linkcode HELM_HOME} (so a test never reads or writes
 * the user's helm state); `stdin` is written to its standard input.
 */
export async function helm(args: string[], options: { stdin?: string } = {}): Promise<Run> {
  const { helm } = await chartTools();
  return await runCommand(helm, args, {
    env: {
      HELM_CACHE_HOME: `${HELM_HOME}/cache`,
      HELM_CONFIG_HOME: `${HELM_HOME}/config`,
      HELM_DATA_HOME: `${HELM_HOME}/data`,
    },
    stdin: options.stdin,
  });
}

/** Options of {@linkcode renderChart}. */
export interface RenderOptions {
  /** Release name. @default {"ka"} */
  release?: string;
  /** Release namespace. @default {"kruise-system"} */
  namespace?: string;
  /** Include the CRDs (`--include-crds`). @default {false} */
  includeCrds?: boolean;
}

/** Runs `helm template` with `values` (as a values file); resolves to the raw result. */
export async function templateChart(values: unknown, options: RenderOptions = {}): Promise<Run> {
  return await helm([
    "template",
    options.release ?? "ka",
    CHART,
    "--namespace",
    options.namespace ?? "kruise-system",
    "--values",
    "-",
    ...(options.includeCrds ? ["--include-crds"] : []),
  ], { stdin: JSON.stringify(values ?? {}) });
}

/** The objects of a multi-document YAML text (empty documents dropped). */
export function parseObjects(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw doc.errors[0];
      return doc.toJS() as KubeObject | null;
    })
    .filter((o): o is KubeObject => o !== null && typeof o === "object");
}

/** `helm template` with `values`, parsed; throws with helm's message if it fails. */
export async function renderChart(
  values: unknown,
  options: RenderOptions = {},
): Promise<KubeObject[]> {
  const run = await templateChart(values, options);
  if (!run.success) throw new Error(`helm template failed: ${run.stderr}`);
  return parseObjects(run.stdout);
}

/** The one object of `kind` named `name` in `objects`; throws listing what there is. */
export function find(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) {
    const have = objects.map((o) => `${o.kind}/${o.metadata.name}`).join(", ");
    throw new Error(`Expected one ${kind}/${name}, found ${found.length} among: ${have}`);
  }
  return found[0]!;
}

/** The objects of `kind`. */
export function ofKind(objects: KubeObject[], kind: string): KubeObject[] {
  return objects.filter((o) => o.kind === kind);
}

/** `kind/name` (or `kind/namespace/name`) of every object, sorted. */
export function inventory(objects: KubeObject[]): string[] {
  return objects.map((o) =>
    [o.kind, o.metadata.namespace, o.metadata.name].filter((p) => p !== undefined).join("/")
  ).sort();
}

/** Runs `deno run manager/main.ts keygen --team TEAM`: the key and its keys-file entry. */
export async function keygen(team: string): Promise<{ key: string; entry: KubeObject["spec"] }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-env", "manager/main.ts", "keygen", "--team", team],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const key = /^# API key \(shown once\): (\S+)$/m.exec(text)?.[1];
  if (!out.success || key === undefined) {
    throw new Error(`keygen failed: ${new TextDecoder().decode(out.stderr)}${text}`);
  }
  const doc = parseObjects(text)[0] as unknown as { keys: KubeObject["spec"][] };
  return { key, entry: doc.keys[0] };
}
