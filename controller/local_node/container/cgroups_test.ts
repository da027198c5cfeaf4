import assert from "node:assert/strict";
import {
  cgroupDirs,
  cgroupPids,
  cgroupVersion,
  checkCgroups,
  freezerState,
  memoryUsage,
  parseKeyValues,
  removeCgroupDirs,
} from "./cgroups.ts";
import { ContainerError } from "./errors.ts";
import { removeTestCgroupParent, tempDir } from "./_test_support.ts";

Deno.test("checkCgroups() passes on this machine's cgroup v1 controllers", async () => {
  assert.equal(await checkCgroups({ parent: "/kruise-agents-test" }), await cgroupVersion());
  await removeTestCgroupParent();
  // The probe cgroup is gone again.
  for (const dir of await cgroupDirs("/kruise-agents-test")) {
    const names = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
    assert.ok(!names.some((n) => n.startsWith("ka-probe-")), dir);
  }
});

Deno.test("checkCgroups() names each missing controller", async () => {
  await using tmp = await tempDir();
  await Deno.mkdir(`${tmp.path}/memory`);
  await Deno.writeTextFile(`${tmp.path}/memory/cgroup.procs`, "");
  const error = await checkCgroups({ root: tmp.path }).then(() => undefined, (e) => e);
  assert.ok(error instanceof ContainerError);
  assert.equal(error.code, "CgroupsUnavailable");
  for (const c of ["cpu", "pids", "freezer", "devices"]) {
    assert.match(error.message, new RegExp(`${c}: not mounted`));
  }
  assert.doesNotMatch(error.message, /memory: not mounted/);
});

Deno.test("parseKeyValues() reads memory.stat", () => {
  assert.deepEqual(parseKeyValues("cache 4096\nrss 8192\ntotal_rss 12288\nbad x\n"), {
    cache: 4096,
    rss: 8192,
    total_rss: 12288,
  });
});

Deno.test("memoryUsage(), freezerState() and cgroupPids() read a real cgroup", async () => {
  const path = `/kruise-agents-test/cg-test-${Deno.pid}`;
  const dirs = ["memory", "freezer", "pids"].map((c) => `/sys/fs/cgroup/${c}${path}`);
  for (const d of dirs) await Deno.mkdir(d, { recursive: true });
  const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
  try {
    await Deno.writeTextFile(
      `/sys/fs/cgroup/memory${path}/memory.limit_in_bytes`,
      String(64 << 20),
    );
    for (const d of dirs) await Deno.writeTextFile(`${d}/cgroup.procs`, String(child.pid));
    const usage = await memoryUsage(path);
    assert.equal(usage.limitBytes, 64 << 20);
    assert.ok(usage.usageBytes >= 0 && usage.rssBytes >= 0);
    assert.equal(usage.oomKills, 0);
    assert.deepEqual(await cgroupPids(path), [child.pid]);
    assert.equal(await freezerState(path), "THAWED");
  } finally {
    child.kill("SIGKILL");
    await child.status;
    // Give the kernel a moment to take the dead task out of the cgroup.
    for (let i = 0; i < 50; i++) {
      try {
        await removeCgroupDirs(path);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }
  assert.deepEqual(await cgroupDirs(path), []);
  await removeTestCgroupParent();
  assert.equal((await memoryUsage("/").catch(() => undefined))?.limitBytes, Infinity);
});
