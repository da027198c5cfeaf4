/**
 * The sandbox images of hack/images/build.sh: both build (or come from the cache) into one valid
 * OCI layout, `umoci unpack` makes runc bundles of them whose root filesystems hold what E2B users
 * and the runtime need, and the runtime in each answers `/health` when started the way the image
 * config says, chrooted into the unpacked root filesystem in its own mount and PID namespaces.
 * Needs root, and Debian's umoci, mmdebstrap and util-linux (hack/apt-packages.txt).
 *
 * @module
 */
import assert from "node:assert/strict";

const BUILD_SH = new URL("./images/build.sh", import.meta.url).pathname;

interface ImageSpec {
  name: string;
  template: string;
  layers: string[];
  cmd: string[];
  ports: number[];
}
const SPEC: { images: ImageSpec[] } = JSON.parse(
  await Deno.readTextFile(new URL("./images/images.json", import.meta.url)),
);
const IS_ROOT = Deno.uid() === 0;

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}
interface ImageConfig {
  architecture: string;
  os: string;
  config: {
    User: string;
    Env: string[];
    Entrypoint: string[];
    Cmd: string[];
    WorkingDir: string;
    Labels: Record<string, string>;
  };
  rootfs: { type: string; "diff_ids": string[] };
}

async function run(cmd: string, args: string[], options: Deno.CommandOptions = {}) {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", ...options })
    .output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${out.code}): ${text(out.stderr)}`);
  }
  return text(out.stdout);
}

let built: Promise<string> | undefined;
/** Runs `build.sh build` once per test run (cached: seconds when nothing changed). */
function buildImages(): Promise<string> {
  built ??= (async () => {
    const out = await new Deno.Command("bash", {
      args: [BUILD_SH, "build"],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    assert.ok(out.success, `build.sh build failed with exit code ${out.code}`);
    return new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!;
  })();
  return built;
}

/** sha256 of a file, by sha256sum (blobs are up to ~150 MB). */
async function sha256(path: string): Promise<string> {
  return "sha256:" + (await run("sha256sum", [path])).split(" ")[0];
}

/** Checks that blob `d` of `layout` has the size and digest `d` says; returns its path. */
async function checkBlob(layout: string, d: Descriptor): Promise<string> {
  const path = `${layout}/blobs/${d.digest.replace(":", "/")}`;
  assert.equal((await Deno.stat(path)).size, d.size, `size of ${d.digest}`);
  assert.equal(await sha256(path), d.digest, `digest of ${path}`);
  return path;
}

/** Reads JSON blob `d` of `layout`, checked by {@linkcode checkBlob}. */
async function readBlob(layout: string, d: Descriptor): Promise<string> {
  return await Deno.readTextFile(await checkBlob(layout, d));
}

/** The manifest and config of image `name`, every blob checked against its descriptor. */
async function readImage(layout: string, name: string) {
  const index = JSON.parse(await Deno.readTextFile(`${layout}/index.json`));
  assert.equal(index.schemaVersion, 2);
  const entry = (index.manifests as Descriptor[]).find((m) =>
    m.annotations?.["org.opencontainers.image.ref.name"] === name
  );
  assert.ok(entry, `index.json of ${layout} has no ${name}`);
  assert.equal(entry.mediaType, "application/vnd.oci.image.manifest.v1+json");
  const manifest = JSON.parse(await readBlob(layout, entry));
  const config: ImageConfig = JSON.parse(await readBlob(layout, manifest.config));
  return { entry, manifest: manifest as { layers: Descriptor[] }, config };
}

/** A temporary folder, removed on dispose unless something is still mounted in it. */
async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "images_test_" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      const mounts = await Deno.readTextFile("/proc/self/mountinfo");
      if (mounts.split("\n").some((line) => line.split(" ")[4]?.startsWith(`${path}/`))) {
        throw new Error(`Cannot remove ${path}: something is still mounted in it`);
      }
      await Deno.remove(path, { recursive: true });
    },
  };
}

function freePort(): number {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return listener.addr.port;
}

/** `unshare` arguments that run `argv` chrooted into `rootfs` (see {@linkcode startInChroot}). */
function inChroot(rootfs: string, argv: string[]): string[] {
  // A /dev of its own, as a container runtime makes one: a tmpfs with the usual nodes and a new
  // devpts instance (bash_kernel's pexpect needs a PTY). Never the host's /dev bound in: the
  // rootfs is removed afterwards, and a bind still mounted then would lose host device nodes.
  const script = [
    'mount -t tmpfs -o mode=755,nosuid tmpfs "$0/dev"',
    "for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do " +
    'mknod -m 666 "$0/dev/${n%%:*}" c $(echo "${n#*:}" | tr : " "); done',
    'mkdir "$0/dev/pts" "$0/dev/shm"',
    'mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$0/dev/pts"',
    'ln -s pts/ptmx "$0/dev/ptmx"',
    'exec chroot "$0" "$@"',
  ].join(" && ");
  return ["--mount", "--pid", "--fork", "--kill-child", `--mount-proc=${rootfs}/proc`, "sh", "-c"]
    .concat(script, rootfs, argv);
}

/** The image config's `Env` as an environment. */
function imageEnv(config: ImageConfig): Record<string, string> {
  return Object.fromEntries(config.config.Env.map((e) => e.split(/=(.*)/s).slice(0, 2)));
}

/**
 * Starts the image's entrypoint with `args` (and `env` over the image's) chrooted into `rootfs`,
 * in new mount and PID
 * namespaces with their own /proc (unshare --kill-child: killing unshare kills the namespace's
 * init and so every process in it; the mounts die with the namespace). Network is the host's, so
 * the runtime listens on 127.0.0.1.
 */
function startInChroot(
  rootfs: string,
  config: ImageConfig,
  args: string[],
  env: Record<string, string> = {},
) {
  const child = new Deno.Command("unshare", {
    args: inChroot(rootfs, [...config.config.Entrypoint, ...args]),
    clearEnv: true,
    env: { ...imageEnv(config), ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  return {
    /** Resolves when `url` answers `status`; rejects after `timeoutMs`. */
    async waitFor(url: string, status: number, timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      let last = "no answer";
      while (Date.now() < deadline) {
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
          await res.body?.cancel();
          if (res.status === status) return;
          last = `HTTP ${res.status}`;
        } catch (error) {
          last = String(error);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${last})`);
    },
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
      await child.status;
      await output;
    },
    output,
  };
}

