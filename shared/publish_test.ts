/**
 * `@kruise-agents/shared` stays publishable on JSR: `deno publish --dry-run` (name, version,
 * license, exports, no slow types) passes, and the package holds no test files.
 */
import assert from "node:assert/strict";

Deno.test("deno publish --dry-run passes for @kruise-agents/shared, without its tests", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["publish", "--dry-run", "--allow-dirty"],
    cwd: new URL(".", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
  assert.match(text, /Dry run complete/);
  assert.match(text, /shared\/api\/mod\.ts/);
  assert.doesNotMatch(text, /_test\.ts/);
});
