/**
 * The reference's create-time option keys (§4.2): `e2b.agents.kruise.io/...` metadata keys that
 * are options of the create, not user metadata. Each is taken out of the metadata, checked, and
 * turned into a typed {@linkcode CreateOptions}; a bad value is a 400 naming the key.
 *
 * - `never-timeout` (`"true"`/`"false"`): no shutdown time. `getInfo` and `list` report the
 *   reference's "forever" (claim time + 100 years) as `endAt`; a later `setTimeout` gives the
 *   sandbox a deadline as E2B's does (the reference skips `setTimeout` on such a sandbox, which
 *   leaves an SDK's `setTimeout` silently without effect).
 * - `claim-timeout-seconds` (positive integer): bounds the whole claim, retries and waits for
 *   stock included; past it the create fails with E2B's error shape. With it, a create that has
 *   `create-on-no-stock: "false"` waits for stock up to that long instead of failing at once.
 * - `wait-ready-timeout-seconds` (positive integer): how long the create waits for the claimed
 *   sandbox to be Ready; past it the create fails (without it, the manager's cold-start wait
 *   applies and a sandbox that is not ready in time is replaced).
 * - `return-sandbox-ip` (`"true"`/`"false"`): `getInfo` and `list` add the sandbox's IP as
 *   metadata `e2b.agents.kruise.io/sandbox-ip`, as the reference does.
 * - `reserve-paused-sandbox-duration` (`forever` or a positive Go duration such as `2h30m`): how
 *   long the sandbox is kept once paused (instead of the manager's `--paused-ttl`).
 * - `reserve-failed-sandbox` / `reserve-failed-sandbox-for`: only the default is accepted
 *   (`"false"` / `never`: a sandbox whose create failed is deleted); keeping failed sandboxes for
 *   debugging is not supported and is refused with a 400 naming the key.
 *
 * @module
 */
import {
  ANNOTATION_RESERVE_PAUSED_SANDBOX_DURATION,
  METADATA_CLAIM_TIMEOUT_SECONDS,
  METADATA_NEVER_TIMEOUT,
  METADATA_RESERVE_FAILED_SANDBOX,
  METADATA_RESERVE_FAILED_SANDBOX_FOR,
  METADATA_RESERVE_PAUSED_SANDBOX_DURATION,
  METADATA_RETURN_SANDBOX_IP,
  METADATA_WAIT_READY_TIMEOUT_SECONDS,
  type Sandbox,
} from "@kruise-agents/shared/api";
import { ApiError } from "../errors.ts";

/** The reference's "forever": 100 years, in seconds. */
export const FOREVER_SECONDS = 100 * 365 * 24 * 3600;

/**
 * Largest `claim-timeout-seconds` and `wait-ready-timeout-seconds`: one day (timers hold at most
 * 2^31 - 1 ms, about 24.8 days; a create waiting longer than a day is a mistake).
 */
export const MAX_WAIT_SECONDS = 86_400;

/** What the option keys of a create ask for. */
export interface CreateOptions {
  /** `never-timeout`: the sandbox gets no shutdown time. */
  neverTimeout: boolean;
  /** `return-sandbox-ip`: reads report the sandbox's IP in its metadata. */
  returnSandboxIp: boolean;
  /** `claim-timeout-seconds`, when given. */
  claimTimeoutSeconds?: number;
  /** `wait-ready-timeout-seconds`, when given. */
  waitReadyTimeoutSeconds?: number;
  /** `reserve-paused-sandbox-duration` in seconds, when given. */
  reservePausedSeconds?: number;
}

/** The options of a create that sets none of the keys. */
export function defaultCreateOptions(): CreateOptions {
  return { neverTimeout: false, returnSandboxIp: false };
}

function bad(key: string, why: string, value: string): never {
  throw new ApiError(400, `Invalid metadata "${key}": ${why}: current value is "${value}"`);
}

function flag(key: string, value: string): boolean {
  if (value === "true") return true;
  if (value === "false") return false;
  return bad(key, 'must be "true" or "false"', value);
}

function seconds(key: string, value: string): number {
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) bad(key, "must be a positive integer of seconds", value);
  if (n > MAX_WAIT_SECONDS) bad(key, `must be at most ${MAX_WAIT_SECONDS} seconds`, value);
  return n;
}

const GO_UNITS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  "µs": 1e-6,
  "μs": 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/**
 * Seconds of a Go duration (`time.ParseDuration`: a sequence of decimal numbers with units `ns`,
 * `us`, `ms`, `s`, `m`, `h`, such as `1h30m` or `1.5h`, optionally signed); throws `SyntaxError`
 * when the text is not one.
 */
export function parseGoDuration(text: string): number {
  const m = /^([-+]?)((?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+|0)$/.exec(text);
  if (!m) throw new SyntaxError(`Cannot parse "${text}" as a Go duration`);
  let total = 0;
  for (const part of m[2]!.matchAll(/([0-9.]+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * GO_UNITS[part[2]!]!;
  }
  return m[1] === "-" ? -total : total;
}

function pausedRetention(key: string, value: string): number {
  if (value === "forever") return FOREVER_SECONDS;
  let s: number;
  try {
    s = parseGoDuration(value);
  } catch {
    return bad(key, 'must be "forever" or a Go duration such as "2h30m"', value);
  }
  if (!(s >= 1)) bad(key, "must be at least one second", value);
  return Math.min(Math.ceil(s), FOREVER_SECONDS);
}

/**
 * Takes one metadata entry into `options` when `key` is one of the option keys this module
 * handles, and says whether it was; throws a 400 {@linkcode ApiError} naming the key on a bad
 * value or on a key whose behaviour is not supported.
 */
export function takeCreateOption(options: CreateOptions, key: string, value: string): boolean {
  switch (key) {
    case METADATA_NEVER_TIMEOUT:
      options.neverTimeout = flag(key, value);
      return true;
    case METADATA_RETURN_SANDBOX_IP:
      options.returnSandboxIp = flag(key, value);
      return true;
    case METADATA_CLAIM_TIMEOUT_SECONDS:
      options.claimTimeoutSeconds = seconds(key, value);
      return true;
    case METADATA_WAIT_READY_TIMEOUT_SECONDS:
      options.waitReadyTimeoutSeconds = seconds(key, value);
      return true;
    case METADATA_RESERVE_PAUSED_SANDBOX_DURATION:
      options.reservePausedSeconds = pausedRetention(key, value);
      return true;
    case METADATA_RESERVE_FAILED_SANDBOX:
      if (flag(key, value)) unsupportedReserveFailed(key, value);
      return true;
    case METADATA_RESERVE_FAILED_SANDBOX_FOR:
      if (value !== "never") unsupportedReserveFailed(key, value);
      return true;
  }
  return false;
}

function unsupportedReserveFailed(key: string, value: string): never {
  throw new ApiError(
    400,
    `Metadata "${key}" is not supported: a sandbox whose create failed is always deleted ` +
      `(only the default, "never" or "false", is accepted): current value is "${value}"`,
  );
}

/**
 * The paused retention a claimed Sandbox was created with (its
 * `agents.kruise.io/reserve-paused-sandbox-duration` annotation), seconds; `undefined` when it has
 * none or the value does not parse.
 */
export function readPausedRetention(sandbox: Sandbox): number | undefined {
  const raw = sandbox.metadata.annotations?.[ANNOTATION_RESERVE_PAUSED_SANDBOX_DURATION];
  if (raw === undefined) return undefined;
  try {
    return pausedRetention(ANNOTATION_RESERVE_PAUSED_SANDBOX_DURATION, raw);
  } catch {
    return undefined;
  }
}
