import assert from "node:assert/strict";
import { processesNaming, processesWhere } from "./processes.ts";

Deno.test("processesNaming() finds a running process by its command line, and not once it exited", async () => {
  const needle = `${Math.floor(Math.random() * 1e6) / 1e3 + 100}`;
  const child = new Deno.Command("sleep", { args: [needle], stdout: "null", stderr: "null" })
    .spawn();
  try {
    assert.deepEqual(await processesNaming(needle), [child.pid]);
  } finally {
    child.kill();
    await child.status;
  }
  assert.deepEqual(await processesNaming(needle), []);
});

Deno.test("processesWhere() leaves out the processes whose test throws (exited mid-scan)", async () => {
  const own = await processesWhere((pid) => {
    if (pid !== Deno.pid) return Promise.reject(new Deno.errors.NotFound());
    return Promise.resolve(true);
  });
  assert.deepEqual(own, [Deno.pid]);
});
