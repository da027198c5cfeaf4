/**
 * Runtime injection (pure), as the reference does it: a template that lists
 * `spec.runtimes: [{name: agent-runtime}]` gets the `agent-runtime` entry of the
 * `sandbox-injection-config` ConfigMap merged into its pod, so any image (a plain Debian, the
 * official code-interpreter layout) runs the runtime without being rebuilt. The chart's default
 * entry adds an emptyDir, an init container that copies the runtime into it, and a `postStart`
 * hook on the main container that starts the runtime from there.
 *
 * Each key of the ConfigMap is a runtime name; its value is JSON of
 * {@linkcode RuntimeInjection}'s wire shape:
 *
 * ```json
 * {
 *   "mainContainer": {
 *     "env": [{ "name": "X", "value": "1" }],
 *     "volumeMounts": [{ "name": "agent-runtime", "mountPath": "/mnt/agent-runtime", "readOnly": true }],
 *     "lifecycle": { "postStart": { "exec": { "command": ["/bin/sh", "/mnt/agent-runtime/bin/start"] } } }
 *   },
 *   "volume": [{ "name": "agent-runtime", "emptyDir": {} }],
 *   "initContainers": [{ "name": "agent-runtime-install", "image": "...", "command": ["..."] }],
 *   "containers": [],
 *   "annotations": {},
 *   "labels": {}
 * }
 * ```
 *
 * `volume` (the reference's field name: one volume or a list) and `volumes` (a list) both work;
 * `csiSidecar` (the reference's) is appended to the init containers like `initContainers`.
 *
 * Merge rules (main container = `containers[0]`):
 * - Volumes, init containers and containers are appended after the template's own, so the
 *   template's init containers run first. An entry whose name the template already uses must be
 *   identical to it (then it is added once), else the Sandbox fails: silently dropping either
 *   would run a pod neither side asked for.
 * - Env: an injected variable the template's main container already sets is left as the template
 *   set it (the template may tune a runtime's knob).
 * - Volume mounts: an identical mount is added once; a different mount at the same path fails.
 * - `postStart`: Kubernetes allows one handler. Injected exec hooks run first (in
 *   `spec.runtimes` order), then the template's own exec hook, chained in one `/bin/sh -c` with
 *   `&&` (each argument single-quoted); this is the reference's "user command after". A template
 *   hook that is not `exec` (`httpGet`, `sleep`, ...) cannot be chained and fails the Sandbox.
 * - Labels and annotations are added under the template's own (the template wins), and the
 *   controller's own keys win over both (see `desired_pod.ts`).
 * - A runtime listed twice is injected once.
 *
 * Every failure throws {@linkcode TerminalError}: the reconciler shows it on the Sandbox
 * (`Ready` False, reason `PodCreateFailed`) and waits; a change of the ConfigMap enqueues the
 * Sandboxes that still wait (`watches.ts`), so fixing the ConfigMap fixes them.
 *
 * @module
 */
import type { Container, PodTemplateSpec, RuntimeConfig } from "@kruise-agents/shared/api";
import type { KubeObject, Resource } from "@kruise-agents/shared/kube";
import { deepEqual } from "@kruise-agents/shared/std";
import { TerminalError } from "../machinery/result.ts";

/**
 * `v1` `ConfigMap` objects: the injection config is one, read through an informer (the
 * seam's other resource constants are in `shared/kube`; this one only the controller reads).
 */
export const CONFIG_MAPS: Resource = {
  apiVersion: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  namespaced: true,
};

/** The ConfigMap's name unless `--injection-config` says otherwise (the reference's name). */
export const DEFAULT_INJECTION_CONFIG_NAME = "sandbox-injection-config";

/** A ConfigMap as the informer caches it: only `data` is read. */
export interface ConfigMap extends KubeObject {
  /** Key → value; the injection config's keys are runtime names, its values JSON. */
  data?: Record<string, string>;
}

/** Any named Kubernetes list entry (a volume, an env var, a volume mount); kept verbatim. */
export interface Named {
  /** The entry's name. */
  name: string;
  /** Any other field, kept verbatim. */
  [field: string]: unknown;
}

/** A `core/v1` LifecycleHandler; only `exec` can be chained with another hook. */
export interface LifecycleHandler {
  /** Run a command in the container. */
  exec?: { command: string[] };
  /** Any other handler (`httpGet`, `tcpSocket`, `sleep`), kept verbatim. */
  [field: string]: unknown;
}

