import assert from "node:assert/strict";
import { parseConfig } from "./config.ts";

const DEFAULTS = {
  workers: 4,
  watchTimeoutSeconds: 300,
  healthPort: 8081,
  healthHost: "0.0.0.0",
  help: false,
};

Deno.test("parseConfig() defaults to in-cluster, all namespaces, 4 workers, health on 8081", () => {
  assert.deepEqual(parseConfig([]), DEFAULTS);
});

Deno.test("parseConfig() reads --flag value and --flag=value", () => {
  assert.deepEqual(
    parseConfig([
      "--kubeconfig",
      "/k/config",
      "--namespace=team-a",
      "--workers",
      "8",
      "--watch-timeout=10",
      "--health-port",
      "0",
    ]),
    {
      ...DEFAULTS,
      kubeconfig: "/k/config",
      namespace: "team-a",
      workers: 8,
      watchTimeoutSeconds: 10,
      healthPort: 0,
    },
  );
  assert.equal(parseConfig(["--help"]).help, true);
});

Deno.test("parseConfig() rejects unknown flags, missing values and bad numbers", () => {
  const cases: [string[], RegExp][] = [
    [["--kubconfig", "x"], /Unknown option '--kubconfig'/],
    [["--kubeconfig"], /argument missing/],
    [["--workers", "0"], /--workers/],
    [["--workers=two"], /--workers/],
    [["--health-port=70000"], /--health-port/],
    [["stray"], /Unexpected argument 'stray'/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseConfig(args), { name: "TypeError", message }, args.join(" "));
  }
});
