import assert from "node:assert/strict";
import { LABEL_POD_TEMPLATE_HASH, type Sandbox } from "@kruise-agents/shared/api";
import { ACCESS_TOKEN_ENV } from "@kruise-agents/shared/envd/http";
import { TerminalError } from "../machinery/result.ts";
import { desiredPod, podTemplateHash } from "./desired_pod.ts";
import {
  type ConfigMap,
  type InjectionConfig,
  injectionConfig,
  injectRuntimes,
  parseConfigMap,
} from "./injection.ts";

const SOURCE = "kruise-system/sandbox-injection-config";

/** The chart's default `agent-runtime` entry (see charts/kruise-agents/templates/controller). */
const AGENT_RUNTIME = {
  volume: [{ name: "agent-runtime", emptyDir: {} }],
  initContainers: [{
    name: "agent-runtime-install",
    image: "kruise-agents/agent-runtime:0.1.0",
    command: ["/bin/cp", "-a", "/opt/kruise-agents/.", "/mnt/agent-runtime/"],
    volumeMounts: [{ name: "agent-runtime", mountPath: "/mnt/agent-runtime" }],
  }],
  mainContainer: {
    env: [{ name: "AGENT_RUNTIME_DIR", value: "/mnt/agent-runtime" }],
    volumeMounts: [{ name: "agent-runtime", mountPath: "/mnt/agent-runtime", readOnly: true }],
    lifecycle: { postStart: { exec: { command: ["/bin/sh", "/mnt/agent-runtime/bin/start"] } } },
  },
  labels: { "runtime.example/injected": "agent-runtime" },
  annotations: { "runtime.example/version": "1" },
};

function configOf(data: Record<string, unknown>): InjectionConfig {
  const configMap: ConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { namespace: "kruise-system", name: "sandbox-injection-config" },
    data: Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    ),
  };
  return injectionConfig(SOURCE, parseConfigMap(configMap));
}

const CONFIG = configOf({ "agent-runtime": AGENT_RUNTIME });

function sandbox(spec: Record<string, unknown> = {}, runtimes = ["agent-runtime"]): Sandbox {
  return {
    apiVersion: "agents.kruise.io/v1alpha1",
    kind: "Sandbox",
    metadata: { name: "s1", namespace: "team-a", uid: "u1" },
    spec: {
      runtimes: runtimes.map((name) => ({ name })),
      template: {
        metadata: { labels: { app: "x" } },
        spec: { containers: [{ name: "main", image: "debian:12" }], ...spec },
      },
    },
  };
}

Deno.test("desiredPod() merges the agent-runtime volume, init container, mount, env and postStart", () => {
  const pod = desiredPod(sandbox(), CONFIG);
  const spec = pod.spec as Record<string, unknown> & { containers: Record<string, unknown>[] };
  assert.deepEqual(spec.volumes, AGENT_RUNTIME.volume);
  assert.deepEqual(spec.initContainers, AGENT_RUNTIME.initContainers);
  const main = spec.containers[0]!;
  assert.deepEqual(main.volumeMounts, AGENT_RUNTIME.mainContainer.volumeMounts);
  assert.deepEqual(main.lifecycle, AGENT_RUNTIME.mainContainer.lifecycle);
  const env = (main.env as { name: string }[]).map((e) => e.name);
  assert.deepEqual(env, ["AGENT_RUNTIME_DIR", ACCESS_TOKEN_ENV]);
  // The envd readiness probe still lands on the (merged) main container.
  assert.deepEqual((main.readinessProbe as { httpGet: unknown }).httpGet, {
    path: "/health",
    port: 49983,
  });
  assert.equal(pod.metadata.labels?.["runtime.example/injected"], "agent-runtime");
  assert.equal(pod.metadata.annotations?.["runtime.example/version"], "1");
});

Deno.test("desiredPod() is idempotent with runtimes and keeps pod-template-hash the template's", () => {
  const s = sandbox();
  const first = desiredPod(s, CONFIG);
  assert.deepEqual(desiredPod(s, CONFIG), first);
  assert.deepEqual(
    desiredPod(structuredClone(s), configOf({ "agent-runtime": AGENT_RUNTIME })),
    first,
  );
  assert.equal(first.metadata.labels?.[LABEL_POD_TEMPLATE_HASH], podTemplateHash(s));
  // The Sandbox itself is not changed by the merge.
  assert.deepEqual(s, sandbox());
  // Without runtimes the pod is what it was before injection existed, config or not.
  const plain = sandbox({}, []);
  assert.deepEqual(desiredPod(plain, CONFIG), desiredPod(plain));
});

