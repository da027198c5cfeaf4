/**
 * Where the time of a Freeze pause and resume goes on a cluster node. A pause is a chain of
 * writes, each seen through a watch by the next actor: the manager's `spec.paused`, the
 * controller's freeze annotation on the pod, the node agent's `Frozen` condition after it froze
 * the cgroup, the controller's Sandbox phase; then the manager's watch sees that and the SDK gets
 * its answer. A resume runs the same chain backwards. This watches Sandboxes and Pods as one more
 * observer and stamps when each link became visible, relative to the SDK call's start. A link's
 * time includes one watch delivery to this observer, about what the next actor pays.
 *
 * @module
 */
import { Sandbox } from "e2b";
import {
  ANNOTATION_POD_FREEZE,
  CONDITION_POD_FROZEN,
  LABEL_SANDBOX_ID,
  parsePod,
  parseSandbox,
  type Sandbox as SandboxObject,
} from "@kruise-agents/shared/api";
import { type KubeClient, type KubeObject, PODS, SANDBOXES } from "@kruise-agents/shared/kube";
import { percentile } from "@kruise-agents/shared/testing";

/** The links of the pause chain, in order, and the SDK's answer. */
export const PAUSE_LINKS = [
  "spec.paused true (manager)",
  "pod freeze annotation (controller)",
  "pod Frozen True (node agent)",
  "Sandbox phase Paused (controller)",
  "pause() answered",
] as const;

/** The links of the resume chain, in order, and the SDK's answer. */
export const RESUME_LINKS = [
  "spec.paused false (manager)",
  "pod freeze annotation gone (controller)",
  "pod Frozen False (node agent)",
  "Sandbox phase Running (controller)",
  "connect() answered",
] as const;

type Stamps = Map<string, number>;

/** What the observer has seen so far of one sandbox and its pod. */
interface Seen {
  paused: boolean | undefined;
  phase: string | undefined;
  annotated: boolean | undefined;
  frozen: boolean | undefined;
}

/** Watches `resource` from now, calling `onObject` per change until `signal` aborts. */
async function follow(
  kube: KubeClient,
  resource: typeof SANDBOXES | typeof PODS,
  namespace: string,
  signal: AbortSignal,
  onObject: (object: KubeObject) => void,
): Promise<void> {
  const list = await kube.list(resource, { namespace });
  for (const object of list.items) onObject(object);
  try {
    const events = kube.watch(resource, {
      namespace,
      resourceVersion: list.resourceVersion,
      signal,
    });
    for await (const event of events) if (event.type !== "BOOKMARK") onObject(event.object);
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}

/**
 * Pauses and resumes `sandbox` `rounds` times through the JS SDK, stamping each link; returns
 * the p50 of each link's time, ms after the SDK call started (pause links, then resume links).
 */
export async function traceFreezeChain(
  kube: KubeClient,
  sandbox: Sandbox,
  connectOptions: Parameters<typeof Sandbox.connect>[1],
  rounds: number,
): Promise<{ pause: [string, number][]; resume: [string, number][] }> {
  const namespace = "default";
  const seen: Seen = {
    paused: undefined,
    phase: undefined,
    annotated: undefined,
    frozen: undefined,
  };
  let stamps: Stamps = new Map();
  let t0 = performance.now();
  const stamp = (link: string) => {
    if (!stamps.has(link)) stamps.set(link, performance.now() - t0);
  };
  let podName: string | undefined;
  const onSandbox = (raw: KubeObject) => {
    const object: SandboxObject = parseSandbox(raw);
    if (object.metadata.labels?.[LABEL_SANDBOX_ID] !== sandbox.sandboxId) return;
    podName = object.metadata.name;
    seen.paused = object.spec.paused === true;
    seen.phase = object.status?.phase;
    stamp(seen.paused ? PAUSE_LINKS[0] : RESUME_LINKS[0]);
    if (seen.phase === "Paused") stamp(PAUSE_LINKS[3]);
    if (seen.phase === "Running" && !seen.paused) stamp(RESUME_LINKS[3]);
  };
  const onPod = (raw: KubeObject) => {
    const pod = parsePod(raw);
    if (podName === undefined || pod.metadata.name !== podName) return;
    seen.annotated = pod.metadata.annotations?.[ANNOTATION_POD_FREEZE] !== undefined;
    const condition = pod.status?.conditions?.find((c) => c.type === CONDITION_POD_FROZEN);
    seen.frozen = condition?.status === "True";
    stamp(seen.annotated ? PAUSE_LINKS[1] : RESUME_LINKS[1]);
    stamp(seen.frozen ? PAUSE_LINKS[2] : RESUME_LINKS[2]);
  };
  const stop = new AbortController();
  const watches = Promise.all([
    follow(kube, SANDBOXES, namespace, stop.signal, onSandbox),
    follow(kube, PODS, namespace, stop.signal, onPod),
  ]);
  const pauses: Stamps[] = [];
  const resumes: Stamps[] = [];
  try {
    await new Promise((resolve) => setTimeout(resolve, 500)); // both watches open
    for (let i = 0; i < rounds; i++) {
      stamps = new Map();
      t0 = performance.now();
      await sandbox.pause();
      stamp(PAUSE_LINKS[4]);
      await new Promise((resolve) => setTimeout(resolve, 100)); // late links still land
      pauses.push(stamps);
      stamps = new Map();
      t0 = performance.now();
      await Sandbox.connect(sandbox.sandboxId, connectOptions);
      stamp(RESUME_LINKS[4]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      resumes.push(stamps);
    }
  } finally {
    stop.abort();
    await watches;
  }
  const p50s = (links: readonly string[], all: Stamps[]): [string, number][] =>
    links.map((link) => [
      link,
      percentile(all.map((s) => s.get(link) ?? Number.NaN).filter((n) => !isNaN(n)), 50),
    ]);
  return { pause: p50s(PAUSE_LINKS, pauses), resume: p50s(RESUME_LINKS, resumes) };
}
