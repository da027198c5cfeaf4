/**
 * The checks of hack/images_test.ts for the images that are not sandboxes: the controller and
 * the manager run from their images against the shared test kube-apiserver, and agent-runtime
 * given to a plain Debian image the way runtime injection gives it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { generateTokenKey } from "@kruise-agents/shared/api";
import { kubeEnvWithCrds } from "@kruise-agents/shared/testing";
import { generateApiKey } from "@kruise-agents/manager";
import {
  buildImages,
  freePort,
  type ImageConfig,
  type ImageSpec,
  isExecutable,
  readImage,
  run,
  runInChroot,
  SPEC,
  startInChroot,
  tempDir,
  unpack,
  withOutputOnFailure,
} from "./images_kit.ts";

const DENO_JSON = new URL("../deno.json", import.meta.url);
/** Where the test puts the files a pod would get from Secrets (the chroot sees only the rootfs). */
const ETC = "/etc/kruise-agents";
const PROGRAM_UID = 65532;

function imageOf(predicate: (image: ImageSpec) => boolean, what: string): ImageSpec {
  const image = SPEC.images.find(predicate);
  assert.ok(image, `images.json has no ${what} image`);
  return image;
}

/**
 * The permission flags of the program's launcher, checked to be exactly those of its deno.json
 * task (`deno run FLAGS... NAME/main.ts`), with no write, run, FFI or all.
 */
async function launcherFlags(rootfs: string, program: string): Promise<string[]> {
  const launcher = await Deno.readTextFile(`${rootfs}/usr/local/bin/${program}`);
  const exec = launcher.split("\n").find((line) => line.startsWith("exec "));
  assert.ok(exec, `the launcher has no exec line:\n${launcher}`);
  assert.ok(exec.startsWith('exec "/usr/local/bin/deno" run --no-config --no-lock --no-remote'));
  assert.match(launcher, new RegExp(`"/usr/local/lib/${program}/${program}\\.js" "\\$@"`));
  const flags = [...exec.matchAll(/'(-[^']*)'/g)].map((m) => m[1]!);
  const tasks = JSON.parse(await Deno.readTextFile(DENO_JSON)).tasks;
  const task = tasks[program];
  const words = String(typeof task === "string" ? task : task.command).trim().split(/\s+/);
  assert.deepEqual(words.slice(0, 2), ["deno", "run"]);
  assert.equal(words.at(-1), `${program}/main.ts`);
  assert.deepEqual(flags, words.slice(2, -1), "the launcher's flags are the task's");
  for (const flag of flags) {
    assert.doesNotMatch(flag, /^(--allow-(write|run|ffi|all)|-A)\b/, `${program} has ${flag}`);
  }
  assert.doesNotMatch(launcher, /--allow-write|--allow-run/);
  return flags;
}

/**
 * The controller image's second launcher, `/usr/local/bin/node-agent` (the chart's DaemonSet runs
 * it): exactly the flags of deno.json's task `node-agent`, whose only write is the host's cgroups
 * as the DaemonSet mounts them (`/host/cgroup`), and no run, FFI or all.
 */
async function checkNodeAgentLauncher(rootfs: string): Promise<void> {
  const launcher = await Deno.readTextFile(`${rootfs}/usr/local/bin/node-agent`);
  const exec = launcher.split("\n").find((line) => line.startsWith("exec "));
  assert.ok(exec, `the launcher has no exec line:\n${launcher}`);
  assert.match(launcher, /"\/usr\/local\/lib\/node-agent\/node-agent\.js" "\$@"/);
  const flags = [...exec.matchAll(/'(-[^']*)'/g)].map((m) => m[1]!);
  const task = JSON.parse(await Deno.readTextFile(DENO_JSON)).tasks["node-agent"];
  const words = String(task.command).trim().split(/\s+/);
  assert.equal(words.at(-1), "controller/node_agent/main.ts");
  assert.deepEqual(flags, words.slice(2, -1), "the launcher's flags are the task's");
  assert.deepEqual(flags.filter((f) => /^--allow-(write|run|ffi|all)|^-A/.test(f)), [
    "--allow-write=/host/cgroup",
  ]);
  await Deno.stat(`${rootfs}/usr/local/lib/node-agent/node-agent.js`);
}

