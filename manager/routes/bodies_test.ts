import assert from "node:assert/strict";
import { ApiError } from "../errors.ts";
import { parseNewSandbox } from "./bodies.ts";

const limits = { maxTimeoutSeconds: 3600 };

Deno.test("parseNewSandbox() turns allow_internet_access and network into egress settings", () => {
  const plain = parseNewSandbox({ templateID: "base" }, limits, { v2: true });
  assert.equal(plain.egress, undefined);
  assert.equal(plain.allowPublicTraffic, true);
  const closed = parseNewSandbox(
    {
      templateID: "base",
      allow_internet_access: false,
      network: {
        allowOut: ["203.0.113.7"],
        denyOut: ["0.0.0.0/0"],
        allowPublicTraffic: false,
      },
    },
    limits,
    { v2: true },
  );
  assert.deepEqual(closed.egress, {
    allowInternetAccess: false,
    allowOut: ["203.0.113.7"],
    denyOut: ["0.0.0.0/0"],
  });
  assert.equal(closed.allowPublicTraffic, false);
  // `true` is the default: no rule is written for it.
  assert.equal(
    parseNewSandbox({ templateID: "b", allow_internet_access: true }, limits, { v2: true }).egress,
    undefined,
  );
});

Deno.test("parseNewSandbox() refuses malformed network settings with E2B's 400", () => {
  const bad: Record<string, unknown>[] = [
    { allow_internet_access: "no" },
    { network: { allowOut: ["example.com"] } },
    { network: { denyOut: ["10.0.0.0/33"] } },
    { network: { denyOut: "0.0.0.0/0" } },
    { network: { allowPublicTraffic: "false" } },
    { network: 7 },
  ];
  for (const extra of bad) {
    assert.throws(
      () => parseNewSandbox({ templateID: "base", ...extra }, limits, { v2: true }),
      (e: unknown) => e instanceof ApiError && e.status === 400,
      JSON.stringify(extra),
    );
  }
});