Deno.test("injectRuntimes() keeps the template's own volumes, init containers, env and mounts", () => {
  const ownMounts = [{ name: "data", mountPath: "/data" }];
  const own = {
    volumes: [{ name: "data", emptyDir: {} }],
    initContainers: [{ name: "setup", image: "busybox", command: ["true"] }],
    containers: [
      {
        name: "main",
        image: "e2bdev/code-interpreter",
        env: [{ name: "AGENT_RUNTIME_DIR", value: "/custom" }, { name: "A", value: "1" }],
        volumeMounts: ownMounts,
      },
      { name: "side", image: "busybox" },
    ],
  };
  const out = injectRuntimes(sandbox(own).spec.template!, [{ name: "agent-runtime" }], CONFIG);
  assert.deepEqual(out.spec.volumes, [...own.volumes, ...AGENT_RUNTIME.volume]);
  // The template's init containers run first; the runtime's copy comes after them.
  assert.deepEqual(out.spec.initContainers, [
    ...own.initContainers,
    ...AGENT_RUNTIME.initContainers,
  ]);
  const [main, side] = out.spec.containers;
  // The template's own value of an injected variable wins.
  assert.deepEqual(main!.env, own.containers[0]!.env);
  assert.deepEqual(main!.volumeMounts, [
    ...ownMounts,
    ...AGENT_RUNTIME.mainContainer.volumeMounts,
  ]);
  assert.deepEqual(side, own.containers[1]);
  assert.deepEqual(out.metadata?.labels, {
    "runtime.example/injected": "agent-runtime",
    app: "x",
  });
});

Deno.test("injectRuntimes() chains the template's exec postStart after the runtimes' hooks", () => {
  const extra = {
    mainContainer: { lifecycle: { postStart: { exec: { command: ["echo", "two words"] } } } },
  };
  const config = configOf({ "agent-runtime": AGENT_RUNTIME, extra });
  const template = sandbox({
    containers: [{
      name: "main",
      lifecycle: {
        postStart: { exec: { command: ["sh", "-c", `echo "it's mine"`] } },
        preStop: { exec: { command: ["sleep", "1"] } },
      },
    }],
  }).spec.template!;
  const out = injectRuntimes(template, [{ name: "agent-runtime" }, { name: "extra" }], config);
  assert.deepEqual(out.spec.containers[0]!.lifecycle, {
    postStart: {
      exec: {
        command: [
          "/bin/sh",
          "-c",
          `'/bin/sh' '/mnt/agent-runtime/bin/start' && 'echo' 'two words' && 'sh' '-c' 'echo "it'"'"'s mine"'`,
        ],
      },
    },
    preStop: { exec: { command: ["sleep", "1"] } },
  });
  // The chained script runs the same commands in a real POSIX sh.
  const script =
    (out.spec.containers[0]!.lifecycle as { postStart: { exec: { command: string[] } } })
      .postStart.exec.command[2]!.replace(`'/bin/sh' '/mnt/agent-runtime/bin/start' && `, "");
  const run = new Deno.Command("/bin/sh", { args: ["-c", script], stdout: "piped" }).outputSync();
  assert.equal(new TextDecoder().decode(run.stdout), "two words\nit's mine\n");
});

Deno.test("injectRuntimes() quotes a chained hook's command word as the exec hook runs it", () => {
  // A bare `A=b` would be an assignment in sh (nothing runs, exit 0); the exec hook runs a
  // program named `A=b`, which fails. So shared/std's shellQuote (bare when safe) is not used.
  const template = sandbox({
    containers: [{ name: "main", lifecycle: { postStart: { exec: { command: ["A=b"] } } } }],
  }).spec.template!;
  const config = configOf({ "agent-runtime": AGENT_RUNTIME });
  const out = injectRuntimes(template, [{ name: "agent-runtime" }], config);
  const script =
    (out.spec.containers[0]!.lifecycle as { postStart: { exec: { command: string[] } } })
      .postStart.exec.command[2]!.replace(`'/bin/sh' '/mnt/agent-runtime/bin/start' && `, "");
  assert.equal(script, `'A=b'`);
  const run = new Deno.Command("/bin/sh", { args: ["-c", script], stderr: "null" }).outputSync();
  assert.equal(run.code, 127, "command not found, as for the exec hook");
});