/** One key of the injection config, parsed: what a runtime adds to a pod. */
export interface RuntimeInjection {
  /** Added to the main container (`containers[0]`). */
  mainContainer: { env: Named[]; volumeMounts: Named[]; postStart?: LifecycleHandler };
  /** Added to `spec.volumes`. */
  volumes: Named[];
  /** Appended to `spec.initContainers`. */
  initContainers: Container[];
  /** Appended to `spec.containers` (after the main container and the template's others). */
  containers: Container[];
  /** Added to the pod's annotations. */
  annotations: Record<string, string>;
  /** Added to the pod's labels. */
  labels: Record<string, string>;
}

/**
 * The injection config as the controller sees it now: the ConfigMap's runtimes, each parsed or
 * the reason it did not parse (a bad key fails only the Sandboxes that name it).
 */
export interface InjectionConfig {
  /** `namespace/name` of the ConfigMap, for messages. */
  source: string;
  /** Runtime name → its injection; `undefined`: the ConfigMap does not exist. */
  runtimes: ReadonlyMap<string, RuntimeInjection | TypeError> | undefined;
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${path} must be an object`);
  }
  return value as Record<string, unknown>;
}

function named(value: unknown, path: string): Named {
  const o = record(value, path);
  if (typeof o.name !== "string" || o.name === "") {
    throw new TypeError(`${path}.name must be a non-empty string`);
  }
  return o as Named;
}

function namedList(value: unknown, path: string): Named[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new TypeError(`${path} must be a list`);
  return value.map((v, i) => named(v, `${path}[${i}]`));
}

function stringMap(value: unknown, path: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  const o = record(value, path);
  for (const [key, v] of Object.entries(o)) {
    if (typeof v !== "string") throw new TypeError(`${path}.${key} must be a string`);
  }
  return o as Record<string, string>;
}

function handler(value: unknown, path: string): LifecycleHandler {
  const o = record(value, path);
  if (o.exec !== undefined) {
    const command = record(o.exec, `${path}.exec`).command;
    if (
      !Array.isArray(command) || command.length === 0 || command.some((c) => typeof c !== "string")
    ) {
      throw new TypeError(`${path}.exec.command must be a non-empty list of strings`);
    }
  }
  return o as LifecycleHandler;
}

const MAIN_FIELDS = new Set(["name", "env", "volumeMounts", "lifecycle"]);

function mainContainer(value: unknown, path: string): RuntimeInjection["mainContainer"] {
  if (value === undefined || value === null) return { env: [], volumeMounts: [] };
  const o = record(value, path);
  for (const field of Object.keys(o)) {
    // The reference's field is a whole corev1.Container; refusing what we would not merge says
    // so at once instead of dropping it without a word.
    if (!MAIN_FIELDS.has(field)) throw new TypeError(`${path}.${field} is not supported`);
  }
  const out: RuntimeInjection["mainContainer"] = {
    env: namedList(o.env, `${path}.env`),
    volumeMounts: namedList(o.volumeMounts, `${path}.volumeMounts`),
  };
  if (o.lifecycle !== undefined && o.lifecycle !== null) {
    const lifecycle = record(o.lifecycle, `${path}.lifecycle`);
    for (const field of Object.keys(lifecycle)) {
      if (field !== "postStart") throw new TypeError(`${path}.lifecycle.${field} is not supported`);
    }
    if (lifecycle.postStart !== undefined) {
      out.postStart = handler(lifecycle.postStart, `${path}.lifecycle.postStart`);
    }
  }
  return out;
}

const FIELDS = new Set([
  "mainContainer",
  "volume",
  "volumes",
  "initContainers",
  "csiSidecar",
  "containers",
  "annotations",
  "labels",
]);

/**
 * Parses one value of the injection config (JSON); throws `TypeError` naming the runtime and
 * the first bad field.
 */
export function parseRuntimeInjection(runtime: string, json: string): RuntimeInjection {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new TypeError(`key "${runtime}" is not JSON: ${(error as Error).message}`);
  }
  const o = record(value, runtime);
  for (const field of Object.keys(o)) {
    if (!FIELDS.has(field)) throw new TypeError(`${runtime}.${field} is not supported`);
  }
  const single = o.volume !== undefined && o.volume !== null && !Array.isArray(o.volume);
  return {
    mainContainer: mainContainer(o.mainContainer, `${runtime}.mainContainer`),
    volumes: [
      ...(single
        ? [named(o.volume, `${runtime}.volume`)]
        : namedList(o.volume, `${runtime}.volume`)),
      ...namedList(o.volumes, `${runtime}.volumes`),
    ],
    initContainers: [
      ...namedList(o.initContainers, `${runtime}.initContainers`),
      ...namedList(o.csiSidecar, `${runtime}.csiSidecar`),
    ] as Container[],
    containers: namedList(o.containers, `${runtime}.containers`) as Container[],
    annotations: stringMap(o.annotations, `${runtime}.annotations`),
    labels: stringMap(o.labels, `${runtime}.labels`),
  };
}

/**
 * Parses a ConfigMap at the informer's boundary; throws `TypeError` when `data` is not a map of
 * strings.
 */
export function parseConfigMap(value: unknown): ConfigMap {
  const o = record(value, "configMap");
  const metadata = record(o.metadata, "configMap.metadata");
  return {
    ...o,
    apiVersion: String(o.apiVersion ?? "v1"),
    kind: String(o.kind ?? "ConfigMap"),
    metadata,
    ...(o.data === undefined ? {} : { data: stringMap(o.data, "configMap.data") }),
  };
}

/**
 * The injection config in `configMap` (`undefined`: it does not exist), every key parsed once.
 * `source` (`namespace/name`) names it in messages.
 */
export function injectionConfig(source: string, configMap: ConfigMap | undefined): InjectionConfig {
  if (configMap === undefined) return { source, runtimes: undefined };
  const runtimes = new Map<string, RuntimeInjection | TypeError>();
  for (const [key, json] of Object.entries(configMap.data ?? {})) {
    try {
      runtimes.set(key, parseRuntimeInjection(key, json));
    } catch (error) {
      runtimes.set(key, error instanceof TypeError ? error : new TypeError(String(error)));
    }
  }
  return { source, runtimes };
}

/** The injections `runtimes` names, in order, once each; throws {@linkcode TerminalError}. */
function resolve(
  runtimes: readonly RuntimeConfig[],
  config: InjectionConfig | undefined,
): [string, RuntimeInjection][] {
  const names = [...new Set(runtimes.map((r) => r.name))];
  const fail = (name: string, why: string) =>
    new TerminalError(`Cannot inject runtime "${name}": ${why}`);
  if (config === undefined) {
    throw fail(names[0]!, "this controller has no injection config (see --injection-config)");
  }
  if (config.runtimes === undefined) {
    throw fail(names[0]!, `ConfigMap ${config.source} does not exist`);
  }
  return names.map((name) => {
    const entry = config.runtimes!.get(name);
    if (entry === undefined) throw fail(name, `ConfigMap ${config.source} has no key "${name}"`);
    if (entry instanceof TypeError) {
      throw fail(name, `ConfigMap ${config.source} is invalid: ${entry.message}`);
    }
    return [name, entry];
  });
}

/**
 * Appends `extra` to `list` by name: an entry already there must be identical (then it is not
 * added again); `what` names the list in the error.
 */
function appendNamed<T extends { name: string }>(
  list: readonly T[],
  extra: readonly T[],
  what: string,
  runtime: string,
): T[] {
  const out = [...list];
  for (const entry of extra) {
    const same = out.find((e) => e.name === entry.name);
    if (same === undefined) out.push(structuredClone(entry));
    else if (!deepEqual(same, entry)) {
      throw new TerminalError(
        `Cannot inject runtime "${runtime}": the template already has a different ${what} "${entry.name}"`,
      );
    }
  }
  return out;
}

function appendMounts(mounts: readonly Named[], extra: readonly Named[], runtime: string): Named[] {
  const out = [...mounts];
  for (const mount of extra) {
    const at = out.find((m) => m.mountPath === mount.mountPath);
    if (at === undefined) out.push(structuredClone(mount));
    else if (!deepEqual(at, mount)) {
      throw new TerminalError(
        `Cannot inject runtime "${runtime}": the main container already mounts something else at ${
          String(mount.mountPath)
        }`,
      );
    }
  }
  return out;
}

/**
 * `'arg'` for POSIX sh, quotes inside escaped: always quoted, unlike shared/std's `shellQuote`,
 * which leaves a word of safe characters bare. That suits arguments, but the first word of each
 * chained hook is in command position, where a bare `A=b` is an assignment (nothing runs) and a
 * bare `if`, `done` or `case` is a reserved word (a syntax error), while an exec hook runs a
 * program of that name. Quoting every word keeps each hook's argv exact.
 */
function quoteWord(arg: string): string {
  return `'${arg.replaceAll("'", `'"'"'`)}'`;
}

