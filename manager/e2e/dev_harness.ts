/**
 * Runs `deno task dev` (manager/dev.ts) as a separate process, the way a user runs it, on free
 * ports and a data directory of the test's, and returns the variables it prints. Used by the
 * end-to-end tests that drive the whole system with the published SDKs.
 *
 * @module
 */
import { stringify } from "yaml";
import { TextLineStream } from "@kruise-agents/shared/std";
import { generateApiKey } from "../auth/api_keys.ts";

const DEV = new URL("../dev.ts", import.meta.url).pathname;
const TEMPLATES = new URL("./templates", import.meta.url).pathname;

/** The permissions of `deno task dev` (all: its local node reads /proc, which Deno 2.9 grants
 * only under --allow-all). */
export const DEV_PERMISSIONS = ["--allow-all"];

/** A running `deno task dev`. */
export interface DevUnderTest extends AsyncDisposable {
  /** What dev printed: E2B_API_URL, E2B_SANDBOX_URL, E2B_API_KEY, E2B_DOMAIN. */
  env: Record<string, string>;
  /** JS SDK connection options equivalent to `env`. */
  sdkOptions: { apiKey: string; apiUrl: string; sandboxUrl: string; domain: string };
  /** Stops dev (SIGTERM) and waits for it; sandboxes keep running unless `killSandboxes`. */
  stop(): Promise<void>;
}

/** Keys of a data directory prepared by {@linkcode prepareDataDir}. */
export interface DevKeys {
  /** Key of team `default` (the one dev prints). */
  key: string;
  /** Key of another team, `other`. */
  otherKey: string;
}

/** Creates a data directory with two teams' keys (dev keeps the ones it finds). */
export async function prepareDataDir(dataDir: string): Promise<DevKeys> {
  await Deno.mkdir(dataDir, { recursive: true });
  const mine = await generateApiKey({ team: "default", name: "e2e" });
  const other = await generateApiKey({ team: "other", name: "e2e-other" });
  await Deno.writeTextFile(
    `${dataDir}/keys.yaml`,
    stringify({ keys: [mine.record, other.record] }),
  );
  await Deno.writeTextFile(`${dataDir}/api-key`, `${mine.key}\n`, { mode: 0o600 });
  return { key: mine.key, otherKey: other.key };
}

/** Starts dev on `dataDir` and waits until it prints its variables. */
export async function startDev(
  dataDir: string,
  options: { killSandboxesOnExit?: boolean; templates?: string } = {},
): Promise<DevUnderTest> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...DEV_PERMISSIONS,
      DEV,
      "--data-dir",
      dataDir,
      "--port",
      "0",
      "--proxy-port",
      "0",
      "--templates",
      options.templates ?? TEMPLATES,
      // A pod network of its own, so a developer's own `deno task dev` is left alone.
      "--node-prefix",
      "kad",
      "--pod-subnet",
      "10.216.0.0/24",
      ...(options.killSandboxesOnExit ? ["--kill-sandboxes-on-exit"] : []),
    ],
    stdout: "piped",
    stderr: "null",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(new TextLineStream())
    .getReader();
  const env: Record<string, string> = {};
  while (!env.E2B_DOMAIN) {
    const { done, value } = await reader.read();
    if (done) throw new Error("Cannot start dev: it exited before printing its variables");
    const m = /^export (E2B_[A-Z_]+)=(.*)$/.exec(value);
    if (m) env[m[1]!] = m[2]!;
  }
  const drain = (async () => {
    try {
      while (!(await reader.read()).done) { /* discard */ }
    } catch { /* closed */ }
  })();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    }, 20_000);
    await child.status;
    clearTimeout(timer);
    await drain;
  };
  return {
    env,
    sdkOptions: {
      apiKey: env.E2B_API_KEY!,
      apiUrl: env.E2B_API_URL!,
      sandboxUrl: env.E2B_SANDBOX_URL!,
      domain: env.E2B_DOMAIN!,
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Polls `check` every 200 ms until it returns true or `ms` pass (a bounded wait, not a timing
 * assertion); returns whether it became true. */
export async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}