/**
 * Runs a probe under `flags` with the image's deno, as the image's user: it may read, but a
 * write to /tmp (which the file system allows 65532: mode 1777) and a subprocess are refused.
 */
async function checkRefusals(rootfs: string, config: ImageConfig, flags: string[]) {
  await Deno.writeTextFile(
    `${rootfs}/tmp/probe.js`,
    `const out = {};
for (const [name, f] of Object.entries({
  read: () => Deno.readTextFileSync("/etc/hostname"),
  write: () => Deno.writeTextFileSync("/tmp/probe-write", "x"),
  run: () => new Deno.Command("/bin/true").outputSync(),
})) {
  try { f(); out[name] = "allowed"; } catch (e) { out[name] = e.name; }
}
console.log(JSON.stringify(out));
`,
  );
  const argv = ["/usr/local/bin/deno", "run", "--no-config", "--no-remote", ...flags];
  const out = await runInChroot(rootfs, config, [...argv, "/tmp/probe.js"], { asImageUser: true });
  assert.deepEqual(JSON.parse(out), { read: "allowed", write: "NotCapable", run: "NotCapable" });
  await assert.rejects(Deno.stat(`${rootfs}/tmp/probe-write`));
  await Deno.remove(`${rootfs}/tmp/probe.js`);
}

/** The kubeconfig, token key and keys file in the rootfs's ETC, readable by the program only. */
async function writeProgramFiles(rootfs: string, kubeconfig: string) {
  const { key, record } = await generateApiKey({ team: "images-test", name: "images-test" });
  const files: Record<string, string> = {
    kubeconfig: await Deno.readTextFile(kubeconfig),
    "token-key": generateTokenKey(),
    "keys.yaml": JSON.stringify({ keys: [record] }),
  };
  await Deno.mkdir(`${rootfs}${ETC}`, { mode: 0o755 });
  for (const [name, text] of Object.entries(files)) {
    const path = `${rootfs}${ETC}/${name}`;
    await Deno.writeTextFile(path, text, { mode: 0o600 });
    await Deno.chown(path, PROGRAM_UID, PROGRAM_UID);
  }
  return { key };
}

/** The program's flags: loopback ports, the files of {@linkcode writeProgramFiles}. */
function programArgs(program: "controller" | "manager", health: number): string[] {
  const common = [
    "--kubeconfig",
    `${ETC}/kubeconfig`,
    "--token-key-file",
    `${ETC}/token-key`,
    "--health-port",
    String(health),
  ];
  if (program === "manager") {
    return [...common, "--keys-file", `${ETC}/keys.yaml`, "--hostname", "127.0.0.1"]
      .concat(["--port", String(freePort()), "--proxy-port", String(freePort())]);
  }
  // One namespace of its own, and no leader election (no Lease left behind): the shared API
  // server serves other tests' sandboxes, which this controller must not reconcile.
  const namespace = `images-test-${crypto.randomUUID().slice(0, 8)}`;
  return [...common, "--health-host", "127.0.0.1", "--no-leader-elect"]
    .concat(["--namespace", namespace, "--injection-config", `${namespace}/injection`]);
}

/**
 * The controller's or the manager's image: unpacked with umoci, its launcher's flags are its
 * deno.json task's, and its entrypoint, started as the image's user chrooted into the rootfs
 * with a kubeconfig for the shared test kube-apiserver, answers `/healthz` and `/readyz` with
 * 200 (the manager also its API, with the key of its keys file).
 */
