/**
 * One sandbox as a process tree on this machine: the agent-runtime started in its own mount and
 * PID namespace, with a read-only view of the host's filesystem, its own `/home/user`, `/tmp`,
 * `/run`, `/dev/shm` and `/proc`, listening on its own loopback address.
 *
 * Why `unshare` and `mount` (util-linux) rather than bubblewrap: bubblewrap always sets the
 * no-new-privileges flag on what it runs, which makes `sudo` fail inside the sandbox, and envd's
 * contract (and the SDK conformance tests) need `sudo` to work for `user`. The script below does
 * what `bwrap --ro-bind / / --bind HOME /home/user --bind TMP /tmp --proc /proc --unshare-pid`
 * would, without that flag.
 *
 * Process layout, host view:
 *
 * ```
 * unshare (own session: setsid; the "supervisor")          ← outside the sandbox's PID namespace
 *  └─ bash, PID 1 in the namespace (reaper; chroot'ed)     ← the sandbox "init"
 *      └─ deno run runtime/main.ts --host 127.77.a.b ...
 *          └─ commands run through envd (setpriv → user)
 * ```
 *
 * The supervisor runs in a session of its own so that stopping the node (Ctrl-C on `deno task
 * dev`) does not kill sandboxes; it is started with `--kill-child`, so killing it kills the
 * sandbox. Killing the init kills everything in the PID namespace at once (the kernel does that
 * when a namespace's PID 1 exits), which is how a sandbox is stopped without leaving a process
 * behind. The init is a bash loop rather than the runtime itself because PID 1 must reap
 * orphans (a command's background `sleep &` outlives its shell) and the runtime does not.
 *
 * @module
 */
import { LocalNodeError } from "./errors.ts";
import type { Account } from "./accounts.ts";
import {
  allPids,
  childrenOf,
  identify,
  isAlive,
  pidNamespace,
  type ProcessIdentity,
  readStat,
} from "./proc.ts";
import { dirname, relative } from "node:path";
import { ENVD_PORT, INTERPRETER_PORT } from "@kruise-agents/shared/envd/http";
import { RUNTIME_MAIN, RUNTIME_PERMISSIONS } from "@kruise-agents/runtime/permissions";

/** `runtime/main.ts` of this repository. */
export const DEFAULT_RUNTIME_MAIN: string = RUNTIME_MAIN;

/** Where the runtime's source tree (the workspace holding `runtime/main.ts`) appears inside a
 * sandbox. */
export const SANDBOX_SOURCE = "/run/kruise-agents/src";

/**
 * Runs inside the new mount and PID namespaces, as PID 1, before the runtime. Arguments:
 * `$1` an empty directory to build the sandbox's root in, `$2` the pod directory (with `home/`
 * and `tmp/`; its parent, the node's pods directory, is hidden), `$3` the log file, `$4` the
 * source tree of the runtime (bound read-only at {@linkcode SANDBOX_SOURCE}, so the runtime runs
 * wherever the repository lives, even under a /tmp that the sandbox replaces), the rest the
 * command. The mount namespace is private, so none of these mounts is visible on the host, and
 * they all vanish with the namespace.
 */
const SETUP_SCRIPT = String.raw`
set -eu
R="$1"; POD="$2"; LOG="$3"; SRC="$4"; shift 4
exec >>"$LOG" 2>&1 </dev/null
mount --make-rprivate /
mount --rbind / "$R"
# Read-only: every mount under the new root, except device filesystems (writes to /dev/null and
# pseudo-terminal allocation must keep working). mountinfo escapes blanks as \040.
awk '{print $5}' /proc/self/mountinfo | while IFS= read -r mp; do
  mp=$(printf '%b' "$mp")
  case "$mp" in
    "$R"/dev|"$R"/dev/*) ;;
    "$R"|"$R"/*) mount -o remount,bind,ro "$mp" 2>/dev/null || true ;;
  esac
done
mount --bind "$POD/home" "$R/home/user"
mount --bind "$POD/tmp" "$R/tmp"
# Hide every pod directory (this one's included) behind an empty read-only tmpfs, so a sandbox
# cannot read another's files through the host path of the node's data directory.
PODS="$R$(dirname "$POD")"
if [ -d "$PODS" ]; then mount -t tmpfs -o ro,mode=755 tmpfs "$PODS"; fi
umount -l "$R/proc"
mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs "$R/run"
mkdir -p "$R/run/kruise-agents/src"
mount --bind "$SRC" "$R/run/kruise-agents/src"
mount -o remount,bind,ro "$R/run/kruise-agents/src"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/dev/shm"
exec chroot "$R" /bin/bash -c '
  trap "kill -TERM \$p 2>/dev/null" TERM INT
  "$@" & p=$!
  s=0
  while kill -0 "$p" 2>/dev/null; do wait "$p"; s=$?; done
  exit "$s"
' init "$@"
`;

