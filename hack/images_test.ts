/**
 * The images of hack/images/build.sh: all build (or come from the cache) into one valid OCI
 * layout, and `umoci unpack` makes runc bundles of them. Each is then run the way its image config
 * says, chrooted into the unpacked root filesystem in its own mount and PID namespaces:
 * - the sandbox images (an images.json `template`): their root filesystems hold what E2B users
 *   and the runtime need, and the runtime answers `/health`;
 * - the controller and the manager: as the image's user, with exactly their deno.json task's
 *   permission flags, against the shared test kube-apiserver; both answer `/healthz` and
 *   `/readyz`, and a write or a subprocess under those flags is refused;
 * - agent-runtime: its entrypoint copies the tree to /mnt/agent-runtime, and `bin/start` run
 *   from there in the plain debian:bookworm-slim image (the injection path) starts a runtime that
 *   answers `/health`.
 * Needs root, and Debian's umoci, mmdebstrap and util-linux (hack/apt-packages.txt).
 *
 * @module
 */
import assert from "node:assert/strict";

import {
  BUILD_SH,
  buildImages,
  checkBlob,
  type Descriptor,
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
import { checkInjectedRuntime, checkProgram } from "./images_programs.ts";

const IS_ROOT = Deno.uid() === 0;

/** The entrypoint, user and environment of `image`: a sandbox's, or as images.json says. */
function checkConfig(image: ImageSpec, config: ImageConfig): void {
  const env = config.config.Env;
  assert.ok(env.includes("LANG=C.UTF-8"), image.name);
  assert.ok(env.some((e) => e.startsWith("PATH=/usr/local/sbin:")), image.name);
  if (image.template !== undefined) {
    assert.deepEqual(config.config.Entrypoint, [
      "/usr/bin/tini",
      "--",
      "/usr/local/bin/agent-runtime",
    ]);
    assert.equal(config.config.User, "root");
    assert.ok(env.includes("HOME=/root"));
    assert.equal(config.config.Labels["agents.kruise.io/template"], image.template);
    return;
  }
  // The control-plane images run as 65532 on a read-only root filesystem with /tmp writable
  // (the chart), so deno's cache folder and HOME are there.
  assert.deepEqual(config.config.Entrypoint, image.entrypoint, image.name);
  assert.equal(config.config.User, image.user ?? "65532:65532", image.name);
  assert.ok(env.includes("HOME=/tmp"), image.name);
  assert.ok(env.includes("DENO_DIR=/tmp/deno"), image.name);
  assert.equal(config.config.Labels["agents.kruise.io/template"], undefined, image.name);
}

Deno.test({
  name: "build.sh build writes every image into one OCI layout, each blob matching its digest",
  ignore: !IS_ROOT,
  async fn() {
    const layout = await buildImages();
    assert.deepEqual(JSON.parse(await Deno.readTextFile(`${layout}/oci-layout`)), {
      imageLayoutVersion: "1.0.0",
    });
    const layers = new Map<string, { layer: Descriptor; diffId: string }>();
    for (const image of SPEC.images) {
      const { entry, manifest, config } = await readImage(layout, image.name);
      assert.equal(
        entry.annotations?.["io.containerd.image.name"],
        `docker.io/${image.name}`,
        "the name `ctr images import` gives the image",
      );
      assert.equal(config.os, "linux");
      assert.deepEqual(config.config.Cmd, image.cmd);
      assert.equal(config.config.WorkingDir, "/");
      checkConfig(image, config);
      assert.match(config.config.Labels["agents.kruise.io/image-inputs"] ?? "", /^[0-9a-f]{64}$/);
      assert.equal(manifest.layers.length, image.layers.length);
      assert.equal(config.rootfs.diff_ids.length, image.layers.length);
      for (const [i, layer] of manifest.layers.entries()) {
        layers.set(layer.digest, { layer, diffId: config.rootfs.diff_ids[i]! });
      }
    }
    // Each layer blob (shared ones once): its digest, and the digest of its uncompressed tar is
    // the config's diff_id.
    for (const { layer, diffId } of layers.values()) {
      const path = await checkBlob(layout, layer);
      const uncompressed = await run("bash", [
        "-o",
        "pipefail",
        "-c",
        'gzip -dc "$1" | sha256sum',
        "_",
        path,
      ]);
      assert.equal(`sha256:${uncompressed.split(" ")[0]}`, diffId, `diff_id of ${layer.digest}`);
    }
  },
});

Deno.test({
  name: "build.sh archive writes an OCI archive holding one image, as `ctr images import` reads",
  ignore: !IS_ROOT,
  async fn() {
    await buildImages();
    const image = SPEC.images[0]!;
    await using dir = await tempDir();
    const archive = `${dir.path}/image.tar`;
    await run("bash", [BUILD_SH, "archive", image.name, archive]);
    const layout = `${dir.path}/layout`;
    await Deno.mkdir(layout);
    await run("tar", ["-xf", archive, "-C", layout]);
    const index = JSON.parse(await Deno.readTextFile(`${layout}/index.json`));
    assert.equal(index.manifests.length, 1);
    const { manifest } = await readImage(layout, image.name);
    for (const layer of manifest.layers) await checkBlob(layout, layer);
    // A second reader of the layout than ours.
    const stat = await run("umoci", ["stat", "--json", "--image", `${layout}:${image.name}`]);
    assert.equal(JSON.parse(stat).history.length, image.layers.length);
  },
});

const TOOLS = [
  "/usr/local/bin/agent-runtime",
  "/usr/local/bin/deno",
  "/usr/bin/tini",
  "/usr/bin/python3",
  "/usr/bin/pip3",
  "/usr/bin/sudo",
  "/usr/bin/git",
  "/usr/bin/curl",
  "/usr/bin/node",
  "/usr/bin/npm",
  "/usr/bin/setpriv",
  "/usr/bin/ps",
  "/usr/bin/getfattr",
];

/** What every image's root filesystem has: the tools, the account `user`, no build leftovers. */
async function checkRootfs(rootfs: string): Promise<void> {
  for (const tool of TOOLS) assert.ok(await isExecutable(`${rootfs}${tool}`), tool);
  const passwd = await Deno.readTextFile(`${rootfs}/etc/passwd`);
  assert.match(passwd, /^user:x:1000:1000::\/home\/user:\/bin\/bash$/m);
  assert.equal((await Deno.stat(`${rootfs}/home/user`)).uid, 1000);
  const sudoers = await Deno.stat(`${rootfs}/etc/sudoers.d/user`);
  assert.equal(sudoers.mode! & 0o777, 0o440);
  assert.match(
    await Deno.readTextFile(`${rootfs}/etc/sudoers.d/user`),
    /^user ALL=\(ALL:ALL\) NOPASSWD: ALL$/m,
  );
  // No build leftovers: apt lists, the host's resolver, pip caches.
  const lists: string[] = [];
  for await (const { name } of Deno.readDir(`${rootfs}/var/lib/apt/lists`)) {
    if (name !== "lock" && name !== "partial") lists.push(name);
  }
  assert.deepEqual(lists, []);
  assert.doesNotMatch(await Deno.readTextFile(`${rootfs}/etc/resolv.conf`), /nameserver/);
  await assert.rejects(Deno.stat(`${rootfs}/root/.cache/pip`));
  const sources = await Deno.readTextFile(`${rootfs}/etc/apt/sources.list`);
  for (const suite of ["bookworm", "bookworm-updates", "bookworm-security"]) {
    assert.match(sources, new RegExp(`^deb http://deb.debian.org/\\S+ ${suite} main$`, "m"));
  }
}

/**
 * What the code interpreter needs: the Python packages importable (E2B's chart extraction and
 * Pillow among them), the kernelspecs of every language E2B's template has, and their runtimes.
 */
async function checkInterpreterFiles(rootfs: string, config: ImageConfig): Promise<void> {
  const imports = await runInChroot(rootfs, config, [
    "python3",
    "-c",
    "import jupyter_server, ipykernel, pandas, matplotlib, numpy, bash_kernel, e2b_charts, PIL;" +
    " print('ok')",
  ]);
  assert.equal(imports.trim(), "ok");
  const kernel = JSON.parse(
    await Deno.readTextFile(`${rootfs}/usr/local/share/jupyter/kernels/deno/kernel.json`),
  );
  assert.equal(kernel.argv[0], "/usr/local/bin/deno");
  const specs = await runInChroot(rootfs, config, ["jupyter", "kernelspec", "list", "--json"]);
  assert.deepEqual(
    Object.keys(JSON.parse(specs).kernelspecs).sort(),
    ["bash", "deno", "ir", "java", "python3"],
  );
  await runInChroot(rootfs, config, ["jshell", "--version"]);
  await runInChroot(rootfs, config, ["R", "--version"]);
}

/** One cell per kernel and what its output must contain, run through `/execute`. */
const CELLS: [string, string, RegExp][] = [
  [
    "python",
    "import matplotlib.pyplot as plt\nplt.plot([1, 2], [3, 4])\nplt.show()",
    /"chart":\{"type":"line"/,
  ],
  ["bash", "echo $((40 + 2))", /"stdout","text":"42\\n"/],
  // What the launcher set for the runtime alone (its code cache's DENO_DIR, its allocator
  // settings) never reaches a kernel.
  [
    "bash",
    'echo "[${DENO_DIR-}${MALLOC_ARENA_MAX-}${MALLOC_MMAP_THRESHOLD_-}${KRUISE_AGENTS_OWN_ENV-}]"',
    /"stdout","text":"\[\]\\n"/,
  ],
  ["r", "cat(40 + 2)", /"stdout","text":"42"/],
  ["java", "40 + 2", /"text":"42"/],
];

/** Runs {@linkcode CELLS} on the interpreter at `url`, each kernel started as it is asked for. */
async function checkKernels(url: string, token: string): Promise<void> {
  for (const [language, code, expected] of CELLS) {
    const res = await fetch(`${url}/execute`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-access-token": token },
      body: JSON.stringify({ code, language }),
      signal: AbortSignal.timeout(180_000),
    });
    const body = await res.text();
    assert.equal(res.status, 200, `${language}: ${body}`);
    assert.match(body, expected, `${language}: ${body}`);
    assert.doesNotMatch(body, /"type":"error"/, `${language}: ${body}`);
  }
}

/**
 * Starts the runtime in `rootfs` on free loopback ports (with an access token, as a sandbox's pod
 * gives it) and waits for envd's `/health` (204) and, with `interpreter`, the code interpreter's
 * (200: Jupyter Server and its first kernels run), then runs a cell on each kernel.
 */
async function checkHealth(rootfs: string, config: ImageConfig, interpreter: boolean) {
  const port = freePort();
  const interpreterPort = interpreter ? freePort() : 0;
  const token = crypto.randomUUID();
  await using runtime = startInChroot(rootfs, config, [
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--interpreter-port",
    String(interpreterPort),
  ], { env: { KRUISE_AGENTS_ACCESS_TOKEN: token } });
  await withOutputOnFailure(runtime, "runtime", async () => {
    await runtime.waitFor(`http://127.0.0.1:${port}/health`, 204, 30_000);
    if (interpreter) {
      await runtime.waitFor(`http://127.0.0.1:${interpreterPort}/health`, 200, 90_000);
      await checkKernels(`http://127.0.0.1:${interpreterPort}`, token);
    }
  });
}

for (const image of SPEC.images.filter((i) => i.template !== undefined)) {
  Deno.test({
    name: `${image.template} image: umoci unpacks it and its runtime answers /health in a chroot`,
    ignore: !IS_ROOT,
    async fn() {
      const layout = await buildImages();
      const built = await readImage(layout, image.name);
      await using dir = await tempDir();
      const rootfs = await unpack(layout, built, image.name, `${dir.path}/bundle`);
      await checkRootfs(rootfs);
      const interpreter = !image.cmd.join(" ").includes("--interpreter-port 0");
      if (interpreter) await checkInterpreterFiles(rootfs, built.config);
      await checkHealth(rootfs, built.config, interpreter);
    },
  });
}

for (const program of ["controller", "manager"] as const) {
  Deno.test({
    name: `${program} image: runs with its deno.json task's permissions only, as 65532, ` +
      "and answers /healthz and /readyz against kube-apiserver",
    ignore: !IS_ROOT,
    async fn() {
      await checkProgram(program);
    },
  });
}

Deno.test({
  name: "agent-runtime image: its entrypoint copies the runtime out, and bin/start runs it in " +
    "debian:bookworm-slim from /mnt/agent-runtime (the injection path), answering /health",
  ignore: !IS_ROOT,
  async fn() {
    await checkInjectedRuntime();
  },
});
