/**
 * Test kit of hack/images_test.ts: build the images of hack/images/build.sh (cached), read and
 * check an image of the OCI layout blob by blob, unpack it with umoci, and start what it runs
 * chrooted into the unpacked root filesystem, in mount and PID namespaces of its own. Needs root,
 * and Debian's umoci, mmdebstrap and util-linux (hack/apt-packages.txt).
 *
 * @module
 */
import assert from "node:assert/strict";

/** hack/images/build.sh. */
export const BUILD_SH: string = new URL("./images/build.sh", import.meta.url).pathname;

/** An entry of hack/images/images.json; `template` only on sandbox images. */
export interface ImageSpec {
  name: string;
  template?: string;
  layers: string[];
  entrypoint?: string[];
  user?: string;
  cmd: string[];
  ports: number[];
}

/** hack/images/images.json. */
export const SPEC: { images: ImageSpec[] } = JSON.parse(
  await Deno.readTextFile(new URL("./images/images.json", import.meta.url)),
);

/** A descriptor of an OCI index or manifest. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** The parts of an OCI image config the tests read. */
export interface ImageConfig {
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

/** Runs `cmd` and returns its stdout; throws with its stderr unless it succeeds. */
export async function run(
  cmd: string,
  args: string[],
  options: Deno.CommandOptions = {},
): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", ...options })
    .output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${out.code}): ${text(out.stderr)}`);
  }
  return text(out.stdout);
}

let built: Promise<string> | undefined;
/**
 * Runs `build.sh build` once per test run (cached: seconds when nothing changed); resolves to
 * the layout's real path.
 */
export function buildImages(): Promise<string> {
  built ??= (async () => {
    const out = await new Deno.Command("bash", {
      args: [BUILD_SH, "build"],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    assert.ok(out.success, `build.sh build failed with exit code ${out.code}`);
    // The layout itself, not the `oci` link: a build of another checkout or test (after a source
    // change) swaps the link, and this run's manifests would then name blobs the new layout
    // lacks. build.sh keeps an unused layout for a day.
    return await Deno.realPath(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
  })();
  return built;
}

/** sha256 of a file, by sha256sum (blobs are up to ~150 MB). */
async function sha256(path: string): Promise<string> {
  return "sha256:" + (await run("sha256sum", [path])).split(" ")[0];
}

/** Checks that blob `d` of `layout` has the size and digest `d` says; returns its path. */
export async function checkBlob(layout: string, d: Descriptor): Promise<string> {
  const path = `${layout}/blobs/${d.digest.replace(":", "/")}`;
  assert.equal((await Deno.stat(path)).size, d.size, `size of ${d.digest}`);
  assert.equal(await sha256(path), d.digest, `digest of ${path}`);
  return path;
}

/** Reads JSON blob `d` of `layout`, checked by {@linkcode checkBlob}. */
async function readBlob(layout: string, d: Descriptor): Promise<string> {
  return await Deno.readTextFile(await checkBlob(layout, d));
}

/** An image of a layout: its index entry, manifest and config. */
export interface Image {
  entry: Descriptor;
  manifest: { layers: Descriptor[] };
  config: ImageConfig;
}

/** The manifest and config of image `name`, every blob checked against its descriptor. */
export async function readImage(layout: string, name: string): Promise<Image> {
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

/** The PIDs of the processes whose root directory is in `path` (chrooted there). */
async function chrootedIn(path: string): Promise<number[]> {
  const pids: number[] = [];
  for await (const { name } of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const root = await Deno.readLink(`/proc/${name}/root`).catch(() => "");
    if (root.startsWith(`${path}/`)) pids.push(Number(name));
  }
  return pids;
}

/**
 * A temporary folder, removed on dispose unless something is still mounted in it or a process
 * still runs chrooted in it.
 */
export async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "images_test_" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      const mounts = await Deno.readTextFile("/proc/self/mountinfo");
      if (mounts.split("\n").some((line) => line.split(" ")[4]?.startsWith(`${path}/`))) {
        throw new Error(`Cannot remove ${path}: something is still mounted in it`);
      }
      // Killing a namespace's init kills the rest, but they take a moment to exit (a kernel
      // with gigabytes to free): wait up to 10 s for them.
      let running = await chrootedIn(path);
      for (let i = 0; i < 100 && running.length > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        running = await chrootedIn(path);
      }
      if (running.length > 0) {
        throw new Error(`Cannot remove ${path}: processes ${running.join(", ")} still run in it`);
      }
      await Deno.remove(path, { recursive: true });
    },
  };
}

/**
 * `umoci unpack`s image `name` of `layout` into `bundle` (a runc bundle) and checks that its
 * config.json runs the image's entrypoint with its default arguments; returns the rootfs path.
 */
export async function unpack(
  layout: string,
  image: Image,
  name: string,
  bundle: string,
): Promise<string> {
  await run("umoci", ["unpack", "--image", `${layout}:${name}`, bundle]);
  const spec = JSON.parse(await Deno.readTextFile(`${bundle}/config.json`));
  assert.deepEqual(spec.process.args, [
    ...image.config.config.Entrypoint,
    ...image.config.config.Cmd,
  ]);
  return `${bundle}/rootfs`;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): number {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return listener.addr.port;
}

/**
 * `unshare` arguments that run `argv` chrooted into `rootfs` (see {@linkcode startInChroot}), as
 * `user` (`UID:GID`) when given, else as root.
 */
function inChroot(rootfs: string, argv: string[], user?: string): string[] {
  // A /dev of its own, as a container runtime makes one: a tmpfs with the usual nodes and a new
  // devpts instance (bash_kernel's pexpect needs a PTY). Never the host's /dev bound in: the
  // rootfs is removed afterwards, and a bind still mounted then would lose host device nodes.
  // As another user, the namespace's init stays this root shell rather than exec'ing: a process
  // that changes its credentials loses its parent-death signal, so an exec'd program would
  // outlive a killed unshare (found by a manager left running, holding the test's pipes open).
  // This shell keeps it, and when it dies the kernel kills everything in the PID namespace.
  const chroot = user === undefined || user === "root"
    ? 'exec chroot "$0" "$@"'
    : `chroot --userspec=${user} --groups= "$0" "$@"`;
  const script = [
    'mount -t tmpfs -o mode=755,nosuid tmpfs "$0/dev"',
    "for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do " +
    'mknod -m 666 "$0/dev/${n%%:*}" c $(echo "${n#*:}" | tr : " "); done',
    'mkdir "$0/dev/pts" "$0/dev/shm"',
    'mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$0/dev/pts"',
    'ln -s pts/ptmx "$0/dev/ptmx"',
    chroot,
  ].join(" && ");
  return ["--mount", "--pid", "--fork", "--kill-child", `--mount-proc=${rootfs}/proc`, "sh", "-c"]
    .concat(script, rootfs, argv);
}

/** The image config's `Env` as an environment. */
export function imageEnv(config: ImageConfig): Record<string, string> {
  return Object.fromEntries(config.config.Env.map((e) => e.split(/=(.*)/s).slice(0, 2)));
}

/** What {@linkcode startInChroot} started. */
export interface Started extends AsyncDisposable {
  /** Resolves when `url` answers `status`; rejects after `timeoutMs`. */
  waitFor(url: string, status: number, timeoutMs: number): Promise<void>;
  /** Its stdout and stderr, once it has ended. */
  output: Promise<[string, string]>;
}

/** Options of {@linkcode startInChroot}. */
export interface StartOptions {
  /** Over the image's `Env`. */
  env?: Record<string, string>;
  /** Run as the image config's `User` rather than as root. @default {false} */
  asImageUser?: boolean;
  /** Instead of the image's entrypoint. */
  entrypoint?: string[];
}

/**
 * Starts the image's entrypoint with `args` chrooted into `rootfs`, in new mount and PID
 * namespaces with their own /proc (unshare --kill-child: killing unshare kills the namespace's
 * init and so every process in it; the mounts die with the namespace). Network is the host's, so
 * what it starts listens on 127.0.0.1.
 */
export function startInChroot(
  rootfs: string,
  config: ImageConfig,
  args: string[],
  options: StartOptions = {},
): Started {
  const argv = [...(options.entrypoint ?? config.config.Entrypoint), ...args];
  const child = new Deno.Command("unshare", {
    args: inChroot(rootfs, argv, options.asImageUser ? config.config.User : undefined),
    clearEnv: true,
    env: { ...imageEnv(config), ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  return {
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
      // Every process of the namespace is gone once its init is, and with them the pipes'
      // writers; a pipe still open means one outlived it.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<"late">((resolve) => timer = setTimeout(resolve, 10_000, "late"));
      const ended = await Promise.race([output.then(() => "ended" as const), late]);
      clearTimeout(timer);
      if (ended === "late") {
        throw new Error("A process outlived its PID namespace: its output is open 10 s after");
      }
    },
    output,
  };
}

/**
 * Runs `argv` chrooted into `rootfs` as {@linkcode startInChroot} does (as the image's user with
 * `asImageUser`) and returns its stdout.
 */
export async function runInChroot(
  rootfs: string,
  config: ImageConfig,
  argv: string[],
  options: { asImageUser?: boolean } = {},
): Promise<string> {
  const user = options.asImageUser ? config.config.User : undefined;
  return await run("unshare", inChroot(rootfs, argv, user), {
    clearEnv: true,
    env: imageEnv(config),
  });
}

/**
 * Runs `check` against what `started` serves; when it fails, ends `started` and adds its output
 * to the error.
 */
export async function withOutputOnFailure(
  started: Started,
  what: string,
  check: () => Promise<void>,
): Promise<void> {
  try {
    await check();
  } catch (error) {
    await started[Symbol.asyncDispose]();
    const [stdout, stderr] = await started.output;
    throw new Error(`${error}\n${what} stdout:\n${stdout}\n${what} stderr:\n${stderr}`);
  }
}

/** Whether `path` is a file with an execute bit. */
export async function isExecutable(path: string): Promise<boolean> {
  const info = await Deno.stat(path).catch(() => undefined);
  return !!info?.isFile && ((info.mode ?? 0) & 0o111) !== 0;
}