/** Runs `argv` chrooted into `rootfs` as `startInChroot` does and returns its stdout. */
async function runInChroot(rootfs: string, config: ImageConfig, argv: string[]) {
  return await run("unshare", inChroot(rootfs, argv), { clearEnv: true, env: imageEnv(config) });
}

async function isExecutable(path: string): Promise<boolean> {
  const info = await Deno.stat(path).catch(() => undefined);
  return !!info?.isFile && ((info.mode ?? 0) & 0o111) !== 0;
}

Deno.test({
  name: "build.sh build writes both images into one OCI layout, each blob matching its digest",
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
      assert.deepEqual(config.config.Entrypoint, [
        "/usr/bin/tini",
        "--",
        "/usr/local/bin/agent-runtime",
      ]);
      assert.deepEqual(config.config.Cmd, image.cmd);
      assert.equal(config.config.User, "root");
      assert.equal(config.config.WorkingDir, "/");
      assert.ok(config.config.Env.includes("LANG=C.UTF-8"));
      assert.ok(config.config.Env.includes("HOME=/root"));
      assert.ok(config.config.Env.some((e) => e.startsWith("PATH=/usr/local/sbin:")));
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
  ], { KRUISE_AGENTS_ACCESS_TOKEN: token });
  try {
    await runtime.waitFor(`http://127.0.0.1:${port}/health`, 204, 30_000);
    if (interpreter) {
      await runtime.waitFor(`http://127.0.0.1:${interpreterPort}/health`, 200, 90_000);
      await checkKernels(`http://127.0.0.1:${interpreterPort}`, token);
    }
  } catch (error) {
    await runtime[Symbol.asyncDispose]();
    const [stdout, stderr] = await runtime.output;
    throw new Error(`${error}\nruntime stdout:\n${stdout}\nruntime stderr:\n${stderr}`);
  }
}

for (const image of SPEC.images) {
  Deno.test({
    name: `${image.template} image: umoci unpacks it and its runtime answers /health in a chroot`,
    ignore: !IS_ROOT,
    async fn() {
      const layout = await buildImages();
      const { config } = await readImage(layout, image.name);
      await using dir = await tempDir();
      const bundle = `${dir.path}/bundle`;
      await run("umoci", ["unpack", "--image", `${layout}:${image.name}`, bundle]);
      // The runc bundle umoci made runs the image's entrypoint with its default arguments.
      const spec = JSON.parse(await Deno.readTextFile(`${bundle}/config.json`));
      assert.deepEqual(spec.process.args, [...config.config.Entrypoint, ...image.cmd]);
      const rootfs = `${bundle}/rootfs`;
      await checkRootfs(rootfs);
      const interpreter = !image.cmd.join(" ").includes("--interpreter-port 0");
      if (interpreter) await checkInterpreterFiles(rootfs, config);
      await checkHealth(rootfs, config, interpreter);
    },
  });
}
