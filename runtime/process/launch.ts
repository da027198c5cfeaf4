/**
 * Turns a `StartRequest` into what to spawn: argv with its wrappers, the environment, the working
 * directory. Pure apart from the filesystem checks it needs, so each rule is tested on its own.
 *
 * Wrappers: `setsid` puts each process in its own group, so that a kill reaches the children a
 * shell started; `setpriv --init-groups` switches to the run-as user with that user's
 * supplementary groups (Deno's `uid`/`gid` options would leave root's groups in place).
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { resolvePath } from "../paths.ts";
import type { User } from "../users.ts";
import { scriptPtyArgv } from "./pty_script.ts";
// The helper's source, imported as text and run with `python3 -I -c`: a path next to this module
// exists only in a source checkout, not in a compiled or bundled runtime (the sandbox images).
import PTY_HELPER_SOURCE from "./pty_helper.py" with { type: "text" };

/** What to spawn. */
export interface LaunchPlan {
  /** Full argv, wrappers included. */
  argv: string[];
  /** The whole environment (the runtime's own is not inherited). */
  env: Record<string, string>;
  /** Absolute working directory. */
  cwd: string;
  /**
   * For a PTY: whether its input goes through the python helper's frames (else `script` takes
   * raw input, and a resize is `resizeScriptPty`).
   */
  ptyFramed?: boolean;
}

/** Inputs of {@linkcode planLaunch}. */
export interface LaunchRequest {
  /** Program, absolute or looked up in `PATH`. */
  cmd: string;
  /** Arguments. */
  args: string[];
  /** Request env vars; they win over the global ones. */
  envs: Record<string, string>;
  /** Requested working directory, if any. */
  cwd?: string | undefined;
  /** Terminal size, when the process runs on a PTY. */
  pty?: { cols: number; rows: number } | undefined;
}

/** The context of a launch. */
export interface LaunchContext {
  /** Run-as user. */
  user: User;
  /** Sandbox-wide env vars. */
  globalEnvs: Record<string, string>;
  /** Default working directory from `/init`. */
  defaultWorkdir?: string | undefined;
  /** Uid of the runtime itself; user switching happens only as root. */
  selfUid: number;
  /** `PATH` for the process. */
  path: string;
}

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The `PATH` processes get: the runtime's own, else the standard one. */
export function processPath(): string {
  return Deno.env.get("PATH") || DEFAULT_PATH;
}

function isExecutableFile(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** Finds `cmd` in `path` as a shell would, or `undefined`. */
export function lookPath(cmd: string, path: string): string | undefined {
  if (cmd.includes("/")) return isExecutableFile(cmd) ? cmd : undefined;
  for (const dir of path.split(":")) {
    const candidate = `${dir || "."}/${cmd}`;
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** A python3 that every user can run (the PTY helper needs only the standard library). */
function pythonForHelper(path: string): string | undefined {
  return isExecutableFile("/usr/bin/python3") ? "/usr/bin/python3" : lookPath("python3", path);
}

/**
 * argv that runs `argv` on a terminal: the python helper where python3 exists, else util-linux's
 * `script` (images without python3, such as a plain Debian image given the runtime by injection);
 * `failed_precondition` naming what is missing when neither exists.
 */
function ptyArgv(argv: string[], size: { cols: number; rows: number }, path: string) {
  const python = pythonForHelper(path);
  if (python) {
    return {
      framed: true,
      argv: [
        python,
        "-I", // isolated: the working directory (the user's) cannot shadow the standard library
        "-c",
        PTY_HELPER_SOURCE,
        String(size.cols),
        String(size.rows),
        ...argv,
      ],
    };
  }
  const script = lookPath("script", path);
  if (!script) {
    throw new ConnectError(
      "cannot start a PTY: the sandbox image has neither python3 nor util-linux's script",
      Code.FailedPrecondition,
    );
  }
  return { framed: false, argv: scriptPtyArgv(script, argv) };
}

/** Plans a launch; invalid input is `invalid_argument`, as envd answers it. */
export function planLaunch(req: LaunchRequest, ctx: LaunchContext): LaunchPlan {
  const { user } = ctx;
  if (req.cmd === "") throw new ConnectError("process cmd is empty", Code.InvalidArgument);
  const cwd = req.cwd ? resolvePath(req.cwd, user.home) : (ctx.defaultWorkdir || user.home);
  let isDir = false;
  try {
    isDir = Deno.statSync(cwd).isDirectory;
  } catch {
    // Reported below.
  }
  if (!isDir) throw new ConnectError(`cwd '${cwd}' does not exist`, Code.InvalidArgument);
  const env: Record<string, string> = {
    PATH: ctx.path,
    HOME: user.home,
    USER: user.name,
    LOGNAME: user.name,
    ...ctx.globalEnvs,
    ...req.envs,
  };
  const program = lookPath(req.cmd, env.PATH ?? ctx.path);
  if (!program) {
    throw new ConnectError(
      `failed to start process: exec: "${req.cmd}": executable file not found in $PATH`,
      Code.InvalidArgument,
    );
  }
  let argv = [program, ...req.args];
  let ptyFramed: boolean | undefined;
  if (req.pty) ({ argv, framed: ptyFramed } = ptyArgv(argv, req.pty, ctx.path));
  if (ctx.selfUid === 0 && user.uid !== 0) {
    argv = [
      "setpriv",
      `--reuid=${user.uid}`,
      `--regid=${user.gid}`,
      "--init-groups",
      "--",
      ...argv,
    ];
  }
  return {
    argv: ["setsid", "--", ...argv],
    env,
    cwd,
    ...(ptyFramed === undefined ? {} : { ptyFramed }),
  };
}
