/**
 * What the node makes of a Pod's main container, as a kubelet would: the image, command and
 * arguments, working directory, environment (literal values, Secret keys, and the pod's own
 * fields), memory and CPU limits (limits first, requests as the fallback), `emptyDir` volumes,
 * host aliases, and the egress settings of the annotation. Pure but for the Secret lookup, which
 * is injected, so the rules are tested with tables.
 *
 * A pod this node cannot run as written (a malformed quantity, an unknown Secret, a volume type it
 * does not support) is a {@linkcode PodSpecError}; the node puts its reason and message on the
 * pod's status instead of guessing.
 *
 * @module
 */
import type { Container, EnvVar, Volume } from "kubernetes-types/core/v1.d.ts";
import { ANNOTATION_POD_EGRESS, parsePodEgress, type Pod } from "@kruise-agents/shared/api";
import type { ContainerInput, EgressPolicy, VolumeMount } from "./container/mod.ts";
import { cpuMillis, memoryBytes } from "@kruise-agents/shared/api";

/** Why a pod cannot be run as written; `reason` goes on the pod status. */
export class PodSpecError extends Error {
  /** CamelCase reason, e.g. `CreateContainerConfigError`. */
  readonly reason: string;

  /** Creates the error. */
  constructor(reason: string, message: string) {
    super(message);
    this.name = "PodSpecError";
    this.reason = reason;
  }
}

/** Reads a Secret's `data` (base64 values), or `undefined` when it does not exist. */
export type SecretLookup = (
  namespace: string,
  name: string,
) => Promise<Record<string, string> | undefined>;

/** Where the pod lives on the node. */
export interface PodPlacement {
  /** The pod's identity (its uid): every name the node creates derives from it. */
  id: string;
  /** The pod's directory on the node. */
  podDir: string;
}

function mainContainer(pod: Pod): Container {
  const container = pod.spec?.containers?.[0] as Container | undefined;
  if (container === undefined || !container.image) {
    throw new PodSpecError("InvalidImageName", "The pod's first container names no image");
  }
  return container;
}

function fieldValue(pod: Pod, path: string): string {
  switch (path) {
    case "metadata.name":
      return pod.metadata.name ?? "";
    case "metadata.namespace":
      return pod.metadata.namespace ?? "";
    case "metadata.uid":
      return pod.metadata.uid ?? "";
    case "spec.nodeName":
      return String(pod.spec?.nodeName ?? "");
    default:
      throw new PodSpecError(
        "CreateContainerConfigError",
        `The local node does not support fieldRef "${path}"`,
      );
  }
}

async function envValue(pod: Pod, env: EnvVar, secrets: SecretLookup): Promise<string | undefined> {
  if (env.valueFrom === undefined) return env.value ?? "";
  const ref = env.valueFrom.secretKeyRef;
  if (ref !== undefined) {
    const data = await secrets(pod.metadata.namespace ?? "default", ref.name ?? "");
    const encoded = data?.[ref.key];
    if (encoded === undefined) {
      if (ref.optional) return undefined;
      throw new PodSpecError(
        "CreateContainerConfigError",
        `secret "${ref.name}" or its key "${ref.key}" not found`,
      );
    }
    return new TextDecoder().decode(Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0)));
  }
  if (env.valueFrom.fieldRef !== undefined) {
    return fieldValue(pod, env.valueFrom.fieldRef.fieldPath);
  }
  throw new PodSpecError(
    "CreateContainerConfigError",
    `env "${env.name}": only value, secretKeyRef and fieldRef are supported here`,
  );
}

async function environment(
  pod: Pod,
  container: Container,
  secrets: SecretLookup,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const entry of container.env ?? []) {
    const value = await envValue(pod, entry, secrets);
    if (value !== undefined) env[entry.name] = value;
  }
  return env;
}