Deno.test("injectRuntimes() fails with a clear TerminalError when it cannot inject", () => {
  const httpHook = {
    containers: [{ name: "main", lifecycle: { postStart: { httpGet: { port: 80 } } } }],
  };
  const cases: [string, Sandbox, InjectionConfig | undefined, RegExp][] = [
    [
      "unknown runtime",
      sandbox({}, ["agent-runtime", "csi"]),
      CONFIG,
      /^Cannot inject runtime "csi": ConfigMap kruise-system\/sandbox-injection-config has no key "csi"$/,
    ],
    [
      "missing ConfigMap",
      sandbox(),
      injectionConfig(SOURCE, undefined),
      /runtime "agent-runtime": ConfigMap kruise-system\/sandbox-injection-config does not exist/,
    ],
    [
      "no config at all",
      sandbox(),
      undefined,
      /has no injection config \(see --injection-config\)/,
    ],
    [
      "key that is not JSON",
      sandbox(),
      configOf({ "agent-runtime": "{" }),
      /is invalid: key "agent-runtime" is not JSON/,
    ],
    [
      "unsupported field",
      sandbox(),
      configOf({ "agent-runtime": { mainContainer: { resources: {} } } }),
      /is invalid: agent-runtime\.mainContainer\.resources is not supported/,
    ],
    [
      "volume of the same name, different",
      sandbox({ volumes: [{ name: "agent-runtime", hostPath: { path: "/x" } }] }),
      CONFIG,
      /the template already has a different volume "agent-runtime"/,
    ],
    [
      "mount at the same path, different",
      sandbox({
        containers: [{
          name: "main",
          volumeMounts: [{ name: "x", mountPath: "/mnt/agent-runtime" }],
        }],
      }),
      CONFIG,
      /already mounts something else at \/mnt\/agent-runtime/,
    ],
    [
      "postStart that is not exec",
      sandbox(httpHook),
      CONFIG,
      /the template's main container has a postStart hook that is not exec \(httpGet\)/,
    ],
  ];
  for (const [what, s, config, message] of cases) {
    assert.throws(() => desiredPod(s, config), (error: unknown) => {
      assert.ok(error instanceof TerminalError, what);
      assert.match(error.message, message, what);
      return true;
    });
  }
});

Deno.test("injectRuntimes() adds an identical entry once and a runtime listed twice once", () => {
  const template = sandbox({
    volumes: AGENT_RUNTIME.volume,
    initContainers: AGENT_RUNTIME.initContainers,
  }).spec.template!;
  const out = injectRuntimes(
    template,
    [{ name: "agent-runtime" }, { name: "agent-runtime" }],
    CONFIG,
  );
  assert.deepEqual(out.spec.volumes, AGENT_RUNTIME.volume);
  assert.deepEqual(out.spec.initContainers, AGENT_RUNTIME.initContainers);
  assert.deepEqual(out.spec.containers[0]!.volumeMounts, AGENT_RUNTIME.mainContainer.volumeMounts);
  assert.deepEqual(out.spec.containers[0]!.lifecycle, AGENT_RUNTIME.mainContainer.lifecycle);
});

Deno.test("injectionConfig() reads the reference's shapes: one volume, volumes, csiSidecar", () => {
  const config = configOf({
    one: { volume: { name: "a", emptyDir: {} }, volumes: [{ name: "b", emptyDir: {} }] },
    csi: { csiSidecar: [{ name: "csi-plugin", image: "csi" }], containers: [{ name: "proxy" }] },
    broken: { volume: [{ emptyDir: {} }] },
  });
  const one = injectRuntimes(sandbox({}, []).spec.template!, [{ name: "one" }], config);
  assert.deepEqual(one.spec.volumes, [{ name: "a", emptyDir: {} }, { name: "b", emptyDir: {} }]);
  const csi = injectRuntimes(sandbox({}, []).spec.template!, [{ name: "csi" }], config);
  assert.deepEqual(csi.spec.initContainers, [{ name: "csi-plugin", image: "csi" }]);
  assert.deepEqual(csi.spec.containers.map((c) => c.name), ["main", "proxy"]);
  // A bad key fails only the Sandboxes that name it.
  assert.throws(
    () => injectRuntimes(sandbox({}, []).spec.template!, [{ name: "broken" }], config),
    /broken\.volume\[0\]\.name must be a non-empty string/,
  );
});
