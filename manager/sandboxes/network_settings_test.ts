import assert from "node:assert/strict";
import {
  ANNOTATION_E2B_NETWORK,
  ANNOTATION_POD_EGRESS,
  ANNOTATION_PUBLIC_TRAFFIC,
  API_VERSION,
  parseSandbox,
  type Sandbox,
} from "@kruise-agents/shared/api";
import {
  type NetworkReport,
  type NetworkSettings,
  networkSettingsAnnotation,
  readNetworkSettings,
} from "./network_settings.ts";

function sandboxWith(annotations: Record<string, string>): Sandbox {
  return parseSandbox({
    apiVersion: API_VERSION,
    kind: "Sandbox",
    metadata: { name: "s", namespace: "ns", annotations },
    spec: {},
  });
}

Deno.test("readNetworkSettings() reports what the create set, and null/{} for what it did not", () => {
  const cases: [NetworkSettings, NetworkReport][] = [
    [{}, { allowInternetAccess: null, network: {} }],
    [{ allowInternetAccess: true }, { allowInternetAccess: true, network: {} }],
    [{ allowInternetAccess: false }, { allowInternetAccess: false, network: {} }],
    [
      { network: { allowOut: ["1.2.3.4"], denyOut: [], allowPublicTraffic: false } },
      {
        allowInternetAccess: null,
        network: { allowOut: ["1.2.3.4"], denyOut: [], allowPublicTraffic: false },
      },
    ],
  ];
  for (const [settings, want] of cases) {
    const value = networkSettingsAnnotation(settings);
    const sandbox = sandboxWith(value === undefined ? {} : { [ANNOTATION_E2B_NETWORK]: value });
    assert.deepEqual(readNetworkSettings(sandbox), want, JSON.stringify(settings));
  }
  assert.equal(networkSettingsAnnotation({}), undefined);
});

Deno.test("readNetworkSettings() describes older sandboxes from the rules in force", () => {
  const sandbox = sandboxWith({
    [ANNOTATION_POD_EGRESS]: JSON.stringify({ allowInternetAccess: false, allowOut: ["10.0.0.1"] }),
    [ANNOTATION_PUBLIC_TRAFFIC]: "false",
  });
  assert.deepEqual(readNetworkSettings(sandbox), {
    allowInternetAccess: false,
    network: { allowOut: ["10.0.0.1"], allowPublicTraffic: false },
  });
  assert.deepEqual(readNetworkSettings(sandboxWith({ [ANNOTATION_E2B_NETWORK]: "garbage" })), {
    allowInternetAccess: null,
    network: {},
  });
});
