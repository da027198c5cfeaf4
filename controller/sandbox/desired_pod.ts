/**
 * The Pod a Sandbox wants, and the Secret that carries its token (pure): same name and namespace
 * as the Sandbox, so a second create is rejected by the API server and a lagging cache can never
 * produce two Pods; a controller ownerReference to the Sandbox, so deleting the Sandbox collects
 * the Pod and the Secret.
 *
 * The annotations the controller keeps equal to the Sandbox on a running Pod
 * ({@linkcode controlledPodAnnotations}): the freeze of a paused Sandbox, and the egress settings a
 * create asked for, which the node turns into firewall rules.
 *
 * @module
 */
import {
  ANNOTATION_CREATED_BY,
  ANNOTATION_POD_EGRESS,
  ANNOTATION_POD_FREEZE,
  CREATED_BY_SANDBOX,
  LABEL_CREATED_BY,
  LABEL_POD_TEMPLATE_HASH,
  LABEL_SANDBOX_NAME,
  type Pod,
  type Sandbox,
  TOKEN_SECRET_KEY,
  tokenSecretName,
} from "@kruise-agents/shared/api";
import { ACCESS_TOKEN_ENV, ENVD_PORT } from "@kruise-agents/shared/envd/http";
import type { KubeObject } from "@kruise-agents/shared/kube";
import { hashObject } from "../machinery/hash.ts";
import { controllerReference } from "../machinery/owner.ts";
import { TerminalError } from "../machinery/result.ts";
import { type InjectionConfig, injectRuntimes } from "./injection.ts";
import { appliedPause } from "./pause_strategy.ts";

/** The readiness probe of a sandbox whose template names none: envd's `/health`. */
const ENVD_READINESS = {
  httpGet: { path: "/health", port: ENVD_PORT },
  periodSeconds: 1,
  failureThreshold: 3,
};

/** `pod-template-hash` of a Sandbox: the hash of `spec.template` (its `status.updateRevision`). */
export function podTemplateHash(sandbox: Sandbox): string {
  return hashObject(sandbox.spec.template ?? null);
}

/**
 * The values the Pod's controlled annotations should have (`null`: absent): the freeze while
 * `spec.paused` under the Freeze strategy (a Stop pause deletes the Pod instead, and a frozen
 * Pod could not be killed), and the Sandbox's own egress annotation.
 */
export function controlledPodAnnotations(
  sandbox: Sandbox,
  pod: Pod | undefined,
): Record<string, string | null> {
  const applied = appliedPause(sandbox, pod);
  const freeze = sandbox.spec.paused === true && "type" in applied && applied.type === "Freeze";
  return {
    [ANNOTATION_POD_FREEZE]: freeze ? "true" : null,
    [ANNOTATION_POD_EGRESS]: sandbox.metadata.annotations?.[ANNOTATION_POD_EGRESS] ?? null,
  };
}

/** The Secret that gives the sandbox's pod its envd access token (created before the Pod). */
export function tokenSecret(sandbox: Sandbox, token: string): KubeObject {
  const name = sandbox.metadata.name ?? "";
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: tokenSecretName(name),
      namespace: sandbox.metadata.namespace,
      labels: { [LABEL_CREATED_BY]: CREATED_BY_SANDBOX, [LABEL_SANDBOX_NAME]: name },
      ownerReferences: [controllerReference(sandbox)],
    },
    type: "Opaque",
    stringData: { [TOKEN_SECRET_KEY]: token },
  };
}

/**
 * The Pod of `sandbox`: the template's metadata and spec (with `automountServiceAccountToken`
 * false unless the template sets it), plus labels `created-by=sandbox`, `pod-template-hash`,
 * `sandbox-name`, annotation `created-by=sandbox`, the controlled annotations, the envd token
 * from the sandbox's Secret in the main container's environment, and envd's `/health` as its
 * readiness probe unless the template has one. The runtimes of `spec.runtimes` are merged in
 * from `injection` first (`injection.ts`), so the token and the probe land on the merged main
 * container; `pod-template-hash` stays the hash of `spec.template` alone, as without runtimes
 * (the injection config is not part of a Sandbox's revision). Throws {@linkcode TerminalError}
 * for a Sandbox without an inline template (`templateRef` resolution is not implemented) and for
 * a runtime `injection` cannot supply.
 */
export function desiredPod(sandbox: Sandbox, injection?: InjectionConfig): Pod {
  const name = sandbox.metadata.name;
  if (sandbox.spec.template === undefined) {
    throw new TerminalError(
      `Cannot create the Pod of Sandbox ${sandbox.metadata.namespace}/${name}: ` +
        "spec.template is required (spec.templateRef is not supported)",
    );
  }
  if (name === undefined) throw new TypeError("Cannot build a Pod for a Sandbox without a name");
  const template = injectRuntimes(sandbox.spec.template, sandbox.spec.runtimes, injection);
  const annotations: Record<string, string> = {
    ...template.metadata?.annotations,
    [ANNOTATION_CREATED_BY]: CREATED_BY_SANDBOX,
  };
  for (const [key, value] of Object.entries(controlledPodAnnotations(sandbox, undefined))) {
    if (value !== null) annotations[key] = value;
  }
  const spec = structuredClone(template.spec);
  const [main, ...rest] = spec.containers;
  const token = { secretKeyRef: { name: tokenSecretName(name), key: TOKEN_SECRET_KEY } };
  if (main !== undefined) {
    const env = Array.isArray(main.env) ? main.env : [];
    spec.containers = [
      {
        ...main,
        env: [...env, { name: ACCESS_TOKEN_ENV, valueFrom: token }],
        // A sandbox is ready when its envd answers, not when its process exists: without this a
        // kubelet would report Ready before the runtime listens, and a claim's /init would race it.
        readinessProbe: main.readinessProbe ?? ENVD_READINESS,
      },
      ...rest,
    ];
  }
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
      ...spec,
    },
  };
}
