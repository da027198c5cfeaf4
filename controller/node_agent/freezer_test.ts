import assert from "node:assert/strict";
import { delay } from "@kruise-agents/shared/std";
import { cgroupFreezer, podCgroupCandidates } from "./freezer.ts";

const UID = "0a1b2c3d-0000-4000-8000-00000000abcd";

Deno.test("pod cgroup names: cgroupfs and systemd layouts of every QoS class", () => {
  assert.deepEqual(podCgroupCandidates("a-b"), [
    "kubepods/poda-b",
    "kubepods/burstable/poda-b",
    "kubepods/besteffort/poda-b",
    "kubepods.slice/kubepods-poda_b.slice",
    "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-poda_b.slice",
    "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-poda_b.slice",
  ]);
});

Deno.test("cgroup v2 layout (a unified mount, systemd names): state, freeze and thaw files", async () => {
  const mount = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${mount}/cgroup.controllers`, "cpu memory pids\n");
    const dir = `${mount}/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${
      UID.replaceAll("-", "_")
    }.slice`;
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(`${dir}/cgroup.freeze`, "0\n");
    await Deno.writeTextFile(`${dir}/cgroup.events`, "populated 1\nfrozen 0\n");
    const freezer = await cgroupFreezer({ mount, freezeTimeoutMs: 50 });
    assert.equal(await freezer.state(UID), "thawed");
    assert.equal(await freezer.state("someone-else"), "missing");
    // The fake kernel never reports frozen: the freeze gives up and thaws again.
    await assert.rejects(freezer.freeze(UID), /did not freeze within 50 ms/);
    assert.equal((await Deno.readTextFile(`${dir}/cgroup.freeze`)).trim(), "0");
    await Deno.writeTextFile(`${dir}/cgroup.events`, "populated 1\nfrozen 1\n");
    await freezer.freeze(UID);
    assert.equal((await Deno.readTextFile(`${dir}/cgroup.freeze`)).trim(), "1");
    assert.equal(await freezer.state(UID), "frozen");
    await freezer.thaw(UID);
    assert.equal((await Deno.readTextFile(`${dir}/cgroup.freeze`)).trim(), "0");
    await assert.rejects(freezer.thaw("someone-else"), /has no cgroup/);
  } finally {
    await Deno.remove(mount, { recursive: true });
  }
});

Deno.test("a mount with no freezer says so at start", async () => {
  const mount = await Deno.makeTempDir();
  try {
    await assert.rejects(cgroupFreezer({ mount }), /Cannot freeze pods on this node/);
  } finally {
    await Deno.remove(mount, { recursive: true });
  }
});

/** The last line a ticking shell wrote (it appends a counter every 10 ms). */
async function ticks(file: string): Promise<number> {
  return (await Deno.readTextFile(file)).split("\n").filter(Boolean).length;
}

Deno.test({
  name: "cgroup v1 freezer of this kernel: a pod's processes stop and go on, children included",
  ignore: !(await Deno.stat("/sys/fs/cgroup/freezer/tasks").then(() => true, () => false)),
  async fn() {
    const root = `ka-agent-test-${crypto.randomUUID().slice(0, 8)}`;
    const pod = `/sys/fs/cgroup/freezer/${root}/kubepods/besteffort/pod${UID}`;
    const container = `${pod}/c1`;
    await Deno.mkdir(container, { recursive: true });
    const out = await Deno.makeTempFile();
    // A child started in the container's cgroup, which starts its own child: all are frozen.
    const child = new Deno.Command("sh", {
      args: [
        "-c",
        `echo $$ > ${container}/tasks; sh -c 'while :; do echo x >> ${out}; sleep 0.01; done' & wait`,
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      await delay(200);
      const freezer = await cgroupFreezer({ kubeletRoot: `/${root}` });
      assert.equal(await freezer.state(UID), "thawed");
      const t0 = performance.now();
      await freezer.freeze(UID);
      const frozeMs = performance.now() - t0;
      assert.equal(await freezer.state(UID), "frozen");
      assert.equal((await Deno.readTextFile(`${container}/freezer.state`)).trim(), "FROZEN");
      const before = await ticks(out);
      await delay(300);
      assert.equal(await ticks(out), before, "nothing ran while frozen");
      await freezer.thaw(UID);
      assert.equal(await freezer.state(UID), "thawed");
      await delay(300);
      assert.ok(await ticks(out) > before, "it runs again after the thaw");
      assert.ok(frozeMs < 5000, `${frozeMs}`);
    } finally {
      await Deno.writeTextFile(`${pod}/freezer.state`, "THAWED").catch(() => {});
      for (
        const pid of (await Deno.readTextFile(`${container}/tasks`)).split("\n").filter(Boolean)
      ) {
        try {
          Deno.kill(Number(pid), "SIGKILL");
        } catch { /* gone */ }
      }
      await child.status;
      await delay(100);
      for (
        const dir of [
          container,
          pod,
          `/sys/fs/cgroup/freezer/${root}/kubepods/besteffort`,
          `/sys/fs/cgroup/freezer/${root}/kubepods`,
          `/sys/fs/cgroup/freezer/${root}`,
        ]
      ) {
        await Deno.remove(dir).catch(() => {});
      }
      await Deno.remove(out);
    }
  },
});
