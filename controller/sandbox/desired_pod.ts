/**
 * The Pod a Sandbox wants (pure): same name and namespace as the Sandbox, so a second create is
 * rejected by the API server and a lagging cache can never produce two Pods; a controller
 * ownerReference to the Sandbox, so deleting the Sandbox collects the Pod.
 *
 * @module
 */
import {
  ANNOTATION_CREATED_BY,
  ANNOTATION_POD_FREEZE,
  CREATED_BY_SANDBOX,
  LABEL_CREATED_BY,
  LABEL_POD_TEMPLATE_HASH,
  LABEL_SANDBOX_NAME,
  type Sandbox,
} from "@kruise-agents/shared/api";
import { hashObject } from "../machinery/hash.ts";
import { controllerReference } from "../machinery/owner.ts";
import { TerminalError } from "../machinery/result.ts";
import type { Pod } from "@kruise-agents/shared/api";

/** `pod-template-hash` of a Sandbox: the hash of `spec.template` (its `status.updateRevision`). */
export function podTemplateHash(sandbox: Sandbox): string {
  return hashObject(sandbox.spec.template ?? null);
}

/**
 * The Pod of `sandbox`: the template's metadata and spec (with `automountServiceAccountToken`
 * false unless the template sets it), plus labels `created-by=sandbox`, `pod-template-hash`,
 * `sandbox-name`, annotation `created-by=sandbox`, and the freeze annotation when the Sandbox is
 * already paused. Throws {@linkcode TerminalError} for a
 * Sandbox without an inline template (`templateRef` resolution is not implemented).
 */
export function desiredPod(sandbox: Sandbox): Pod {
  const template = sandbox.spec.template;
  const name = sandbox.metadata.name;
  if (template === undefined) {
    throw new TerminalError(
      `Cannot create the Pod of Sandbox ${sandbox.metadata.namespace}/${name}: ` +
        "spec.template is required (spec.templateRef is not supported)",
    );
  }
  if (name === undefined) throw new TypeError("Cannot build a Pod for a Sandbox without a name");
  const annotations: Record<string, string> = {
    ...template.metadata?.annotations,
    [ANNOTATION_CREATED_BY]: CREATED_BY_SANDBOX,
  };
  if (sandbox.spec.paused === true) annotations[ANNOTATION_POD_FREEZE] = "true";
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: sandbox.metadata.namespace,
      labels: {
        ...template.metadata?.labels,
        [LABEL_CREATED_BY]: CREATED_BY_SANDBOX,
        [LABEL_POD_TEMPLATE_HASH]: podTemplateHash(sandbox),
        [LABEL_SANDBOX_NAME]: name,
      },
      annotations,
      ownerReferences: [controllerReference(sandbox)],
    },
    spec: {
      // A sandbox runs code nobody has read: no API credentials unless its template asks.
      automountServiceAccountToken: false,
      ...structuredClone(template.spec),
    },
  };
}