/** Where a sandbox lives on disk and on the network. */
export interface SandboxLayout {
  /** The pod directory: `home/`, `tmp/`, `root/` (mount point) and `runtime.log` inside. */
  dir: string;
  /** The sandbox's loopback address (its pod IP). */
  ip: string;
  /** Whether the code interpreter listens on 49999. */
  interpreter: boolean;
}

/** The processes of a running sandbox, as recorded so a restarted node can find them again. */
export interface SandboxProcesses {
  /** The `unshare` process outside the namespace. */
  supervisor: ProcessIdentity;
  /** PID 1 of the sandbox's PID namespace, by its host PID. */
  init: ProcessIdentity;
  /** The PID namespace, as `/proc/PID/ns/pid` reads (`pid:[inode]`). */
  pidNamespace: string;
}

/** Options of {@linkcode launchSandbox}. */
export interface LaunchOptions extends SandboxLayout {
  /** Owner of `home/` and `tmp/`. */
  account: Account;
  /** Path of the runtime's `main.ts`. */
  runtimeMain: string;
}

/** The paths inside a pod directory. */
export function layoutPaths(dir: string): { home: string; tmp: string; root: string; log: string } {
  return { home: `${dir}/home`, tmp: `${dir}/tmp`, root: `${dir}/root`, log: `${dir}/runtime.log` };
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new LocalNodeError("StartFailed", `Timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Creates the pod directory and starts the sandbox detached. Returns once the sandbox's PID
 * namespace exists; readiness (`/health`) is the caller's to wait for ({@linkcode probeHealth}).
 *
 * @throws {LocalNodeError} `IsolationUnavailable` when the tools cannot be run, `StartFailed`
 * when the namespace does not come up.
 */
export async function launchSandbox(options: LaunchOptions): Promise<SandboxProcesses> {
  // The workspace root (the directory of the deno.json that holds the runtime's imports) is
  // bound into the sandbox; the runtime is started from its copy there.
  const source = dirname(dirname(options.runtimeMain));
  const runtimeInside = `${SANDBOX_SOURCE}/${relative(source, options.runtimeMain)}`;
  if (options.runtimeMain.startsWith(`${options.dir}/`)) {
    throw new LocalNodeError(
      "StartFailed",
      `Cannot start a sandbox: the runtime ${options.runtimeMain} lies inside the pod directory`,
    );
  }
  const paths = layoutPaths(options.dir);
  for (const d of [paths.home, paths.tmp, paths.root]) await Deno.mkdir(d, { recursive: true });
  await Deno.chown(paths.home, options.account.uid, options.account.gid);
  await Deno.chown(paths.tmp, 0, 0);
  await Deno.chmod(paths.tmp, 0o1777);
  await Deno.chmod(paths.home, 0o755);

  // The sandbox shares the host's read-only root, so it gets the host's PATH (where the node's
  // own set-up put python3 with Jupyter and the Deno kernel). Root's home is read-only inside,
  // so Jupyter, IPython and matplotlib write their runtime files under the sandbox's own /tmp.
  const env: Record<string, string> = {
    PATH: Deno.env.get("PATH") || "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    HOME: "/root",
    LANG: "C.UTF-8",
    NO_COLOR: "1",
    JUPYTER_RUNTIME_DIR: "/tmp/.runtime/jupyter",
    IPYTHONDIR: "/tmp/.runtime/ipython",
    MPLCONFIGDIR: "/tmp/.runtime/matplotlib",
  };
  for (const key of ["PYENV_ROOT", "PYENV_VERSION"]) {
    const value = Deno.env.get(key);
    if (value) env[key] = value;
  }
  const denoDir = Deno.env.get("DENO_DIR");
  if (denoDir) env.DENO_DIR = denoDir;
  const runtime = [
    Deno.execPath(),
    "run",
    ...RUNTIME_PERMISSIONS,
    runtimeInside,
    "--host",
    options.ip,
    "--port",
    String(ENVD_PORT),
    "--interpreter-port",
    options.interpreter ? String(INTERPRETER_PORT) : "0",
  ];
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("setsid", {
      args: [
        "unshare",
        "--mount",
        "--pid",
        "--fork",
        "--kill-child",
        "--propagation",
        "private",
        "/bin/bash",
        "-c",
        SETUP_SCRIPT,
        "setup",
        paths.root,
        options.dir,
        paths.log,
        source,
        ...runtime,
      ],
      env,
      clearEnv: true,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch (error) {
    throw new LocalNodeError(
      "IsolationUnavailable",
      `Cannot start a sandbox: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  // The node must not wait for sandboxes to exit; the status is still collected (no zombie)
  // while the node runs.
  child.unref();
  const exited = child.status.then((s) => s);
  let gone = false;
  exited.then(() => gone = true);

  const supervisor = await waitFor("the sandbox supervisor", async () => {
    if (gone) {
      throw new LocalNodeError("StartFailed", "Cannot start a sandbox: unshare exited at once");
    }
    return await identify(child.pid);
  }, 10_000);
  const ownNs = await pidNamespace(Deno.pid);
  const found = await waitFor("the sandbox's PID namespace", async () => {
    if (gone) {
      throw new LocalNodeError(
        "StartFailed",
        `Cannot start a sandbox: it exited during set-up (see ${paths.log})`,
      );
    }
    for (const pid of await childrenOf(supervisor.pid)) {
      const ns = await pidNamespace(pid);
      const id = await identify(pid);
      if (ns && ns !== ownNs && id) return { init: id, pidNamespace: ns };
    }
    return undefined;
  }, 10_000);
  return { supervisor, ...found };
}

/** Whether the sandbox's namespace still has its PID 1 (and so the runtime). */
export async function sandboxAlive(processes: SandboxProcesses): Promise<boolean> {
  return await isAlive(processes.init) &&
    (await pidNamespace(processes.init.pid)) === processes.pidNamespace;
}

/** Host PIDs of the live (not zombie) processes of a PID namespace. */
export async function livePids(pidNs: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of await allPids()) {
    if ((await pidNamespace(pid)) !== pidNs) continue;
    const stat = await readStat(pid);
    if (stat && stat.state !== "Z" && stat.state !== "X") found.push(pid);
  }
  return found;
}

