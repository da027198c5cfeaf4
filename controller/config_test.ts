import assert from "node:assert/strict";
import { parseConfig } from "./config.ts";

const DEFAULTS = {
  workers: 4,
  watchTimeoutSeconds: 300,
  healthPort: 8081,
  healthHost: "0.0.0.0",
  leaderElect: true,
  leaderElectionId: "kruise-agents-controller",
  leaseDurationSeconds: 15,
  renewDeadlineSeconds: 10,
  retryPeriodSeconds: 2,
  injectionConfig: { name: "sandbox-injection-config" },
  help: false,
};

Deno.test("parseConfig() defaults to in-cluster, all namespaces, 4 workers, health on 8081, leader election on", () => {
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
    [["--leader-elect=maybe"], /--leader-elect.*true or false/],
    [["--leader-elect-lease-duration=10"], /--leader-elect-lease-duration \(10\) must be more/],
    [["--leader-elect-retry-period=9"], /1\.2 x --leader-elect-retry-period \(9\)/],
    [["--leader-elect-renew-deadline=0"], /--leader-elect-renew-deadline/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseConfig(args), { name: "TypeError", message }, args.join(" "));
  }
});

Deno.test("parseConfig() reads the leader election flags, booleans in every form Kubernetes writes", () => {
  for (const off of [["--no-leader-elect"], ["--leader-elect=false"]]) {
    assert.equal(parseConfig(off).leaderElect, false, off.join(" "));
  }
  for (const on of [[], ["--leader-elect"], ["--leader-elect=true"]]) {
    assert.equal(parseConfig(on).leaderElect, true, on.join(" "));
  }
  assert.deepEqual(
    parseConfig([
      "--leader-election-namespace=kruise-system",
      "--leader-election-id",
      "my-controller",
      "--leader-elect-lease-duration=30",
      "--leader-elect-renew-deadline=20",
      "--leader-elect-retry-period=5",
    ]),
    {
      ...DEFAULTS,
      leaderElectionNamespace: "kruise-system",
      leaderElectionId: "my-controller",
      leaseDurationSeconds: 30,
      renewDeadlineSeconds: 20,
      retryPeriodSeconds: 5,
    },
  );
});

Deno.test("parseConfig() reads --injection-config as NAMESPACE/NAME or NAME and rejects the rest", () => {
  assert.deepEqual(parseConfig(["--injection-config", "kruise-system/inject"]).injectionConfig, {
    namespace: "kruise-system",
    name: "inject",
  });
  assert.deepEqual(parseConfig(["--injection-config=inject.v2"]).injectionConfig, {
    name: "inject.v2",
  });
  for (const bad of ["", "a/b/c", "/x", "ns/", "Kruise/x", "ns/X_Y"]) {
    assert.throws(
      () => parseConfig([`--injection-config=${bad}`]),
      /Cannot parse flag "--injection-config"/,
      bad,
    );
  }
});
