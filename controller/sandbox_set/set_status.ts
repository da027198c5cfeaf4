/**
 * The status of a SandboxSet, computed once per pass from what the pass observed; the
 * reconciler writes it only when it differs from the stored one (status writes bump the
 * resourceVersion and wake every watcher, so an unchanged write is not free).
 *
 * @module
 */
import {
  LABEL_SANDBOX_CLAIMED,
  LABEL_SANDBOX_POOL,
  type SandboxSet,
  type SandboxSetStatus,
} from "@kruise-agents/shared/api";
import type { PoolMember } from "./member_state.ts";

/** The scale subresource's selector string of the unused members of pool `name`. */
export function poolSelector(name: string): string {
  return `${LABEL_SANDBOX_POOL}=${name},${LABEL_SANDBOX_CLAIMED}=false`;
}

/** Input of {@linkcode computeSetStatus}. */
export interface SetStatusInput {
  /** The set as read at the start of the pass. */
  set: SandboxSet;
  /** Its members as observed. */
  members: readonly PoolMember[];
  /** Creates issued and not yet observed, after this pass's writes. */
  pendingCreates: number;
  /** UIDs whose deletion is in flight, after this pass's writes. */
  pendingDeletes: ReadonlySet<string>;
  /** The desired revision. */
  updateRevision: string;
}

/** The status `input.set` should have; keeps its conditions as they are. */
export function computeSetStatus(input: SetStatusInput): SandboxSetStatus {
  const { set, updateRevision } = input;
  const live = input.members.filter((m) => !input.pendingDeletes.has(m.uid));
  const unused = live.filter((m) => m.state === "creating" || m.state === "available");
  const available = unused.filter((m) => m.state === "available");
  const status: SandboxSetStatus = {
    replicas: unused.length + input.pendingCreates,
    availableReplicas: available.length,
    updatedReplicas: unused.filter((m) => m.revision === updateRevision).length,
    updatedAvailableReplicas: available.filter((m) => m.revision === updateRevision).length,
    updateRevision,
    selector: poolSelector(set.metadata.name ?? ""),
  };
  if (set.metadata.generation !== undefined) status.observedGeneration = set.metadata.generation;
  if (set.spec.templateRef !== undefined) status.currentRevision = set.spec.templateRef.name;
  if (set.status?.conditions !== undefined) status.conditions = set.status.conditions;
  return status;
}
