/**
 * `deno task deploy` on the real node of `hack/kube.sh up-node` (kubelet, containerd, runc, CNI,
 * kube-proxy), end to end (issue 12):
 *
 * 2. deploy installs the chart; the controller and the manager run as pods from the images that
 *    hack/images/build.sh built and kube.sh loaded; with the exports it prints, the seed's Python
 *    snippets and the JS flow pass; a second deploy with changed values upgrades in place and the
 *    key of the first keeps working.
 * 3. a SandboxSet of a plain Debian image (no runtime of its own) gets agent-runtime through the
 *    chart's injection and passes the SDK's command and file checks; a PTY there fails with a
 *    clear error, as the runtime drives terminals through python3, which the image lacks.
 * 4. killing the leading controller pod hands the Lease over (the time is printed; the bound is
 *    the lease duration, 15 s, plus a scan); two manager replicas behind the Service hand 40
 *    concurrent creates 40 distinct sandboxes, each initialised once.
 *
 * Only one real node runs per machine, so this test does not run beside manager/e2e/real_node_test.ts
 * or hack/kube_node_test.ts in another process.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Sandbox } from "e2b";
import { Sandbox as CodeSandbox } from "@e2b/code-interpreter";
import { isSandboxReady, LABEL_SANDBOX_POOL, parseLease } from "@kruise-agents/shared/api";
import { LEASES, SANDBOXES } from "@kruise-agents/shared/kube";
import { poll } from "@kruise-agents/shared/std";
import { processesNaming, runCommand } from "@kruise-agents/shared/testing";
import { kubeSh, type RealNode, upNode } from "../manager/e2e/real_node.ts";
import { parseExport } from "../manager/e2e/dev_harness.ts";
import { seedJsFlow } from "../manager/e2e/sdk_flow.ts";
import { ROOT } from "./chart_kit.ts";

const NS = "ka-deploy";
const TEMPLATES = `${ROOT}hack/testdata/deploy_sandboxsets.yaml`;
const SEED = `${ROOT}manager/e2e/seed/`;
const figures: Record<string, string> = {};

/** Values of the first deploy: small requests (a 2-core node), node ports, no example pools. */
const VALUES = `
controller:
  resources: { requests: { cpu: 10m, memory: 64Mi }, limits: { memory: 512Mi } }
manager:
  resources: { requests: { cpu: 10m, memory: 64Mi }, limits: { memory: 1Gi } }
  service:
    api: { type: NodePort }
    proxy: { type: NodePort }
templates:
  examples:
    enabled: false
`;

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

/** Runs `deno task deploy` against `kubeconfig`; returns the variables it printed. */
async function deploy(kubeconfig: string, args: string[]): Promise<Record<string, string>> {
  const started = performance.now();
  const out = await runCommand(Deno.execPath(), [
    "task",
    "--config",
    `${ROOT}deno.json`,
    "deploy",
    "--kubeconfig",
    kubeconfig,
    "--namespace",
    NS,
    "--timeout",
    "300",
    ...args,
  ]);
  assert.equal(out.code, 0, `deploy failed:\n${out.stderr}\n${out.stdout}`);
  figures[`deploy ${args.join(" ")}`] = seconds(started);
  const env: Record<string, string> = {};
  for (const line of out.stdout.split("\n")) {
    const exported = parseExport(line);
    if (exported) env[exported[0]] = exported[1];
  }
  return env;
}

/** The SDK options of deploy's exports (URL mode: node ports). */
function sdkOptions(env: Record<string, string>, apiKey: string) {
  return {
    apiKey,
    apiUrl: env.E2B_API_URL!,
    sandboxUrl: env.E2B_SANDBOX_URL!,
    domain: "localhost",
  };
}

/** Waits until pool `name` has `count` ready, unclaimed members. */
async function poolReady(node: RealNode, name: string, count: number): Promise<void> {
  await poll(`${count} ready members of ${name}`, async () => {
    const { items } = await node.kube.list(SANDBOXES, {
      namespace: NS,
      labelSelector: `${LABEL_SANDBOX_POOL}=${name}`,
    });
    return items.filter((s) => isSandboxReady(s as never)).length >= count || undefined;
  }, { timeoutMs: 240_000, intervalMs: 500 });
}

