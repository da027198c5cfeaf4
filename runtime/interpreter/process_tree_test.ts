import assert from "node:assert/strict";
import { descendantsOf, listProcesses, type ProcessInfo } from "./process_tree.ts";

Deno.test("descendantsOf() walks children and grandchildren only", () => {
  const processes: ProcessInfo[] = [
    { pid: 1, ppid: 0, state: "S", cmdline: "init" },
    { pid: 10, ppid: 1, state: "S", cmdline: "server" },
    { pid: 11, ppid: 10, state: "S", cmdline: "kernel" },
    { pid: 12, ppid: 11, state: "Z", cmdline: "" },
    { pid: 20, ppid: 1, state: "S", cmdline: "other" },
  ];
  assert.deepEqual(descendantsOf(10, processes).map((p) => p.pid), [11, 12]);
  assert.deepEqual(descendantsOf(20, processes), []);
});

Deno.test({
  name: "listProcesses() finds a child process with its parent and command line",
  permissions: { run: ["sleep", "ps"] },
  async fn() {
    const child = new Deno.Command("sleep", { args: ["30"], stdout: "null", stderr: "null" })
      .spawn();
    try {
      const info = descendantsOf(Deno.pid, await listProcesses()).find((p) => p.pid === child.pid);
      assert.ok(info);
      assert.match(info.cmdline, /sleep 30$/);
      assert.notEqual(info.state, "Z");
    } finally {
      child.kill("SIGKILL");
      await child.status;
    }
  },
});
