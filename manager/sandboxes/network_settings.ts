/**
 * The network settings a create asked for, kept on the Sandbox so that `getInfo` reports them as
 * E2B does: `allowInternetAccess` is true or false only when the create set it (null otherwise,
 * the schema's "not explicitly set"), and `network` holds the `allowOut`, `denyOut` and
 * `allowPublicTraffic` it was given (E2B's `toSandboxDetailNetworkConfig`: `{}` for none).
 *
 * What is in force lives elsewhere: the pod egress annotation (the node's firewall rules) and
 * `agents.kruise.io/public-traffic` (the proxy's token check). Those cannot tell "true" from
 * "not given", so the record is its own annotation. Sandboxes claimed before it existed are
 * described from those two instead.
 *
 * @module
 */
import {
  ANNOTATION_E2B_NETWORK,
  ANNOTATION_POD_EGRESS,
  ANNOTATION_PUBLIC_TRAFFIC,
  parsePodEgress,
  type Sandbox,
} from "@kruise-agents/shared/api";
import { isRecord } from "@kruise-agents/shared/std";

/** E2B's `SandboxNetworkConfig`, limited to the fields this system honours. */
export interface NetworkConfig {
  /** Destinations allowed despite `denyOut`. */
  allowOut?: string[];
  /** Destinations denied. */
  denyOut?: string[];
  /** `false`: the sandbox's ports other than envd's need the traffic access token. */
  allowPublicTraffic?: boolean;
}

/** What a create said about the network. */
export interface NetworkSettings {
  /** `allow_internet_access`, when the create set it. */
  allowInternetAccess?: boolean;
  /** `network`, when the create set it. */
  network?: NetworkConfig;
}

/** What `SandboxDetail` reports. */
export interface NetworkReport {
  /** As set at create, or null when not set. */
  allowInternetAccess: boolean | null;
  /** As set at create; `{}` when not set. */
  network: NetworkConfig;
}

/** The annotation value recording `settings`, or `undefined` when the create set nothing. */
export function networkSettingsAnnotation(settings: NetworkSettings): string | undefined {
  if (settings.allowInternetAccess === undefined && settings.network === undefined) {
    return undefined;
  }
  return JSON.stringify(settings);
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? [...value] : undefined;
}

function parseConfig(value: unknown): NetworkConfig {
  const out: NetworkConfig = {};
  if (!isRecord(value)) return out;
  const allowOut = stringList(value.allowOut), denyOut = stringList(value.denyOut);
  if (allowOut) out.allowOut = allowOut;
  if (denyOut) out.denyOut = denyOut;
  if (typeof value.allowPublicTraffic === "boolean") {
    out.allowPublicTraffic = value.allowPublicTraffic;
  }
  return out;
}

/** The network settings of a claimed Sandbox as `SandboxDetail` reports them. */
export function readNetworkSettings(sandbox: Sandbox): NetworkReport {
  const annotations = sandbox.metadata.annotations ?? {};
  const raw = annotations[ANNOTATION_E2B_NETWORK];
  if (raw !== undefined) {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = undefined;
    }
    if (isRecord(value)) {
      return {
        allowInternetAccess: typeof value.allowInternetAccess === "boolean"
          ? value.allowInternetAccess
          : null,
        network: parseConfig(value.network),
      };
    }
  }
  // Claimed before the record existed: what is in force says what was asked, bar explicit trues.
  const report: NetworkReport = { allowInternetAccess: null, network: {} };
  const egressText = annotations[ANNOTATION_POD_EGRESS];
  if (egressText) {
    try {
      const egress = parsePodEgress(egressText);
      if (egress.allowInternetAccess === false) report.allowInternetAccess = false;
      if (egress.allowOut) report.network.allowOut = egress.allowOut;
      if (egress.denyOut) report.network.denyOut = egress.denyOut;
    } catch { /* unparseable: nothing to report */ }
  }
  if (annotations[ANNOTATION_PUBLIC_TRAFFIC] === "false") report.network.allowPublicTraffic = false;
  return report;
}
