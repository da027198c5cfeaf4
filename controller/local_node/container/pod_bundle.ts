/**
 * The OCI runtime spec of one pod's container (pure): the image's entrypoint, cmd, env and
 * working directory, overridden by the pod's command, args, env and working directory, with the
 * node's limits and the files and namespaces the node prepared. Kubernetes' rule for command and
 * args: `command` replaces the entrypoint and drops the image's cmd; `args` alone replaces the cmd.
 *
 * @module
 */
import {
  ANNOTATION_ID,
  ANNOTATION_POD_DIR,
  type ContainerInput,
  type ContainerNodeConfig,
  type PodNames,
} from "./container_types.ts";
import type { ImageConfig } from "./image_store.ts";
import { podPaths } from "./rootfs.ts";
import { buildRuntimeSpec, DEFAULT_ID_MAP, type RuntimeSpec } from "./runtime_spec.ts";

/** What the node prepared for the container. */
export interface PreparedPod {
  /** The names derived from the pod's id. */
  names: PodNames;
  /** The pod's network namespace. */
  netnsPath: string;
  /** The pod's /etc/hosts, /etc/hostname and /etc/resolv.conf. */
  etcFiles: { hosts: string; hostname: string; resolvConf: string };
  /** The node's settings. */
  config: ContainerNodeConfig;
  /** The open-files limit the node can grant. */
  nofile: number;
}

/** The image's environment (`KEY=value` lines) under the pod's. */
function environment(image: ImageConfig, pod: Record<string, string> | undefined) {
  const env: Record<string, string> = {};
  for (const kv of image.env) {
    const eq = kv.indexOf("=");
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return Object.assign(env, pod);
}

/** The runtime spec of `input` on `image`. */
export function podRuntimeSpec(
  input: ContainerInput,
  image: ImageConfig,
  prepared: PreparedPod,
): RuntimeSpec {
  const { config } = prepared;
  const paths = podPaths(input.podDir);
  return buildRuntimeSpec({
    hostname: input.name,
    args: [
      ...(input.command ?? image.entrypoint),
      ...(input.args ?? (input.command ? [] : image.cmd)),
    ],
    env: environment(image, input.env),
    cwd: input.workingDir || image.workingDir || "/",
    rootfs: paths.rootfs,
    netnsPath: prepared.netnsPath,
    cgroupsPath: prepared.names.cgroupsPath,
    idMap: config.idMap ?? DEFAULT_ID_MAP,
    ...(input.memoryBytes !== undefined ? { memoryBytes: input.memoryBytes } : {}),
    ...(input.cpuMillis !== undefined ? { cpuMillis: input.cpuMillis } : {}),
    pidsLimit: input.pidsLimit ?? config.pidsLimit ?? 1024,
    ...(config.shmBytes !== undefined ? { shmBytes: config.shmBytes } : {}),
    etcFiles: prepared.etcFiles,
    sysfsSource: paths.sys,
    volumes: input.volumes ?? [],
    nofile: prepared.nofile,
    ...(config.seccomp !== undefined ? { seccomp: config.seccomp } : {}),
    annotations: {
      ...input.annotations,
      [ANNOTATION_ID]: input.id,
      [ANNOTATION_POD_DIR]: input.podDir,
    },
  });
}