/**
 * One postStart handler out of the injected ones (in order) and the template's own (last):
 * alone, a handler is kept as it is; several exec hooks are chained in one `/bin/sh -c`.
 */
function chainPostStart(
  injected: readonly LifecycleHandler[],
  own: LifecycleHandler | undefined,
): LifecycleHandler | undefined {
  const all = own === undefined ? [...injected] : [...injected, own];
  if (all.length <= 1) return all[0] === undefined ? undefined : structuredClone(all[0]);
  const commands = all.map((h, i) => {
    if (h.exec === undefined) {
      const kind = Object.keys(h).join(", ") || "empty";
      const whose = own !== undefined && i === all.length - 1
        ? "the template's main container has a postStart hook"
        : "an injected postStart hook";
      throw new TerminalError(
        `Cannot inject the runtimes' postStart hooks: ${whose} that is not exec (${kind}), and only exec hooks can be chained`,
      );
    }
    return h.exec.command.map(quoteWord).join(" ");
  });
  return { exec: { command: ["/bin/sh", "-c", commands.join(" && ")] } };
}

/** The main container with every injection's env, mounts and postStart merged in. */
function mergeMain(main: Container, injections: [string, RuntimeInjection][]): Container {
  const env = Array.isArray(main.env) ? [...main.env as Named[]] : [];
  let mounts = Array.isArray(main.volumeMounts) ? [...main.volumeMounts as Named[]] : [];
  const hooks: LifecycleHandler[] = [];
  for (const [name, injection] of injections) {
    const set = new Set(env.map((e) => e.name));
    env.push(
      ...injection.mainContainer.env.filter((e) => !set.has(e.name)).map((e) => structuredClone(e)),
    );
    mounts = appendMounts(mounts, injection.mainContainer.volumeMounts, name);
    if (injection.mainContainer.postStart) hooks.push(injection.mainContainer.postStart);
  }
  const lifecycle = (main.lifecycle ?? {}) as { postStart?: LifecycleHandler };
  const postStart = chainPostStart(hooks, lifecycle.postStart);
  const out: Container = { ...main };
  if (env.length > 0) out.env = env;
  if (mounts.length > 0) out.volumeMounts = mounts;
  if (postStart !== undefined) out.lifecycle = { ...lifecycle, postStart };
  return out;
}

