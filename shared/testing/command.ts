/**
 * Running a test's tool (kubectl, helm) to its end and reading what it printed.
 *
 * @module
 */

/**
 * Outcome of a {@linkcode runCommand} run.
 *
 * @example
 * ```ts
 * import { type CommandResult, runCommand } from "@kruise-agents/shared/testing";
 * const result: CommandResult = await runCommand("sh", ["-c", "echo out; exit 3"]);
 * console.log(result.code, result.success, result.stdout.trim()); // 3 false out
 * ```
 */
export interface CommandResult {
  /** Exit code. */
  code: number;
  /** Whether the exit code was 0. */
  success: boolean;
  /** Decoded standard output. */
  stdout: string;
  /** Decoded standard error. */
  stderr: string;
}

/**
 * Options of {@linkcode runCommand}.
 *
 * @example
 * ```ts
 * import { runCommand, type RunCommandOptions } from "@kruise-agents/shared/testing";
 * const options: RunCommandOptions = { stdin: "a\nb\n", env: { LC_ALL: "C" } };
 * const result = await runCommand("wc", ["-l"], options);
 * ```
 */
export interface RunCommandOptions {
  /** Written to the command's standard input; without it, stdin is null. */
  stdin?: string | undefined;
  /** Environment variables added to the test's own. */
  env?: Record<string, string> | undefined;
}

/**
 * Runs `command` with `args` and collects its output. Never throws on a non-zero exit: tests
 * assert on the result, including expected rejections.
 *
 * @example
 * ```ts
 * import { runCommand } from "@kruise-agents/shared/testing";
 * const result = await runCommand("cat", [], { stdin: "hello" });
 * if (result.stdout !== "hello") throw new Error("cat did not echo its input");
 * ```
 */
export async function runCommand(
  command: string,
  args: string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  const child = new Deno.Command(command, {
    args,
    ...(options.env === undefined ? {} : { env: options.env }),
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  const decoder = new TextDecoder();
  return {
    code: out.code,
    success: out.success,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}
