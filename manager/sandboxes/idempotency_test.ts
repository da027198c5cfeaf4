import assert from "node:assert/strict";
import {
  ANNOTATION_CLAIM_TIMESTAMP,
  ANNOTATION_IDEMPOTENCY,
  API_VERSION,
  parseSandbox,
  type Sandbox,
} from "@kruise-agents/shared/api";
import { ApiError } from "../errors.ts";
import {
  idempotencyLabel,
  type IdempotencyRecord,
  parseIdempotencyKey,
  replayOf,
  requestDigest,
} from "./idempotency.ts";

function keyed(name: string, claimedAt: string, record: IdempotencyRecord): Sandbox {
  return parseSandbox({
    apiVersion: API_VERSION,
    kind: "Sandbox",
    metadata: {
      name,
      namespace: "team-a",
      annotations: {
        [ANNOTATION_IDEMPOTENCY]: JSON.stringify(record),
        [ANNOTATION_CLAIM_TIMESTAMP]: claimedAt,
      },
    },
    spec: {},
  });
}

Deno.test("parseIdempotencyKey() takes 1-255 printable characters and refuses the rest", () => {
  assert.equal(parseIdempotencyKey(null), undefined);
  assert.equal(parseIdempotencyKey(undefined), undefined);
  assert.equal(parseIdempotencyKey("6f1c-retry-1"), "6f1c-retry-1");
  assert.equal(parseIdempotencyKey("k".repeat(255)), "k".repeat(255));
  for (const bad of ["", "k".repeat(256), "has space", "tab\tkey", "ü"]) {
    assert.throws(
      () => parseIdempotencyKey(bad),
      (e: unknown) => e instanceof ApiError && e.status === 400,
      JSON.stringify(bad),
    );
  }
});

Deno.test("idempotencyLabel() is a label value, stable, and scoped to the team", async () => {
  const a = await idempotencyLabel("team-a", "key-1");
  assert.match(a, /^[0-9a-f]{40}$/);
  assert.equal(await idempotencyLabel("team-a", "key-1"), a);
  assert.notEqual(await idempotencyLabel("team-b", "key-1"), a);
  assert.notEqual(await idempotencyLabel("team-a", "key-2"), a);
});

Deno.test("requestDigest() ignores key order and sees every field", async () => {
  const base = {
    templateId: "base",
    timeoutSeconds: 60,
    metadata: { a: "1", b: "2" },
    envVars: { X: "1" },
  };
  const digest = await requestDigest(base);
  assert.equal(await requestDigest({ ...base, metadata: { b: "2", a: "1" } }), digest);
  assert.equal(await requestDigest({ ...base, egress: undefined }), digest);
  assert.notEqual(await requestDigest({ ...base, timeoutSeconds: 61 }), digest);
  assert.notEqual(await requestDigest({ ...base, metadata: { a: "1" } }), digest);
  assert.notEqual(
    await requestDigest({ ...base, network: { allowInternetAccess: false } }),
    digest,
  );
});

Deno.test("replayOf() answers a retry with the first sandbox, and 422 for another request", () => {
  const record = { team: "team-a", key: "k", request: "r1" };
  const first = keyed("first", "2030-01-01T00:00:00.000Z", record);
  const second = keyed("second", "2030-01-01T00:00:01.000Z", record);
  const otherKey = keyed("other", "2029-01-01T00:00:00.000Z", { ...record, key: "k2" });
  const otherTeam = keyed("team-b", "2029-01-01T00:00:00.000Z", { ...record, team: "team-b" });
  assert.equal(replayOf([], record), undefined);
  assert.equal(replayOf([otherKey, otherTeam], record), undefined);
  assert.equal(replayOf([second, otherKey, first], record), first);
  assert.throws(
    () => replayOf([first], { ...record, request: "r2" }),
    (e: unknown) => e instanceof ApiError && e.status === 422,
  );
});
