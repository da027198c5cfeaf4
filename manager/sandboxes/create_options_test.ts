import assert from "node:assert/strict";
import {
  ANNOTATION_E2B_METADATA,
  ANNOTATION_RESERVE_PAUSED_SANDBOX_DURATION,
  ANNOTATION_RETURN_SANDBOX_IP,
  API_VERSION,
  parseSandbox,
} from "@kruise-agents/shared/api";
import { ApiError } from "../errors.ts";
import {
  type CreateOptions,
  defaultCreateOptions,
  FOREVER_SECONDS,
  parseGoDuration,
  readPausedRetention,
  takeCreateOption,
} from "./create_options.ts";
import { planMetadata } from "./metadata.ts";

const K = "e2b.agents.kruise.io/";

Deno.test("takeCreateOption() parses each option key's values", async (t) => {
  const cases: [string, string, Partial<CreateOptions>][] = [
    ["never-timeout", "true", { neverTimeout: true }],
    ["never-timeout", "false", { neverTimeout: false }],
    ["return-sandbox-ip", "true", { returnSandboxIp: true }],
    ["return-sandbox-ip", "false", { returnSandboxIp: false }],
    ["claim-timeout-seconds", "1", { claimTimeoutSeconds: 1 }],
    ["claim-timeout-seconds", "86400", { claimTimeoutSeconds: 86_400 }],
    ["wait-ready-timeout-seconds", "30", { waitReadyTimeoutSeconds: 30 }],
    ["reserve-paused-sandbox-duration", "forever", { reservePausedSeconds: FOREVER_SECONDS }],
    ["reserve-paused-sandbox-duration", "2h30m", { reservePausedSeconds: 9000 }],
    ["reserve-paused-sandbox-duration", "1.5s", { reservePausedSeconds: 2 }],
    ["reserve-failed-sandbox", "false", {}],
    ["reserve-failed-sandbox-for", "never", {}],
  ];
  for (const [key, value, want] of cases) {
    await t.step(`${key}=${value}`, () => {
      const options = defaultCreateOptions();
      assert.equal(takeCreateOption(options, K + key, value), true);
      assert.deepEqual(options, { ...defaultCreateOptions(), ...want });
    });
  }
});

Deno.test("takeCreateOption() answers a 400 naming the key for a bad or unsupported value", async (t) => {
  const cases: [string, string, RegExp][] = [
    ["never-timeout", "yes", /must be "true" or "false"/],
    ["never-timeout", "", /must be "true" or "false"/],
    ["return-sandbox-ip", "TRUE", /must be "true" or "false"/],
    ["claim-timeout-seconds", "0", /positive integer/],
    ["claim-timeout-seconds", "-5", /positive integer/],
    ["claim-timeout-seconds", "1.5", /positive integer/],
    ["claim-timeout-seconds", "ten", /positive integer/],
    ["claim-timeout-seconds", "86401", /at most 86400/],
    ["wait-ready-timeout-seconds", "", /positive integer/],
    ["reserve-paused-sandbox-duration", "1 day", /Go duration/],
    ["reserve-paused-sandbox-duration", "10", /Go duration/],
    ["reserve-paused-sandbox-duration", "-1h", /at least one second/],
    ["reserve-paused-sandbox-duration", "500ms", /at least one second/],
    ["reserve-failed-sandbox", "true", /not supported/],
    ["reserve-failed-sandbox", "maybe", /must be "true" or "false"/],
    ["reserve-failed-sandbox-for", "forever", /not supported/],
    ["reserve-failed-sandbox-for", "1h", /not supported/],
  ];
  for (const [key, value, why] of cases) {
    await t.step(`${key}=${JSON.stringify(value)}`, () => {
      assert.throws(
        () => takeCreateOption(defaultCreateOptions(), K + key, value),
        (error: unknown) =>
          error instanceof ApiError && error.status === 400 &&
          error.message.includes(`"${K}${key}"`) && why.test(error.message),
      );
    });
  }
});

Deno.test("takeCreateOption() leaves every other key alone", () => {
  for (const key of [`${K}image`, `${K}cpu-request`, `${K}skip-init-runtime`, "user", "a/b"]) {
    const options = defaultCreateOptions();
    assert.equal(takeCreateOption(options, key, "true"), false, key);
    assert.deepEqual(options, defaultCreateOptions());
  }
});

Deno.test("parseGoDuration() reads Go's time.ParseDuration syntax", async (t) => {
  const cases: [string, number | undefined][] = [
    ["0", 0],
    ["90s", 90],
    ["1h30m", 5400],
    ["1.5h", 5400],
    [".5m", 30],
    ["1h0m0.5s", 3600.5],
    ["250ms", 0.25],
    ["-2m", -120],
    ["+1s", 1],
    ["", undefined],
    ["1", undefined],
    ["1d", undefined],
    ["h", undefined],
    ["1h 30m", undefined],
  ];
  for (const [text, want] of cases) {
    await t.step(JSON.stringify(text), () => {
      if (want === undefined) assert.throws(() => parseGoDuration(text), SyntaxError);
      else assert.ok(Math.abs(parseGoDuration(text) - want) < 1e-9);
    });
  }
});

Deno.test("planMetadata() takes the option keys out of the user metadata", () => {
  const plan = planMetadata({
    [`${K}never-timeout`]: "true",
    [`${K}return-sandbox-ip`]: "true",
    [`${K}claim-timeout-seconds`]: "5",
    [`${K}wait-ready-timeout-seconds`]: "7",
    [`${K}reserve-paused-sandbox-duration`]: "1h",
    [`${K}reserve-failed-sandbox-for`]: "never",
    mine: "kept",
  });
  assert.deepEqual(plan.options, {
    neverTimeout: true,
    returnSandboxIp: true,
    claimTimeoutSeconds: 5,
    waitReadyTimeoutSeconds: 7,
    reservePausedSeconds: 3600,
  });
  // Only the user's key is metadata; the two the reads and pause consult are annotations.
  assert.deepEqual(plan.annotations, {
    [ANNOTATION_E2B_METADATA]: JSON.stringify({ mine: "kept" }),
    [ANNOTATION_RETURN_SANDBOX_IP]: "true",
    [ANNOTATION_RESERVE_PAUSED_SANDBOX_DURATION]: "3600s",
  });
});

Deno.test("readPausedRetention() reads what planMetadata() recorded, else nothing", () => {
  const sandbox = (annotations: Record<string, string>) =>
    parseSandbox({
      apiVersion: API_VERSION,
      kind: "Sandbox",
      metadata: { name: "s", namespace: "ns", annotations },
      spec: {},
    });
  const forever = planMetadata({ [`${K}reserve-paused-sandbox-duration`]: "forever" });
  assert.equal(readPausedRetention(sandbox(forever.annotations)), FOREVER_SECONDS);
  assert.equal(readPausedRetention(sandbox({})), undefined);
  assert.equal(
    readPausedRetention(sandbox({ [ANNOTATION_RESERVE_PAUSED_SANDBOX_DURATION]: "soon" })),
    undefined,
  );
});
