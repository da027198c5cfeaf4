/**
 * The one edge through which the container runner starts host tools (runc, umoci, ip, iptables,
 * CNI plugins, mount). Every module takes a {@linkcode CommandRunner} so that pure parts can be
 * tested with a recording fake while the capability tests use the real tools.
 *
 * @module
 */
import { ContainerError } from "./errors.ts";

/** What a finished command left. */
export interface CommandOutput {
  /** Exit code (128 + signal number when killed by a signal). */
  code: number;
  /** Standard output as text. */
  stdout: string;
  /** Standard error as text. */
  stderr: string;
}

/** How to run a command: its stdin text and environment. */
export interface CommandOptions {
  /** Text written to the command's stdin; stdin is /dev/null when absent. */
  stdin?: string;
  /** Extra environment variables (added to a clean PATH-only environment when `clearEnv`). */
  env?: Record<string, string>;
  /** Start from an empty environment (plus `PATH`), as CNI plugins are run by a kubelet. */
  clearEnv?: boolean;
}

/** Runs `program` with `args` to completion and returns its output; never throws on exit code. */
export type CommandRunner = (
  program: string,
  args: readonly string[],
  options?: CommandOptions,
) => Promise<CommandOutput>;

const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * The real runner, on `Deno.Command`. A missing program is a {@linkcode ContainerError}
 * `ToolMissing` naming it and the Debian package list that installs it.
 */
export async function runCommand(
  program: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<CommandOutput> {
  const env = options.clearEnv
    ? { PATH: SYSTEM_PATH, ...options.env }
    : { PATH: Deno.env.get("PATH") ?? SYSTEM_PATH, ...options.env };
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args: [...args],
      env,
      clearEnv: options.clearEnv ?? false,
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ContainerError(
        "ToolMissing",
        `Cannot run '${program}': not installed (see hack/apt-packages.txt)`,
        { cause: error },
      );
    }
    throw error;
  }
  const done = child.output();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    try {
      await writer.write(new TextEncoder().encode(options.stdin));
      await writer.close();
    } catch {
      // The program exited without reading all of its input; its exit code tells why.
    }
  }
  const out = await done;
  const decoder = new TextDecoder();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

/**
 * Runs a command and returns its stdout, or throws a {@linkcode ContainerError} of `code` whose
 * message is `what` followed by the tool's stderr.
 */
export async function runChecked(
  run: CommandRunner,
  program: string,
  args: readonly string[],
  failure: { code: ConstructorParameters<typeof ContainerError>[0]; what: string },
  options?: CommandOptions,
): Promise<string> {
  const out = await run(program, args, options);
  if (out.code !== 0) {
    const said = (out.stderr.trim() || out.stdout.trim()).slice(0, 2000);
    throw new ContainerError(
      failure.code,
      `${failure.what}: '${program} ${args.join(" ")}' exited ${out.code}: ${said}`,
    );
  }
  return out.stdout;
}