/**
 * `template` with the runtimes `runtimes` names merged in (a new object; `template` is not
 * changed). No runtimes: `template` itself. Throws {@linkcode TerminalError} for a runtime the
 * config lacks (or a missing ConfigMap, or no config at all), an invalid key, or a conflict
 * with the template (see the module doc).
 */
export function injectRuntimes(
  template: PodTemplateSpec,
  runtimes: readonly RuntimeConfig[] | undefined,
  config: InjectionConfig | undefined,
): PodTemplateSpec {
  if (runtimes === undefined || runtimes.length === 0) return template;
  const injections = resolve(runtimes, config);
  const spec = structuredClone(template.spec);
  const [main, ...others] = spec.containers;
  if (main === undefined) {
    throw new TerminalError("Cannot inject runtimes: the template has no containers");
  }
  let volumes = Array.isArray(spec.volumes) ? spec.volumes as Named[] : [];
  let initContainers = spec.initContainers ?? [];
  let containers = [mergeMain(main, injections), ...others];
  let labels: Record<string, string> = {};
  let annotations: Record<string, string> = {};
  for (const [name, injection] of injections) {
    volumes = appendNamed(volumes, injection.volumes, "volume", name);
    initContainers = appendNamed(initContainers, injection.initContainers, "init container", name);
    containers = appendNamed(containers, injection.containers, "container", name);
    labels = { ...labels, ...injection.labels };
    annotations = { ...annotations, ...injection.annotations };
  }
  if (volumes.length > 0) spec.volumes = volumes;
  if (initContainers.length > 0) spec.initContainers = initContainers;
  spec.containers = containers;
  const metadata = {
    ...template.metadata,
    labels: { ...labels, ...template.metadata?.labels },
    annotations: { ...annotations, ...template.metadata?.annotations },
  };
  return { ...structuredClone(template), metadata, spec };
}