export async function checkProgram(program: "controller" | "manager"): Promise<void> {
  const spec = imageOf((i) => i.entrypoint?.[0] === `/usr/local/bin/${program}`, program);
  const layout = await buildImages();
  const image = await readImage(layout, spec.name);
  assert.equal(image.config.config.User, `${PROGRAM_UID}:${PROGRAM_UID}`);
  await using dir = await tempDir();
  const rootfs = await unpack(layout, image, spec.name, `${dir.path}/bundle`);
  const flags = await launcherFlags(rootfs, program);
  await checkRefusals(rootfs, image.config, flags);
  if (program === "controller") await checkNodeAgentLauncher(rootfs);
  const env = await kubeEnvWithCrds();
  const { key } = await writeProgramFiles(rootfs, env.kubeconfig);
  const health = freePort();
  const args = programArgs(program, health);
  const started = Date.now();
  await using running = startInChroot(rootfs, image.config, args, { asImageUser: true });
  await withOutputOnFailure(running, program, async () => {
    await running.waitFor(`http://127.0.0.1:${health}/healthz`, 200, 30_000);
    await running.waitFor(`http://127.0.0.1:${health}/readyz`, 200, 60_000);
    console.log(`${program} image: /readyz 200 ${Date.now() - started} ms after start`);
    if (program !== "manager") return;
    const api = args[args.indexOf("--port") + 1];
    const res = await fetch(`http://127.0.0.1:${api}/sandboxes`, { headers: { "X-API-Key": key } });
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(await res.json(), []);
  });
}

/** The agent-runtime image's tree, checked, as its entrypoint copies it into a volume. */
async function copiedRuntime(layout: string, root: string): Promise<string> {
  const spec = imageOf((i) => i.layers.includes("injection"), "agent-runtime");
  const image = await readImage(layout, spec.name);
  const rootfs = await unpack(layout, image, spec.name, `${root}/agent-runtime`);
  const tree = `${rootfs}/opt/kruise-agents`;
  for (const file of ["bin/deno", "bin/agent-runtime", "bin/start"]) {
    assert.ok(await isExecutable(`${tree}/${file}`), file);
  }
  assert.ok((await Deno.stat(`${tree}/lib/agent-runtime.js`)).isFile);
  // The init container: the image's entrypoint into an empty volume (the kubelet's emptyDir:
  // root's, mode 0777), run as root as the chart's securityContext runs it (`cp -a` sets the
  // folder's times, which only its owner may).
  await Deno.mkdir(`${rootfs}/mnt/agent-runtime`);
  await Deno.chmod(`${rootfs}/mnt/agent-runtime`, 0o777);
  await runInChroot(rootfs, image.config, image.config.config.Entrypoint);
  return `${rootfs}/mnt/agent-runtime`;
}

/**
 * Runtime injection, image by image: the agent-runtime image's entrypoint copies its tree out;
 * in the plain debian:bookworm-slim image with that tree at /mnt/agent-runtime, the postStart
 * hook's `sh /mnt/agent-runtime/bin/start` (later flags win: loopback and a free port here)
 * creates the account `user` and starts a runtime that answers `/health` with 204 while the
 * container's main process (a sleep) runs.
 */
export async function checkInjectedRuntime(): Promise<void> {
  const layout = await buildImages();
  const spec = imageOf((i) => i.name === "kruise-agents/debian:bookworm-slim", "debian");
  const image = await readImage(layout, spec.name);
  await using dir = await tempDir();
  const volume = await copiedRuntime(layout, dir.path);
  const rootfs = await unpack(layout, image, spec.name, `${dir.path}/debian`);
  await run("cp", ["-a", volume, `${rootfs}/mnt/agent-runtime`]);
  const port = freePort();
  const script = `sh /mnt/agent-runtime/bin/start --port ${port} --host 127.0.0.1 && ` +
    "exec sleep infinity";
  const started = Date.now();
  await using container = startInChroot(rootfs, image.config, ["-c", script], {
    env: { KRUISE_AGENTS_ACCESS_TOKEN: crypto.randomUUID() },
    asImageUser: true,
  });
  await withOutputOnFailure(container, "debian container", async () => {
    await container.waitFor(`http://127.0.0.1:${port}/health`, 204, 30_000);
    console.log(`injected agent-runtime: /health 204 ${Date.now() - started} ms after start`);
    const passwd = await Deno.readTextFile(`${rootfs}/etc/passwd`);
    assert.match(passwd, /^user:x:\d+:\d+::\/home\/user:\/bin\/sh$/m);
  });
}