function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch { /* already gone */ }
}

/**
 * Kills every process of the sandbox and waits until none is left. Killing PID 1 of the
 * namespace makes the kernel kill the rest; the supervisor goes too. Stopped (frozen) processes
 * die as well: SIGKILL needs no continue.
 *
 * @throws {LocalNodeError} `SignalFailed` if processes remain after 10 s.
 */
export async function killSandbox(processes: SandboxProcesses): Promise<void> {
  if (await isAlive(processes.init)) signal(processes.init.pid, "SIGKILL");
  // Anything still in the namespace (only possible if PID 1 was already replaced) goes too.
  for (const pid of await livePids(processes.pidNamespace)) signal(pid, "SIGKILL");
  if (await isAlive(processes.supervisor)) signal(processes.supervisor.pid, "SIGKILL");
  const deadline = Date.now() + 10_000;
  while ((await livePids(processes.pidNamespace)).length > 0) {
    if (Date.now() > deadline) {
      throw new LocalNodeError(
        "SignalFailed",
        `Cannot kill sandbox ${processes.pidNamespace}: processes remain`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Removes the pod directory. The sandbox's root mount point is removed with a plain `rmdir`
 * (never recursively): if a mount were ever visible there, a recursive delete would walk into the
 * host's filesystem.
 */
export async function removeSandboxDir(dir: string): Promise<void> {
  const paths = layoutPaths(dir);
  for (const d of [paths.home, paths.tmp]) {
    await Deno.remove(d, { recursive: true }).catch(ignoreNotFound);
  }
  await Deno.remove(paths.root).catch(ignoreNotFound);
  await Deno.remove(dir, { recursive: true }).catch(ignoreNotFound);
}

function ignoreNotFound(error: unknown): void {
  if (!(error instanceof Deno.errors.NotFound)) throw error;
}

/** Whether `GET http://ip:port/health` answers 204 within a second. */
export async function probeHealth(ip: string, port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://${ip}:${port}/health`, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.ok; // envd answers 204, the code interpreter 200 "OK"
  } catch {
    return false;
  }
}

/** Whether every listener the sandbox should have answers `/health`. */
export async function sandboxHealthy(
  layout: Pick<SandboxLayout, "ip" | "interpreter">,
): Promise<boolean> {
  if (!(await probeHealth(layout.ip, ENVD_PORT))) return false;
  return !layout.interpreter || await probeHealth(layout.ip, INTERPRETER_PORT);
}
