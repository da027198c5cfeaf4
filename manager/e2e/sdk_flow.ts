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
