/**
 * In-place image upgrade (the reference's §3.4): when a claimed Sandbox's template names another
 * image for its main container than its running Pod has (the manager writes it at claim, from
 * `e2b.agents.kruise.io/image`), the Pod is patched, not recreated: its UID, IP, volumes and
 * token stay, and the node restarts that one container on the new image (the kubelet does so for
 * an image change; the local node likewise).
 *
 * The patch records the container as it was in `agents.kruise.io/inplace-update-state` on the
 * Pod (image asked for, restart count and container ID before), so the outcome is read from the
 * Pod alone, level-triggered:
 * - `updating`: the container has not come back on the new image yet (the Sandbox is not Ready,
 *   condition InplaceUpdate False/`InplaceUpdating`);
 * - `succeeded`: it runs the new image, restarted, and is ready (InplaceUpdate True/`Succeeded`);
 * - `failed`: the node cannot run the image (a pull error, an image it does not have): InplaceUpdate
 *   False/`Failed` with the node's reason, which the manager answers as a 400.
 *
 * @module
 */
import { ANNOTATION_INPLACE_UPDATE_STATE, type Pod, type Sandbox } from "@kruise-agents/shared/api";

/** What the patch recorded of the main container before the image changed. */
export interface InplaceUpdateState {
  /** The container's name. */
  container: string;
  /** The image asked for. */
  image: string;
  /** The container's restart count before. */
  restartCount: number;
  /** The container's ID before, if it had one. */
  containerID?: string;
  /** When the patch was made (RFC 3339). */
  updateTimestamp: string;
}

/** Where an in-place update stands, read from the Pod. */
export type InplaceOutcome =
  | { state: "none" }
  | { state: "updating" }
  | { state: "succeeded" }
  | { state: "failed"; message: string };

/** Waiting reasons after which the node will not run the image without a change. */
const FAILED_REASONS = new Set([
  "ErrImagePull",
  "ImagePullBackOff",
  "ErrImageNeverPull",
  "InvalidImageName",
  "ImageInspectError",
  "CreateContainerError",
  "CreateContainerConfigError",
]);

interface ContainerStatus {
  name?: string;
  image?: string;
  imageID?: string;
  containerID?: string;
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string }; running?: unknown };
}

function containerStatus(pod: Pod, name: string): ContainerStatus | undefined {
  const statuses = pod.status?.containerStatuses;
  if (!Array.isArray(statuses)) return undefined;
  return (statuses as ContainerStatus[]).find((s) => s?.name === name);
}

/** The main container (the template's first) and the image the Sandbox asks for it. */
export function desiredMainImage(sandbox: Sandbox): { name: string; image: string } | undefined {
  const main = sandbox.spec.template?.spec.containers[0];
  if (!main?.name || typeof main.image !== "string" || main.image === "") return undefined;
  return { name: main.name, image: main.image };
}

/** The image change `pod` needs to match `sandbox`, if any. */
export function imageDrift(
  sandbox: Sandbox,
  pod: Pod,
): { name: string; image: string } | undefined {
  const want = desiredMainImage(sandbox);
  if (want === undefined) return undefined;
  const have = pod.spec?.containers?.find((c) => c.name === want.name);
  if (have === undefined || have.image === want.image) return undefined;
  return want;
}

/**
 * The merge patch that changes the image: the whole container list (a merge patch replaces
 * lists) with one image changed, the state annotation, and the resourceVersion it was decided on.
 */
export function inplacePatch(
  pod: Pod,
  drift: { name: string; image: string },
  nowMs: number,
): Record<string, unknown> {
  const before = containerStatus(pod, drift.name);
  const state: InplaceUpdateState = {
    container: drift.name,
    image: drift.image,
    restartCount: before?.restartCount ?? 0,
    updateTimestamp: new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
  if (before?.containerID) state.containerID = before.containerID;
  return {
    metadata: {
      resourceVersion: pod.metadata.resourceVersion,
      annotations: { [ANNOTATION_INPLACE_UPDATE_STATE]: JSON.stringify(state) },
    },
    spec: {
      containers: (pod.spec?.containers ?? []).map((c) =>
        c.name === drift.name ? { ...c, image: drift.image } : c
      ),
    },
  };
}

/** The recorded state of the Pod's last in-place update, if it has one that parses. */
export function readInplaceState(pod: Pod): InplaceUpdateState | undefined {
  const raw = pod.metadata.annotations?.[ANNOTATION_INPLACE_UPDATE_STATE];
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw);
    if (typeof v?.container !== "string" || typeof v?.image !== "string") return undefined;
    return { ...v, restartCount: Number(v.restartCount) || 0 };
  } catch {
    return undefined;
  }
}

/** Whether a node's reported image is `want` (containerd adds `docker.io/` and `library/`). */
export function sameImage(reported: string | undefined, want: string): boolean {
  if (reported === undefined) return false;
  if (reported === want) return true;
  const strip = (s: string) => s.replace(/^docker\.io\//, "").replace(/^library\//, "");
  return strip(reported) === strip(want);
}

/**
 * Where the Pod's last in-place update stands (see the module doc). `none` when it never had one,
 * or when its spec no longer asks for the recorded image (a newer change is on its way).
 */
export function inplaceOutcome(pod: Pod): InplaceOutcome {
  const state = readInplaceState(pod);
  if (state === undefined) return { state: "none" };
  const spec = pod.spec?.containers?.find((c) => c.name === state.container);
  if (spec?.image !== state.image) return { state: "none" };
  const status = containerStatus(pod, state.container);
  if (status === undefined) return { state: "updating" };
  const waiting = status.state?.waiting;
  if (waiting?.reason && FAILED_REASONS.has(waiting.reason)) {
    return {
      state: "failed",
      message: `${waiting.reason}: ${waiting.message ?? `cannot run image ${state.image}`}`,
    };
  }
  const restarted = (status.restartCount ?? 0) > state.restartCount ||
    (state.containerID !== undefined && status.containerID !== state.containerID);
  if (restarted && sameImage(status.image, state.image) && status.ready === true) {
    return { state: "succeeded" };
  }
  return { state: "updating" };
}
