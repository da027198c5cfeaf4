/**
 * The seed's JS flow on a code-interpreter sandbox, shared by the end-to-end tests that run it
 * against different backends (`deno task dev` on the local node, `dev --kubeconfig` on a real
 * node): a cell's streamed stdout, a file written and read back, and a command whose output
 * arrives line by line.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Sandbox as CodeSandbox } from "@e2b/code-interpreter";
import { runCommand } from "@kruise-agents/shared/testing";

const SEED = new URL("./seed/", import.meta.url).pathname;

/**
 * The seed's Python snippets as written, each in its own process with `env` (the exports a person
 * pastes); returns each one's duration. `pause`: the pause snippet too (`a = 1`, `beta_pause()`,
 * `connect()`, `print(a)` gives 1), which needs a node that can freeze.
 */
export async function seedPythonSnippets(
  env: Record<string, string>,
  options: { pause?: boolean } = {},
): Promise<Record<string, string>> {
  const expectations: [string, RegExp][] = [
    ["creation_and_deletion.py", /sandbox id: ([a-z0-9]+)\nsandbox \1 killed/],
    ["code_execution.py", /^$/],
    ["file_operations.py", /Seed document §2\.1\.3/],
    ["command_execution.py", /^hello$\n[\s\S]*^world$[\s\S]*CommandResult\(.*exit_code=0/m],
  ];
  if (options.pause) expectations.push(["pause_and_resume.py", /\['1\\n'\]/]);
  const figures: Record<string, string> = {};
  for (const [file, expected] of expectations) {
    const start = performance.now();
    const out = await runCommand("python3", [`${SEED}${file}`], {
      env: { ...env, PYTHONUNBUFFERED: "1" },
    });
    assert.equal(out.code, 0, `${file}:\n${out.stderr}\n${out.stdout}`);
    assert.match(out.stdout, expected, file);
    figures[`seed ${file}`] = `${((performance.now() - start) / 1000).toFixed(1)} s`;
  }
  return figures;
}

/** Runs the flow on `sbx` and asserts each answer; leaves the sandbox running. */
export async function seedJsFlow(sbx: CodeSandbox): Promise<void> {
  const stdout: string[] = [];
  await sbx.runCode("print('hello world')", { onStdout: (m) => void stdout.push(m.line) });
  assert.deepEqual(stdout, ["hello world\n"]);
  await sbx.files.write("/home/user/my-file", "contents");
  assert.equal(await sbx.files.read("/home/user/my-file"), "contents");
  const lines: string[] = [];
  const result = await sbx.commands.run("echo hello; sleep 1; echo world", {
    onStdout: (d) => void lines.push(d),
  });
  assert.deepEqual(lines, ["hello\n", "world\n"]);
  assert.equal(result.exitCode, 0);
}
