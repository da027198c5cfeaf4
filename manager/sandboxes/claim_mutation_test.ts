import assert from "node:assert/strict";
import {
  ANNOTATION_CLAIM_TIMESTAMP,
  ANNOTATION_LOCK,
  ANNOTATION_OWNER,
  ANNOTATION_POD_EGRESS,
  ANNOTATION_PUBLIC_TRAFFIC,
  ANNOTATION_RUNTIME_ACCESS_TOKEN,
  ANNOTATION_SANDBOX_PRIORITY,
  API_VERSION,
  LABEL_SANDBOX_CLAIMED,
  LABEL_SANDBOX_ID,
  LABEL_SANDBOX_POOL,
  parseSandbox,
  parseSandboxSet,
} from "@kruise-agents/shared/api";
import {
  claimedSandbox,
  type ClaimSpec,
  coldSandbox,
  storedInitRequest,
} from "./claim_mutation.ts";
import { planMetadata, readMetadata } from "./metadata.ts";

const pool = parseSandboxSet({
  apiVersion: API_VERSION,
  kind: "SandboxSet",
  metadata: { name: "base", namespace: "ns", uid: "set-uid" },
  spec: { replicas: 1, template: { spec: { containers: [{ name: "main", image: "img" }] } } },
  status: { updateRevision: "rev1" },
});
const warm = parseSandbox({
  apiVersion: API_VERSION,
  kind: "Sandbox",
  metadata: {
    name: "base-x",
    namespace: "ns",
    resourceVersion: "41",
    labels: { [LABEL_SANDBOX_POOL]: "base", [LABEL_SANDBOX_CLAIMED]: "false", app: "keep" },
    ownerReferences: [{
      apiVersion: API_VERSION,
      kind: "SandboxSet",
      name: "base",
      uid: "set-uid",
      controller: true,
    }],
  },
  spec: { template: { spec: { containers: [{ name: "main" }] } } },
});
const spec = (metadata: Record<string, string> = {}): ClaimSpec => ({
  sandboxId: "abc123",
  templateId: "base",
  aliases: ["base"],
  owner: "key-1",
  lock: "lock-1",
  envVars: { A: "1", E2B_SANDBOX_ID: "forged" },
  allowPublicTraffic: true,
  now: Date.UTC(2026, 0, 1),
  shutdownAt: Date.UTC(2026, 0, 1, 0, 5),
  metadata: planMetadata(metadata),
});

Deno.test("claimedSandbox() writes the claim, keeps the resourceVersion and drops the owner", () => {
  const claimed = claimedSandbox(warm, spec({ team: "x", "label:tier": "gold" }));
  const m = claimed.metadata;
  assert.equal(m.resourceVersion, "41");
  assert.deepEqual(m.ownerReferences, []);
  assert.equal(m.labels?.[LABEL_SANDBOX_CLAIMED], "true");
  assert.equal(m.labels?.[LABEL_SANDBOX_ID], "abc123");
  assert.equal(m.labels?.app, "keep");
  assert.equal(m.labels?.tier, "gold");
  assert.equal(m.annotations?.[ANNOTATION_LOCK], "lock-1");
  assert.equal(m.annotations?.[ANNOTATION_OWNER], "key-1");
  // No token on the object: it is derived from the Sandbox's identity, never stored.
  assert.equal(m.annotations?.[ANNOTATION_RUNTIME_ACCESS_TOKEN], undefined);
  assert.equal(m.annotations?.[ANNOTATION_POD_EGRESS], undefined);
  assert.equal(m.annotations?.[ANNOTATION_PUBLIC_TRAFFIC], undefined);
  assert.equal(m.annotations?.[ANNOTATION_CLAIM_TIMESTAMP], "2026-01-01T00:00:00.000Z");
  assert.equal(claimed.spec.shutdownTime, "2026-01-01T00:05:00.000Z");
  assert.deepEqual(storedInitRequest(claimed), {
    envVars: { A: "1", E2B_SANDBOX: "true", E2B_SANDBOX_ID: "abc123", E2B_TEMPLATE_ID: "base" },
  });
  // Metadata comes back verbatim; the `label:` key is also a label, as in the reference.
  assert.deepEqual(readMetadata(claimed), { team: "x", "label:tier": "gold" });
  // The input is untouched (the cache holds it).
  assert.equal(warm.metadata.labels?.[LABEL_SANDBOX_CLAIMED], "false");
});

Deno.test("claimedSandbox() records the egress and public-traffic settings a create asked for", () => {
  const egress = { allowInternetAccess: false, allowOut: ["203.0.113.0/24"] };
  const claimed = claimedSandbox(warm, { ...spec(), egress, allowPublicTraffic: false });
  assert.deepEqual(JSON.parse(claimed.metadata.annotations?.[ANNOTATION_POD_EGRESS] ?? ""), egress);
  assert.equal(claimed.metadata.annotations?.[ANNOTATION_PUBLIC_TRAFFIC], "false");
});

Deno.test("coldSandbox() builds a claimed Sandbox from the SandboxSet's template", () => {
  const cold = coldSandbox(pool, spec());
  assert.equal(cold.metadata.generateName, "base-");
  assert.equal(cold.metadata.namespace, "ns");
  assert.equal(cold.metadata.ownerReferences, undefined);
  assert.equal(cold.metadata.labels?.[LABEL_SANDBOX_CLAIMED], "true");
  assert.equal(cold.metadata.annotations?.[ANNOTATION_SANDBOX_PRIORITY], "100");
  assert.deepEqual(cold.spec.template, pool.spec.template);
  assert.notEqual(cold.spec.template, pool.spec.template);
});
