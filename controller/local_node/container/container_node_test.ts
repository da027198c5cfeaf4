/**
 * The container runner end to end, with the real things: runc, user/PID/network namespaces,
 * overlayfs, cgroup v1, Debian's CNI plugins and iptables. Each test starts its containers from a
 * busybox image built here and stops them in `finally`; the last check of each is that nothing
 * is left.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ContainerError } from "./errors.ts";
import { cgroupPids, freezerState, memoryUsage } from "./cgroups.ts";
import { mountsUnder } from "./rootfs.ts";
import { podCpuSettings, resizePodCpu } from "./cpu_resize.ts";
import type { ContainerRecord } from "./container_types.ts";
import { assertNothingLeft, readStatus, start, withNode } from "./_node_test_kit.ts";
import { eventually, podShell, TEST_IMAGE } from "./_test_support.ts";

Deno.test("startContainer() runs the pod in its own user, PID, UTS and network namespaces", async () => {
  await withNode(async (f) => {
    const record = await start(f, "ns-pod");
    let pids: number[] = [];
    try {
      assert.match(record.ip, /^10\.214\.0\.\d+$/);
      assert.equal(record.gateway, "10.214.0.1");
      // Root inside is host uid 100000.
      const uidMap = (await Deno.readTextFile(`/proc/${record.pid}/uid_map`)).trim().split(/\s+/);
      assert.deepEqual(uidMap, ["0", "100000", "65536"]);
      pids = await cgroupPids(record.cgroupsPath);
      assert.ok(pids.length >= 1);
      for (const pid of pids) {
        const status = await readStatus(pid).catch(() => undefined); // a request may have ended
        if (status) assert.equal(status.Uid?.split(/\s+/)[0], "100000", `host uid of ${pid}`);
      }
      assert.equal((await readStatus(record.pid)).Uid?.split(/\s+/)[0], "100000");
      const inside = await podShell(record.ip, "id -u; hostname; cat /proc/self/uid_map; echo $$");
      const [uid, hostname, map] = inside.output.split("\n");
      assert.equal(uid, "0");
      assert.equal(hostname, "ns-pod");
      assert.deepEqual(map?.trim().split(/\s+/), ["0", "100000", "65536"]);
      // Own namespaces: none is the host's.
      for (const ns of ["net", "pid", "uts", "user", "mnt", "ipc"]) {
        const host = await Deno.readLink(`/proc/self/ns/${ns}`);
        const pod = await Deno.readLink(`/proc/${record.pid}/ns/${ns}`);
        assert.notEqual(pod, host, `${ns} namespace shared with the host`);
      }
      // The network namespace is the one the node made.
      const netns = await Deno.stat(`/run/netns/${record.netns}`);
      const podNet = await Deno.stat(`/proc/${record.pid}/ns/net`);
      assert.equal(podNet.ino, netns.ino);
      // PID 1 inside is the image's httpd; the host's processes are invisible.
      const ps = await podShell(
        record.ip,
        "cat /proc/1/cmdline | tr '\\0' ' '; echo; ls /proc | grep -c '^[0-9]'",
      );
      const [init, count] = ps.output.trim().split("\n");
      assert.match(init ?? "", /^\/bin\/httpd -f -p 8080/);
      assert.ok(Number(count) < 10, `sees ${count} processes`);
      // sudo can work (no no_new_privs), our seccomp filter is on, containerd's capabilities.
      const proc = await podShell(
        record.ip,
        "grep -E '^(NoNewPrivs|Seccomp|CapEff|CapAmb):' /proc/self/status",
      );
      assert.match(proc.output, /^NoNewPrivs:\s+0$/m);
      assert.match(proc.output, /^Seccomp:\s+2$/m);
      assert.match(proc.output, /^CapEff:\s+00000000a80425fb$/m);
      assert.match(proc.output, /^CapAmb:\s+0000000000000000$/m);
      // Only its own interfaces in /sys.
      const net = await podShell(record.ip, "ls /sys/class/net");
      assert.deepEqual(net.output.trim().split(/\s+/).sort(), ["eth0", "lo"]);
      // The memory limit is set and readable inside (the cgroup mount).
      const limit = await podShell(record.ip, "cat /sys/fs/cgroup/memory/memory.limit_in_bytes");
      assert.equal(limit.output.trim(), String(64 * 1024 * 1024));
      // /etc files are the node's, and root inside may edit them.
      const etc = await podShell(
        record.ip,
        `grep ns-pod /etc/hosts && echo "1.2.3.4 x" >> /etc/hosts && echo ok`,
      );
      assert.equal(etc.exit, 0, etc.output);
      console.log(
        `  start timings (ms): ${
          JSON.stringify(
            record.timings,
            (_, v) => typeof v === "number" ? Math.round(v * 10) / 10 : v,
          )
        }`,
      );
    } finally {
      await f.node.stopContainer(record);
    }
    await assertNothingLeft(f.node, record, pids);
  });
});

Deno.test("startContainer() leaves no way to mount, remount or see the host's files", async () => {
  await withNode(async (f) => {
    const marker = `marker-${crypto.randomUUID()}`;
    const record = await start(f, "fs-pod");
    try {
      await Deno.writeTextFile(`${record.podDir}/${marker}`, "secret");
      await Deno.writeTextFile(`${f.dir}/${marker}`, "secret");
      const checks: [string, string][] = [
        ["remount / read-write", "mount -o remount,rw /"],
        ["remount bind read-write", "mount -o remount,bind,rw /"],
        ["mount a tmpfs", "mkdir -p /mnt/t && mount -t tmpfs t /mnt/t"],
        ["mount proc", "mkdir -p /mnt/p && mount -t proc proc /mnt/p"],
        ["remount /sys read-write", "mount -o remount,rw /sys"],
        ["write /proc/sys", "echo 1 > /proc/sys/kernel/sysrq"],
        ["write /sys", "echo x > /sys/kernel/uevent_helper"],
        ["load a kernel module", "insmod /nonexistent.ko"],
        ["unshare a mount namespace", "unshare -m true"],
        ["open a disk", "cat /dev/vda > /dev/null || mknod /tmp/vda b 254 0 && cat /tmp/vda"],
        ["set the clock", `date -s 2000-01-01 >/dev/null 2>&1; [ "$(date +%Y)" = 2000 ]`],
      ];
      for (const [what, script] of checks) {
        const r = await podShell(record.ip, script);
        assert.notEqual(r.exit, 0, `${what} succeeded: ${r.output}`);
      }
      // Writes anywhere in the root filesystem work and land in the pod's upper layer only.
      const w = await podShell(record.ip, "mkdir -p /opt/x && echo hi > /opt/x/f && cat /opt/x/f");
      assert.equal(w.output.trim(), "hi");
      assert.equal(await Deno.readTextFile(`${record.podDir}/upper/opt/x/f`), "hi\n");
      // No host path: the markers are nowhere, even with a chroot trick.
      const find = await podShell(
        record.ip,
        `find / -xdev -name '${marker}' 2>/dev/null; mkdir -p /c && chroot /c /bin/true 2>&1; cd / && ls / | tr '\\n' ' '`,
      );
      assert.ok(!find.output.includes(marker), find.output);
      assert.ok(!find.output.includes("work"), find.output);
    } finally {
      await f.node.stopContainer(record);
    }
    await assertNothingLeft(f.node, record, []);
  });
});

Deno.test("startContainer() limits memory (OOM kill, init lives) and pids", async () => {
  await withNode(async (f) => {
    const record = await start(f, "limits-pod", { memoryBytes: 32 * 1024 * 1024, pidsLimit: 40 });
    try {
      const before = await memoryUsage(record.cgroupsPath);
      assert.equal(before.limitBytes, 32 * 1024 * 1024);
      const hog = await podShell(
        record.ip,
        `awk 'BEGIN { s = "xxxxxxxxxxxxxxxx"; while (1) s = s s }'`,
        30_000,
      );
      assert.notEqual(hog.exit, 0, "the memory hog was not stopped");
      const after = await memoryUsage(record.cgroupsPath);
      assert.ok(after.oomKills > before.oomKills, "no OOM kill counted");
      // The init (httpd, PID 1) survived and still serves.
      assert.equal((await podShell(record.ip, "echo alive")).output.trim(), "alive");
      assert.ok((await f.node.containerState(record.id))?.status === "running");

      // A bounded fork bomb: 100 short sleepers against a limit of 40 tasks. The shell dies on
      // its first failed fork (ash treats it as fatal), which is the limit at work.
      const bomb = await podShell(
        record.ip,
        `for i in $(seq 100); do sleep 3 </dev/null >/dev/null 2>&1 & done; echo all-started`,
        30_000,
      );
      assert.notEqual(bomb.exit, 0, bomb.output);
      assert.doesNotMatch(bomb.output, /all-started/);
      // The sleepers end by themselves; then the pod forks again.
      assert.ok(await eventually(async () => (await podShell(record.ip, "true", 2000)).exit === 0));
      const pidsMax = Number(
        (await Deno.readTextFile(`/sys/fs/cgroup/pids${record.cgroupsPath}/pids.max`)).trim(),
      );
      const events = await Deno.readTextFile(
        `/sys/fs/cgroup/pids${record.cgroupsPath}/pids.events`,
      );
      assert.equal(pidsMax, 40);
      assert.match(events, /max [1-9]/, `the pids limit was never hit: ${events} ${bomb.output}`);
      assert.equal((await podShell(record.ip, "echo alive")).output.trim(), "alive");
    } finally {
      await f.node.stopContainer(record);
    }
    await assertNothingLeft(f.node, record, []);
  });
});

Deno.test("pause() freezes every process, a child in its own PID namespace included; resume() thaws", async () => {
  await withNode(async (f) => {
    const record = await start(f, "pause-pod");
    let pids: number[] = [];
    try {
      // A counter inside a nested user+PID namespace (what `sudo unshare --pid` does in a
      // sandbox with sudo), detached from the CGI request.
      const spawn = await podShell(
        record.ip,
        `setsid unshare -U -r -p -f sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/counter; usleep 20000; done' </dev/null >/dev/null 2>&1 & echo spawned`,
      );
      assert.equal(spawn.output.trim(), "spawned");
      const counter = `${record.podDir}/upper/tmp/counter`;
      const read = async () => Number((await Deno.readTextFile(counter)).trim() || "0");
      assert.ok(await eventually(async () => (await read()) > 2), "the counter never ran");
      pids = await cgroupPids(record.cgroupsPath);
      const nested = [];
      const podPidNs = await Deno.readLink(`/proc/${record.pid}/ns/pid`);
      for (const pid of pids) {
        // A short-lived process (the CGI request's shell) may be gone already.
        const ns = await Deno.readLink(`/proc/${pid}/ns/pid`).catch(() => podPidNs);
        if (ns !== podPidNs) nested.push(pid);
      }
      assert.ok(nested.length >= 1, "no process in a nested PID namespace");

      const timings: { pause: number[]; resume: number[] } = { pause: [], resume: [] };
      for (let round = 0; round < 5; round++) {
        let t = performance.now();
        await f.node.pause(record.id);
        timings.pause.push(performance.now() - t);
        assert.equal(await freezerState(record.cgroupsPath), "FROZEN");
        assert.equal((await f.node.containerState(record.id))?.status, "paused");
        const frozenAt = await read();
        await new Promise((r) => setTimeout(r, 200));
        assert.equal(await read(), frozenAt, "the counter moved while paused");
        for (const pid of await cgroupPids(record.cgroupsPath)) {
          const status = await readStatus(pid).catch(() => ({} as Record<string, string>));
          // Frozen tasks sleep in the refrigerator: never running.
          assert.notEqual(status.State?.[0], "R", `process ${pid} runs while paused`);
        }
        t = performance.now();
        await f.node.resume(record.id);
        timings.resume.push(performance.now() - t);
        assert.equal(await freezerState(record.cgroupsPath), "THAWED");
        assert.ok(
          await eventually(async () => (await read()) > frozenAt),
          "the counter did not resume",
        );
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      console.log(
        `  pause p50 ${median(timings.pause).toFixed(1)} ms, resume p50 ${
          median(timings.resume).toFixed(1)
        } ms`,
      );
      // Idempotent: pausing twice and resuming twice are no-ops.
      await f.node.pause(record.id);
      await f.node.pause(record.id);
      await f.node.resume(record.id);
      await f.node.resume(record.id);
      // A paused pod can be stopped.
      await f.node.pause(record.id);
      pids = await cgroupPids(record.cgroupsPath);
    } finally {
      await f.node.stopContainer(record);
    }
    await assertNothingLeft(f.node, record, pids);
  });
});

Deno.test("resizePodCpu() changes the running pod's CPU weight and quota in place", async () => {
  await withNode(async (f) => {
    const record = await start(f, "resize-pod");
    try {
      const before = await podCpuSettings(f.node, record.id);
      assert.deepEqual(before, { shares: 512, quotaUs: 50_000, periodUs: 100_000 }, "500m");
      assert.deepEqual(await resizePodCpu(f.node, record.id, 1500), {
        shares: 1536,
        quotaUs: 150_000,
        periodUs: 100_000,
      });
      assert.deepEqual(await resizePodCpu(f.node, record.id, undefined), {
        shares: 1024,
        quotaUs: Infinity,
        periodUs: 100_000,
      });
      assert.ok(await f.node.alive(record), "the container kept running");
    } finally {
      await f.node.stopContainer(record);
    }
  });
});

Deno.test("stopContainer() is idempotent and cleans a half-created pod; start failures clean up", async () => {
  await withNode(async (f) => {
    // An unknown image: a typed error that names the images there are, and nothing left.
    const podDir = `${f.dir}/pods/unknown`;
    const err = await f.node.startContainer({
      id: "test-unknown",
      name: "u",
      podDir,
      image: "nope:1",
    })
      .then(() => undefined, (e) => e);
    assert.ok(err instanceof ContainerError && err.code === "ImageNotFound", String(err));
    assert.match(err.message, /"busybox"/);
    assert.deepEqual(await mountsUnder(podDir), []);
    // A command that does not exist: runc's error, with the container log, and nothing left.
    const bad = await f.node.startContainer({
      id: "test-badcmd",
      name: "b",
      podDir: `${f.dir}/pods/badcmd`,
      image: TEST_IMAGE,
      command: ["/nonexistent"],
    }).then(() => undefined, (e) => e);
    assert.ok(bad instanceof ContainerError && bad.code === "RuncFailed", String(bad));
    assert.match(bad.message, /nonexistent/);
    const left = await f.node.leftovers();
    assert.deepEqual(left, { containers: [], netns: [], chains: [], cgroups: [] });

    // A pod whose record was lost: stop by id and directory only, twice.
    const record = await start(f, "half");
    const pids = await cgroupPids(record.cgroupsPath);
    await f.node.stopContainer({ id: record.id, podDir: record.podDir });
    await f.node.stopContainer({ id: record.id, podDir: record.podDir });
    await assertNothingLeft(f.node, record, pids);
  });
});

Deno.test("a container outlives the process that started it and is re-adopted", async () => {
  await withNode(async (f) => {
    // Another Deno process starts the pod, prints its record and exits.
    const script = `${f.dir}/starter.ts`;
    await Deno.writeTextFile(
      script,
      `import { prepareNode } from ${
        JSON.stringify(new URL("./prepare_node.ts", import.meta.url).href)
      };
import { testNodeConfig } from ${
        JSON.stringify(new URL("./_test_support.ts", import.meta.url).href)
      };
const node = await prepareNode(testNodeConfig(${JSON.stringify(f.dir)}, ${
        JSON.stringify(f.layout)
      }));
const record = await node.startContainer({
  id: "test-adopt", name: "adopt", podDir: ${
        JSON.stringify(`${f.dir}/pods/adopt`)
      }, image: "busybox",
});
console.log(JSON.stringify(record));
`,
    );
    // The workspace's config, so the script outside it resolves the workspace's packages.
    const config = new URL("../../../deno.json", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "--config", config, script],
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const record = JSON.parse(new TextDecoder().decode(out.stdout)) as ContainerRecord;
    try {
      // The starter is gone; the container runs on and answers.
      assert.ok(
        await eventually(async () =>
          (await podShell(record.ip, "echo still", 2000)).output.trim() === "still"
        ),
      );
      // This node (a restart, as far as the pod knows) finds it by listing and by id.
      const listed = await f.node.listContainers();
      assert.deepEqual(
        listed.map((c) => ({ id: c.id, podDir: c.podDir, status: c.status, pid: c.pid })),
        [{ id: record.id, podDir: record.podDir, status: "running", pid: record.pid }],
      );
      assert.equal((await f.node.containerState(record.id))?.status, "running");
      await f.node.pause(record.id);
      await f.node.resume(record.id);
    } finally {
      await f.node.stopContainer(record);
    }
    await assertNothingLeft(f.node, record, [record.pid]);
  });
});
