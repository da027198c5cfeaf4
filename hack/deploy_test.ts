/**
 * `deno task deploy` on the real node of `hack/kube.sh up-node` (kubelet, containerd, runc, CNI,
 * kube-proxy), end to end (issue 12):
 *
 * 2. deploy installs the chart; the controller and the manager run as pods from the images that
 *    hack/images/build.sh built and kube.sh loaded; with the exports it prints, the seed's Python
 *    snippets (the pause one too: the chart's node agent DaemonSet freezes the pod) and the JS
 *    flow pass; a second deploy with changed values upgrades in place and the
 *    key of the first keeps working.
 * 3. a SandboxSet of a plain Debian image (no runtime of its own) gets agent-runtime through the
 *    chart's injection and passes the SDK's command, file and PTY checks (a PTY without python3
 *    in the image runs on util-linux's `script`).
 * 4. `kill -9` of the leading controller's process hands the Lease over (the time is printed; the
 *    bound is the 15 s: the chart's lease of 12 s plus a retry period) and the new leader
 *    reconciles, with
 *    no Sandbox created twice; two manager replicas behind the Service hand 40 concurrent creates
 *    40 distinct sandboxes, each initialised once.
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
import { seedJsFlow, seedPythonSnippets } from "../manager/e2e/sdk_flow.ts";
import { ROOT } from "./chart_kit.ts";

const NS = "ka-deploy";
const TEMPLATES = `${ROOT}hack/testdata/deploy_sandboxsets.yaml`;
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
nodeAgent:
  kubeletCgroupRoot: /kruise-agents-node
  resources: { requests: { cpu: 10m, memory: 32Mi }, limits: { memory: 256Mi } }
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
  for (const component of ["controller", "manager", "node-agent"]) {
    const mine = pods.filter((p) => p.metadata.labels["app.kubernetes.io/component"] === component);
    // The node agent is a DaemonSet: one on the one node, from the controller's image.
    assert.equal(mine.length, component === "node-agent" ? 1 : 2, `${component} replicas`);
    const image = component === "node-agent" ? "controller" : component;
    for (const pod of mine) {
      assert.equal(pod.spec.containers[0]!.image, `kruise-agents/${image}:0.1.0`);
      assert.equal(pod.status.phase, "Running", pod.metadata.name);
    }
  }
  const running = (await node.containers()).filter((c) => c.state === "CONTAINER_RUNNING");
  for (const component of ["controller", "manager"]) {
    const n = running.filter((c) => c.labels["io.kubernetes.container.name"] === component).length;
    assert.equal(n, 2, `running ${component} containers in containerd`);
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
    // No python3 here: the runtime's terminal is util-linux's `script` (runtime/process/pty_script.ts).
    assert.match((await sbx.commands.run("command -v python3 || echo none")).stdout, /^none$/m);
    const chunks: string[] = [];
    const decoder = new TextDecoder();
    const pty = await sbx.pty.create({
      cols: 80,
      rows: 24,
      onData: (d) => void chunks.push(decoder.decode(d)),
    });
    await sbx.pty.resize(pty.pid, { cols: 100, rows: 30 });
    await sbx.pty.sendInput(
      pty.pid,
      new TextEncoder().encode("tty; stty size; echo pty-$((6 * 7))\nexit\n"),
    );
    await pty.wait().catch(() => {});
    const text = chunks.join("");
    assert.match(text, /\/dev\/pts\/\d+/);
    assert.match(text, /30 100/);
    assert.match(text, /pty-42/);
    // The Freeze pause through the chart's node agent (a DaemonSet): the process keeps its PID.
    const worker = await sbx.commands.run("sleep 600", { background: true });
    assert.equal(await sbx.pause(), true);
    assert.equal((await sbx.getInfo()).state, "paused");
    const resumed = await Sandbox.connect(sbx.sandboxId, options);
    const cmdline = await resumed.commands.run(`tr '\\0' ' ' < /proc/${worker.pid}/cmdline`);
    assert.equal(cmdline.stdout.trim(), "sleep 600");
  } finally {
    await sbx.kill();
  }
}

/** The host pid of `pod`'s container `name`, from containerd (`crictl inspect`). */
async function containerPid(node: RealNode, pod: string, name: string): Promise<number> {
  const container = (await node.containers()).find((c) =>
    c.state === "CONTAINER_RUNNING" && c.labels["io.kubernetes.pod.name"] === pod &&
    c.labels["io.kubernetes.container.name"] === name
  );
  assert.ok(container, `a running ${name} container in ${pod}`);
  const out = await runCommand(`${node.state}/bin/crictl`, [
    `--config=${node.state}/node/crictl.yaml`,
    "inspect",
    container.id,
  ]);
  assert.equal(out.code, 0, out.stderr);
  return JSON.parse(out.stdout).info.pid as number;
}

/**
 * Point 4: `kill -9` of the leading controller's process (no release of the Lease): another
 * replica leads once the Lease expires (15 s after the last renewal), and reconciles (a deleted
 * pool member is replaced); no Sandbox is created twice.
 */
async function leaderHandover(node: RealNode): Promise<void> {
  const holder = async () => {
    const lease = parseLease(await node.kube.get(LEASES, NS, "kruise-agents-controller"));
    return lease.spec.holderIdentity ?? "";
  };
  const leader = await poll("a leader", async () => (await holder()) || undefined, {
    timeoutMs: 60_000,
  });
  const { items: before } = await node.kube.list(SANDBOXES, { namespace: NS });
  const pid = await containerPid(node, leader.split("_")[0]!, "controller");
  const started = performance.now();
  Deno.kill(pid, "SIGKILL");
  const next = await poll("another leader", async () => {
    const h = await holder();
    return h && h !== leader ? h : undefined;
  }, { timeoutMs: 60_000, intervalMs: 100 });
  const took = performance.now() - started;
  figures["controller hand-over after kill -9"] = `${(took / 1000).toFixed(1)} s (to ${next})`;
  assert.ok(took < 15_000, `hand-over took ${took} ms (the chart's lease: 12 s, retry 2 s)`);
  // The new leader reconciles: a deleted member of plain-debian is replaced, once.
  const member = before.find((s) => s.metadata.labels?.[LABEL_SANDBOX_POOL] === "plain-debian");
  assert.ok(member, "a plain-debian member");
  await node.kubectl(["-n", NS, "delete", "sandbox", member.metadata.name!, "--wait=false"]);
  await poolReady(node, "plain-debian", 1);
  await new Promise((r) => setTimeout(r, 3_000));
  const { items: after } = await node.kube.list(SANDBOXES, { namespace: NS });
  const names = (items: typeof after) => items.map((s) => s.metadata.name!).sort();
  const kept = names(before).filter((n) => n !== member.metadata.name);
  const added = names(after).filter((n) => !names(before).includes(n));
  assert.deepEqual(names(after).filter((n) => names(before).includes(n)), kept);
  assert.equal(added.length, 1, `one replacement, not more: ${added.join(", ")}`);
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
      await t.step("2: the seed's Python snippets", async () => {
        Object.assign(figures, await seedPythonSnippets(first, { pause: true }));
      });
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
