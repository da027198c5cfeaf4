import assert from "node:assert/strict";
import { ApiError } from "../errors.ts";
import {
  MIN_REFRESH_SECONDS,
  parseNewSandbox,
  parsePauseBody,
  parseRefreshBody,
} from "./bodies.ts";

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
  // What was sent is recorded as sent, for getInfo.
  assert.deepEqual(plain.network, {});
  assert.deepEqual(closed.network, {
    allowInternetAccess: false,
    network: { allowOut: ["203.0.113.7"], denyOut: ["0.0.0.0/0"], allowPublicTraffic: false },
  });
  // `true` is the default: no rule is written for it, but it is recorded as set.
  const open = parseNewSandbox({ templateID: "b", allow_internet_access: true }, limits, {
    v2: true,
  });
  assert.equal(open.egress, undefined);
  assert.deepEqual(open.network, { allowInternetAccess: true });
});

Deno.test("parseNewSandbox() reads volumeMounts with E2B's path rules", () => {
  const body = (volumeMounts: unknown) => ({ templateID: "base", volumeMounts });
  assert.deepEqual(parseNewSandbox(body(undefined), limits, { v2: true }).volumeMounts, []);
  assert.deepEqual(
    parseNewSandbox(body([{ name: "pv", path: "/data" }]), limits, { v2: true }).volumeMounts,
    [{ name: "pv", path: "/data" }],
  );
  for (
    const bad of ["x", [{ name: "pv" }], [{ name: "", path: "/d" }], [{ name: "pv", path: "d" }]]
  ) {
    assert.throws(
      () => parseNewSandbox(body(bad), limits, { v2: true }),
      (e: unknown) => e instanceof ApiError && e.status === 400,
      JSON.stringify(bad),
    );
  }
});

Deno.test("parseRefreshBody() raises durations below 15 s to 15 s, as E2B does", () => {
  assert.equal(MIN_REFRESH_SECONDS, 15);
  const cases: [unknown, number][] = [
    [undefined, 15],
    [{}, 15],
    [{ duration: 0 }, 15],
    [{ duration: -3 }, 15],
    [{ duration: 5 }, 15],
    [{ duration: 15 }, 15],
    [{ duration: 600 }, 600],
  ];
  for (const [body, want] of cases) assert.equal(parseRefreshBody(body, limits), want);
  for (const bad of [{ duration: 1.5 }, { duration: "60" }, { duration: 3601 }]) {
    assert.throws(
      () => parseRefreshBody(bad, limits),
      (e: unknown) => e instanceof ApiError && e.status === 400,
      JSON.stringify(bad),
    );
  }
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

Deno.test("parsePauseBody() reads E2B's memory flag; anything but a boolean is a 400", () => {
  assert.deepEqual(parsePauseBody(undefined), {});
  assert.deepEqual(parsePauseBody({}), {});
  assert.deepEqual(parsePauseBody({ memory: false }), { memory: false });
  assert.deepEqual(parsePauseBody({ memory: true }), { memory: true });
  assert.throws(() => parsePauseBody({ memory: "no" }), /"memory" must be a boolean/);
  assert.throws(() => parsePauseBody([1]), /must be a JSON object/);
});
