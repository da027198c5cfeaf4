import assert from "node:assert/strict";
import { childrenOf, identify, isAlive, parseStat, pidNamespace, pidsInNamespace } from "./proc.ts";

Deno.test("parseStat reads state, ppid and start time past a command name with spaces", () => {
  const text = "4242 (my (odd) cmd) S 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 " +
    "987654 1000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
  assert.deepEqual(parseStat(text), { pid: 4242, state: "S", ppid: 17, startTicks: 987654 });
  assert.equal(parseStat("garbage"), undefined);
});

Deno.test("isAlive tells a live process from an exited one with the same pid record", async () => {
  const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
  const id = await identify(child.pid);
  assert.ok(id);
  assert.equal(await isAlive(id), true);
  assert.equal(await isAlive({ pid: id.pid, startTicks: id.startTicks + 1 }), false);
  child.kill("SIGKILL");
  await child.status;
  assert.equal(await isAlive(id), false);
});

Deno.test("pidsInNamespace finds this process in its own PID namespace", async () => {
  const ns = await pidNamespace(Deno.pid);
  assert.ok(ns !== undefined && ns.startsWith("pid:["));
  assert.ok((await pidsInNamespace(ns)).includes(Deno.pid));
});

Deno.test("childrenOf lists a spawned child of this process", async () => {
  const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
  try {
    assert.ok((await childrenOf(Deno.pid)).includes(child.pid));
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
});