/** The container's CPU requests and limits as its spec writes them (absent ones left out). */
export function cpuResources(
  container: Container | undefined,
): { requests?: string; limits?: string } {
  const { limits = {}, requests = {} } = container?.resources ?? {};
  return {
    ...(requests.cpu !== undefined ? { requests: String(requests.cpu) } : {}),
    ...(limits.cpu !== undefined ? { limits: String(limits.cpu) } : {}),
  };
}

/**
 * The millicores a container's CPU resources give it, as its start does (limits first, requests
 * as the fallback); `undefined`: no CPU resources.
 *
 * @throws {PodSpecError} `CreateContainerConfigError` on a bad quantity.
 */
export function cpuMillisOf(cpu: { requests?: string; limits?: string }): number | undefined {
  const value = cpu.limits ?? cpu.requests;
  if (value === undefined) return undefined;
  try {
    return cpuMillis(value);
  } catch (error) {
    throw new PodSpecError("CreateContainerConfigError", (error as Error).message);
  }
}

function limits(container: Container): { memoryBytes?: number; cpuMillis?: number } {
  const { limits = {}, requests = {} } = container.resources ?? {};
  const out: { memoryBytes?: number; cpuMillis?: number } = {};
  try {
    const memory = limits.memory ?? requests.memory;
    if (memory !== undefined) out.memoryBytes = memoryBytes(memory);
    const cpu = limits.cpu ?? requests.cpu;
    if (cpu !== undefined) out.cpuMillis = cpuMillis(cpu);
  } catch (error) {
    throw new PodSpecError("CreateContainerConfigError", (error as Error).message);
  }
  return out;
}

function volumes(pod: Pod, container: Container, podDir: string): VolumeMount[] {
  const declared = new Map<string, Volume>();
  for (const volume of (pod.spec?.volumes ?? []) as Volume[]) declared.set(volume.name, volume);
  return (container.volumeMounts ?? []).map((mount) => {
    const volume = declared.get(mount.name);
    if (volume?.emptyDir === undefined) {
      throw new PodSpecError(
        "CreateContainerConfigError",
        `volume "${mount.name}": only emptyDir volumes are supported by the local node`,
      );
    }
    return {
      source: `${podDir}/volumes/${mount.name}`,
      destination: mount.mountPath,
      ...(mount.readOnly ? { readOnly: true } : {}),
    };
  });
}

/** The egress settings of the pod's annotation (allow everything when absent). */
export function podEgress(pod: Pod): EgressPolicy {
  const text = pod.metadata.annotations?.[ANNOTATION_POD_EGRESS];
  if (text === undefined) return {};
  try {
    return parsePodEgress(text);
  } catch (error) {
    throw new PodSpecError("InvalidEgress", (error as Error).message);
  }
}

/**
 * The container input of `pod`'s main container.
 *
 * @throws {PodSpecError} when the pod cannot be run as written.
 */
export async function containerInputFor(
  pod: Pod,
  placement: PodPlacement,
  secrets: SecretLookup,
): Promise<ContainerInput> {
  const container = mainContainer(pod);
  const input: ContainerInput = {
    id: placement.id,
    name: pod.metadata.name ?? placement.id,
    podDir: placement.podDir,
    image: container.image!,
    env: await environment(pod, container, secrets),
    volumes: volumes(pod, container, placement.podDir),
    egress: podEgress(pod),
    annotations: {
      "io.kubernetes.pod.namespace": pod.metadata.namespace ?? "",
      "io.kubernetes.pod.name": pod.metadata.name ?? "",
    },
    ...limits(container),
  };
  if (container.command?.length) input.command = container.command;
  if (container.args?.length) input.args = container.args;
  if (container.workingDir) input.workingDir = container.workingDir;
  const aliases = (pod.spec?.hostAliases ?? []) as { ip?: string; hostnames?: string[] }[];
  if (aliases.length > 0) {
    input.hostAliases = aliases.map((a) => ({ ip: a.ip ?? "", hostnames: a.hostnames ?? [] }));
  }
  return input;
}
