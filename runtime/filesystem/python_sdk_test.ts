/** `filesystem.Filesystem` through the published Python SDK (`e2b` from PyPI) in a subprocess. */
import assert from "node:assert/strict";
import { runPython, startRuntime } from "../testing/harness.ts";

Deno.test("Python SDK: list, exists, info, make_dir, rename, remove and polled watch_dir", async () => {
  await using rt = await startRuntime({ secure: true });
  const script = await Deno.readTextFile(
    new URL("./testdata/python_sdk_filesystem.py", import.meta.url),
  );
  const out = await runPython(script, rt.sdkEnv);
  assert.equal(out.code, 0, `python failed:\n${out.stdout}\n${out.stderr}`);
  assert.equal(out.stdout.trim(), "OK");
});