/** Point 2: the chart's programs run from the locally built images, as containerd shows. */
async function programsFromLocalImages(node: RealNode): Promise<void> {
  const pods = JSON.parse(await node.kubectl(["-n", NS, "get", "pods", "-o", "json"])).items as {
    metadata: { name: string; labels: Record<string, string> };
    spec: { containers: { image: string }[] };
    status: { phase: string };
  }[];
  for (const component of ["controller", "manager"]) {
    const mine = pods.filter((p) => p.metadata.labels["app.kubernetes.io/component"] === component);
    assert.equal(mine.length, 2, `${component} replicas`);
    for (const pod of mine) {
      assert.equal(pod.spec.containers[0]!.image, `kruise-agents/${component}:0.1.0`);
      assert.equal(pod.status.phase, "Running", pod.metadata.name);
    }
  }
  const running = (await node.containers()).filter((c) => c.state === "CONTAINER_RUNNING");
  for (const component of ["controller", "manager"]) {
    const n = running.filter((c) => c.labels["io.kubernetes.container.name"] === component).length;
    assert.equal(n, 2, `running ${component} containers in containerd`);
  }
}

/** Point 2: the seed's Python snippets (bar `beta_pause`) with deploy's exports. */
async function seedSnippets(env: Record<string, string>): Promise<void> {
  const expectations: [string, RegExp][] = [
    ["creation_and_deletion.py", /sandbox id: ([a-z0-9]+)\nsandbox \1 killed/],
    ["code_execution.py", /^$/],
    ["file_operations.py", /Seed document §2\.1\.3/],
    ["command_execution.py", /^hello$\n[\s\S]*^world$[\s\S]*CommandResult\(.*exit_code=0/m],
  ];
  for (const [file, expected] of expectations) {
    const start = performance.now();
    const out = await runCommand("python3", [`${SEED}${file}`], {
      env: { ...env, PYTHONUNBUFFERED: "1" },
    });
    assert.equal(out.code, 0, `${file}:\n${out.stderr}\n${out.stdout}`);
    assert.match(out.stdout, expected, file);
    figures[`seed ${file}`] = seconds(start);
  }
}

/** Point 3: a plain Debian image with the injected runtime: commands, files, users, a PTY. */
async function injected(options: ReturnType<typeof sdkOptions>): Promise<void> {
  const sbx = await Sandbox.create("plain-debian", { ...options, timeoutMs: 300_000 });
  try {
    const os = await sbx.commands.run("cat /etc/debian_version; whoami; echo $HOME");
    assert.match(os.stdout, /^12\.\d+\nuser\n\/home\/user\n$/);
    assert.equal((await sbx.commands.run("whoami", { user: "root" })).stdout, "root\n");
    assert.equal(
      (await sbx.commands.run("ls /usr/local/bin/agent-runtime 2>&1 || echo none")).stdout,
      "ls: cannot access '/usr/local/bin/agent-runtime': No such file or directory\nnone\n",
      "the image has no runtime of its own",
    );
    await sbx.files.write("/home/user/hello.txt", "from the SDK");
    assert.equal(await sbx.files.read("/home/user/hello.txt"), "from the SDK");
    assert.ok((await sbx.files.list("/home/user")).some((e) => e.name === "hello.txt"));
    // The runtime drives PTYs through python3, which a plain Debian image lacks: a clear error
    // (an image with python3, such as E2B's code-interpreter layout, gets a PTY).
    await assert.rejects(
      sbx.pty.create({ cols: 80, rows: 24, onData: () => {} }),
      /cannot start a PTY: agent-runtime drives terminals through python3/,
    );
    const python = await sbx.commands.run("apt-get --version >/dev/null && echo apt-ok");
    assert.equal(python.stdout, "apt-ok\n");
  } finally {
    await sbx.kill();
  }
}

/** Point 4: deleting the leading controller pod hands the Lease to the other replica. */
async function leaderHandover(node: RealNode): Promise<void> {
  const holder = async () => {
    const lease = parseLease(await node.kube.get(LEASES, NS, "kruise-agents-controller"));
    return lease.spec.holderIdentity ?? "";
  };
  const leader = await poll("a leader", async () => (await holder()) || undefined, {
    timeoutMs: 60_000,
  });
  const pod = leader.split("_")[0]!;
  const { items: before } = await node.kube.list(SANDBOXES, { namespace: NS });
  const started = performance.now();
  await node.kubectl([
    "-n",
    NS,
    "delete",
    "pod",
    pod,
    "--grace-period=0",
    "--force",
    "--wait=false",
  ]);
  const next = await poll("another leader", async () => {
    const h = await holder();
    return h && !h.startsWith(`${pod}_`) ? h : undefined;
  }, { timeoutMs: 60_000, intervalMs: 100 });
  const took = performance.now() - started;
  figures["controller hand-over after kill"] = `${(took / 1000).toFixed(1)} s (to ${next})`;
  assert.ok(took < 20_000, `hand-over took ${took} ms (lease duration 15 s)`);
  // No Sandbox created twice: the pools keep their sizes through the hand-over.
  await new Promise((r) => setTimeout(r, 3_000));
  const { items: after } = await node.kube.list(SANDBOXES, { namespace: NS });
  assert.deepEqual(
    after.map((s) => s.metadata.name).sort(),
    before.map((s) => s.metadata.name).sort(),
  );
}

/** Point 4: 40 concurrent creates through the Service's two managers: 40 distinct sandboxes. */
async function concurrentCreates(options: ReturnType<typeof sdkOptions>): Promise<void> {
  const started = performance.now();
  const sandboxes = await Promise.all(
    Array.from({ length: 40 }, () => Sandbox.create("base", { ...options, timeoutMs: 600_000 })),
  );
  figures["40 concurrent creates"] = seconds(started);
  try {
    assert.equal(new Set(sandboxes.map((s) => s.sandboxId)).size, 40);
    const seen = await Promise.all(
      sandboxes.map((s) => s.commands.run("echo $E2B_SANDBOX_ID").then((r) => r.stdout.trim())),
    );
    assert.deepEqual(seen, sandboxes.map((s) => s.sandboxId));
  } finally {
    await Promise.all(sandboxes.map((s) => s.kill().catch(() => false)));
  }
}

Deno.test({
  name: "deno task deploy on a real node: chart pods from local images, seed flows, injection, " +
    "upgrade in place, leader hand-over, 40 concurrent creates",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const parent = await Deno.makeTempDir({ prefix: "deploy-test-" });
    const state = `${parent}/kube`;
    try {
      let start = performance.now();
      const node = await upNode(state);
      figures["kube.sh up-node"] = seconds(start);
      const values = `${parent}/values.yaml`;
      await Deno.writeTextFile(values, VALUES);
      const first = await deploy(node.kubeconfig, ["-f", values]);
      const apiKey = first.E2B_API_KEY!;
      assert.match(apiKey, /^e2b_[0-9a-f]{40}$/, "the first deploy mints a key");
      assert.match(first.E2B_API_URL!, /^http:\/\/10\.244\.0\.1:3\d{4}$/, "a node port");
      const options = sdkOptions(first, apiKey);
      await t.step(
        "2: the programs run from the local images",
        () => programsFromLocalImages(node),
      );
      start = performance.now();
      await node.kubectl(["-n", NS, "apply", "-f", TEMPLATES]);
      await poolReady(node, "code-interpreter", 2);
      await poolReady(node, "plain-debian", 1);
      figures["templates applied to pools ready"] = seconds(start);
      await t.step("2: the seed's Python snippets", () => seedSnippets(first));
      await t.step("2: the JS flow", async () => {
        const sbx = await CodeSandbox.create("code-interpreter", {
          ...options,
          timeoutMs: 300_000,
        });
        await seedJsFlow(sbx);
        assert.equal(await sbx.kill(), true);
      });
      await t.step("3: injection into a plain Debian image", () => injected(options));
      await t.step("4: the controller hand-over", () => leaderHandover(node));
      await t.step("4: 40 concurrent creates, two managers", () => concurrentCreates(options));
      await t.step("2: a second deploy upgrades in place; the key keeps working", async () => {
        const second = await deploy(node.kubeconfig, [
          "-f",
          values,
          "--set",
          "manager.replicas=1",
          "--set",
          "controller.workers=2",
        ]);
        assert.equal(second.E2B_API_KEY, undefined, "no new key on an upgrade");
        assert.equal(second.E2B_API_URL, first.E2B_API_URL, "the same node port");
        const deployments = JSON.parse(
          await node.kubectl(["-n", NS, "get", "deployments", "-o", "json"]),
        ).items as { metadata: { name: string }; spec: { replicas: number; template: unknown } }[];
        const manager = deployments.find((d) => d.metadata.name === "kruise-agents-manager")!;
        assert.equal(manager.spec.replicas, 1);
        const controller = deployments.find((d) => d.metadata.name === "kruise-agents-controller")!;
        assert.match(JSON.stringify(controller.spec.template), /--workers=2/);
        const history = await node.kubectl([
          "-n",
          NS,
          "rollout",
          "status",
          "deploy/kruise-agents-controller",
        ]);
        assert.match(history, /successfully rolled out/);
        const sbx = await Sandbox.create("plain-debian", { ...options, timeoutMs: 120_000 });
        assert.equal((await sbx.commands.run("echo after-upgrade")).stdout, "after-upgrade\n");
        assert.equal(await sbx.kill(), true);
      });
    } finally {
      await kubeSh(state, "down").catch((error) => console.error(error));
      await Deno.remove(parent, { recursive: true }).catch(() => {});
      console.log(JSON.stringify(figures, null, 2));
    }
    assert.deepEqual(await processesNaming(state), [], "processes naming the state folder");
  },
});
