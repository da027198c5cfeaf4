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
import type { ContainerNode } from "./container_node.ts";
import { prepareNode } from "./prepare_node.ts";
import type { ContainerRecord } from "./container_types.ts";
import { cgroupDirs, cgroupPids, freezerState, memoryUsage } from "./cgroups.ts";
import { rulesMentioning } from "./isolation_rules.ts";
import { mountsUnder } from "./rootfs.ts";
import { runCommand } from "./_command.ts";
import {
  buildTestImage,
  eventually,
  podShell,
  tempDir,
  TEST_IMAGE,
  TEST_OUTSIDE,
  TEST_PREFIX,
  testNodeConfig,
} from "./_test_support.ts";

async function sh(script: string): Promise<string> {
  const out = await runCommand("/bin/sh", ["-c", script]);
  if (out.code !== 0) throw new Error(`${script}: ${out.stderr}`);
  return out.stdout;
}

/**
 * An HTTP GET from inside a pod with busybox `nc` (busybox's static `wget` crashes without the
 * glibc NSS libraries the test image lacks): the pod's output holds the response, or the exit
 * status is non-zero when the connection fails within 2 s.
 */
function httpGetScript(host: string, port: number | string, path = "/index.html"): string {
  return `printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${host} ${port}`;
}

async function readStatus(pid: number): Promise<Record<string, string>> {
  const fields: Record<string, string> = {};
  for (const line of (await Deno.readTextFile(`/proc/${pid}/status`)).split("\n")) {
    const i = line.indexOf(":");
    if (i > 0) fields[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return fields;
}

/** Asserts the node has nothing of `record` left: the whole "after stop" contract. */
async function assertNothingLeft(node: ContainerNode, record: ContainerRecord, pids: number[]) {
  assert.equal(await node.containerState(record.id), undefined, "runc state left");
  assert.deepEqual(await mountsUnder(record.podDir), [], "mounts left under the pod dir");
  const left = await node.leftovers();
  assert.ok(!left.netns.includes(record.netns), `netns ${record.netns} left`);
  assert.ok(!left.chains.some((c) => c.includes(record.shortId)), "pod chain left");
  assert.deepEqual(await cgroupDirs(record.cgroupsPath), [], "cgroup dirs left");
  assert.deepEqual(await rulesMentioning(record.ip), [], "filter rules of the pod IP left");
  const nat = await sh("iptables -w 5 -t nat -S");
  assert.ok(!nat.includes(record.containerId), `nat rules of the pod left: ${nat}`);
  // Killed processes are reaped by the machine's init (their parent once runc exited): give it
  // a moment.
  for (const pid of pids) {
    const gone = await eventually(
      () => Deno.stat(`/proc/${pid}`).then(() => false, () => true),
      5000,
    );
    assert.ok(gone, `process ${pid} left`);
  }
  const ipam = await Array.fromAsync(Deno.readDir(`${record.podDir}/../state/cni/networks`))
    .catch(() => []);
  for (const net of ipam) {
    if (!net.isDirectory) continue;
    for await (const f of Deno.readDir(`${record.podDir}/../state/cni/networks/${net.name}`)) {
      assert.notEqual(f.name, record.ip, "IP not released");
    }
  }
}

interface Fixture {
  node: ContainerNode;
  dir: string;
  layout: string;
}

/** Prepares a test node over a fresh busybox image layout; tears it all down afterwards. */
async function withNode(fn: (f: Fixture) => Promise<void>): Promise<void> {
  await using tmp = await tempDir();
  const layout = await buildTestImage(tmp.path);
  const node = await prepareNode(testNodeConfig(tmp.path, layout));
  try {
    await fn({ node, dir: tmp.path, layout });
  } finally {
    // Anything a failed test left: containers first, then the node-wide set-up.
    for (const c of await node.listContainers()) {
      if (c.id) await node.stopContainer({ id: c.id, podDir: c.podDir }).catch(console.error);
    }
    await node.teardown();
  }
}

async function start(
  f: Fixture,
  name: string,
  extra: Partial<Parameters<ContainerNode["startContainer"]>[0]> = {},
): Promise<ContainerRecord> {
  const record = await f.node.startContainer({
    id: `test-${name}-${crypto.randomUUID()}`,
    name,
    podDir: `${f.dir}/pods/${name}`,
    image: TEST_IMAGE,
    memoryBytes: 64 * 1024 * 1024,
    cpuMillis: 500,
    ...extra,
  });
  assert.ok(
    await eventually(async () => (await podShell(record.ip, "true", 2000)).exit === 0),
    "the pod's agent never answered",
  );
  return record;
}

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

Deno.test("pods reach neither each other nor the host, and the host reaches pods", async () => {
  await withNode(async (f) => {
    const a = await start(f, "net-a");
    const b = await start(f, "net-b");
    await using host = Deno.serve(
      { hostname: "0.0.0.0", port: 0, onListen() {} },
      () => new Response("host service"),
    );
    try {
      // Host → pod: the proxy's path.
      const res = await fetch(`http://${a.ip}:8080/index.html`);
      assert.equal((await res.text()).trim(), "hello from the pod");
      // Positive control: the host service answers on the gateway address from the host.
      const own = await fetch(`http://${a.gateway}:${host.addr.port}/`);
      assert.equal(await own.text(), "host service");
      const tries: [string, ContainerRecord, string][] = [
        ["pod → other pod", a, `${b.ip}:8080`],
        ["other pod → pod", b, `${a.ip}:8080`],
        ["pod → host via gateway", a, `${a.gateway}:${host.addr.port}`],
      ];
      for (const [what, from, target] of tries) {
        const [host, port] = target.split(":");
        const r = await podShell(from.ip, httpGetScript(host!, port!));
        assert.notEqual(r.exit, 0, `${what} got through: ${r.output}`);
      }
      // A pod reaches its own services on loopback.
      const self = await podShell(a.ip, httpGetScript("127.0.0.1", 8080));
      assert.match(self.output, /hello from the pod/);
      // The pod has no IPv6 on its interface and cannot change its network.
      const v6 = await podShell(
        a.ip,
        "ip -6 addr show dev eth0 | grep -c inet6; ip addr add 10.214.0.250/24 dev eth0",
      );
      assert.match(v6.output, /^0$/m);
      assert.notEqual(v6.exit, 0, "root inside changed the pod's address");
    } finally {
      await f.node.stopContainer(a);
      await f.node.stopContainer(b);
    }
    await assertNothingLeft(f.node, a, []);
    await assertNothingLeft(f.node, b, []);
  });
});

/** A network namespace standing for "the internet" at {@linkcode TEST_OUTSIDE}, with a web server. */
async function withOutside(fn: () => Promise<void>): Promise<void> {
  const ns = `${TEST_PREFIX}-outside`;
  const guard = `unreachable ${TEST_OUTSIDE.net} metric 4000`;
  await sh(`ip netns add ${ns}`);
  try {
    // If the veth ever vanished, this keeps test traffic from following the default route.
    await sh(`ip route add ${guard}`);
    await sh(
      [
        `ip link add ${TEST_PREFIX}x-h type veth peer name ${TEST_PREFIX}x-n netns ${ns}`,
        `ip addr add ${TEST_OUTSIDE.host}/24 dev ${TEST_PREFIX}x-h`,
        `ip link set ${TEST_PREFIX}x-h up`,
        `ip -n ${ns} addr add ${TEST_OUTSIDE.far}/24 dev ${TEST_PREFIX}x-n`,
        `ip -n ${ns} link set ${TEST_PREFIX}x-n up`,
        `ip -n ${ns} link set lo up`,
        `mkdir -p /tmp/${ns}-www && echo outside > /tmp/${ns}-www/index.html`,
      ].join(" && "),
    );
    const route = await sh(`ip route get ${TEST_OUTSIDE.far}`);
    assert.match(route, new RegExp(`dev ${TEST_PREFIX}x-h`), `unsafe route: ${route}`);
    const server = new Deno.Command("ip", {
      args: ["netns", "exec", ns, "busybox", "httpd", "-f", "-p", "80", "-h", `/tmp/${ns}-www`],
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      assert.ok(
        await eventually(async () =>
          (await runCommand("ip", [
            "netns",
            "exec",
            ns,
            "busybox",
            "wget",
            "-q",
            "-O",
            "-",
            "http://127.0.0.1/",
          ]))
            .code === 0
        ),
        "outside server never answered",
      );
      await fn();
    } finally {
      server.kill("SIGKILL");
      await server.status;
    }
  } finally {
    await runCommand("ip", ["link", "delete", `${TEST_PREFIX}x-h`]);
    await runCommand("ip", ["netns", "delete", ns]);
    await runCommand("ip", ["route", "delete", ...guard.split(" ")]);
    await Deno.remove(`/tmp/${ns}-www`, { recursive: true }).catch(() => {});
  }
}

Deno.test("egress rules: denyOut, allowOut over denyOut, no internet access, and blocked ranges", async () => {
  await withNode(async (f) => {
    await withOutside(async () => {
      const cases: [string, Parameters<ContainerNode["startContainer"]>[0]["egress"], boolean][] = [
        ["default", {}, true],
        ["denyOut the address", { denyOut: [TEST_OUTSIDE.far] }, false],
        ["denyOut all, allowOut the address", {
          denyOut: ["0.0.0.0/0"],
          allowOut: [`${TEST_OUTSIDE.far}/32`],
        }, true],
        ["no internet access", { allowInternetAccess: false }, false],
        ["no internet access, allowOut the address", {
          allowInternetAccess: false,
          allowOut: [TEST_OUTSIDE.far],
        }, true],
        ["denyOut another address", { denyOut: ["198.51.100.7"] }, true],
      ];
      const records: ContainerRecord[] = [];
      try {
        for (const [i, [what, egress, reaches]] of cases.entries()) {
          const r = await start(f, `egress-${i}`, { egress: egress ?? {} });
          records.push(r);
          const got = await podShell(r.ip, httpGetScript(TEST_OUTSIDE.far, 80));
          if (reaches) assert.match(got.output, /outside/, `${what}: ${got.output}`);
          else {
            assert.notEqual(got.exit, 0, `${what}: reached the outside: ${got.output}`);
            assert.doesNotMatch(got.output, /outside/);
          }
          const rules = await rulesMentioning(`P-${r.shortId}`);
          assert.ok(rules.length >= 2, `${what}: no pod chain: ${rules}`);
        }
        // A private range stays blocked whatever allowOut says (the node-wide rule).
        const lan = await f.node.startContainer({
          id: `test-lan-${crypto.randomUUID()}`,
          name: "egress-lan",
          podDir: `${f.dir}/pods/egress-lan`,
          image: TEST_IMAGE,
          egress: { allowOut: ["10.214.0.0/24"] },
        });
        records.push(lan);
        assert.ok(await eventually(async () => (await podShell(lan.ip, "true", 2000)).exit === 0));
        const other = records[0]!;
        const r = await podShell(lan.ip, httpGetScript(other.ip, 8080));
        assert.notEqual(r.exit, 0, "allowOut opened a blocked range");
        // Bad entries are refused before anything is created.
        await assert.rejects(
          f.node.startContainer({
            id: "test-bad-egress",
            name: "bad",
            podDir: `${f.dir}/pods/bad`,
            image: TEST_IMAGE,
            egress: { allowOut: ["example.com"] },
          }),
          RangeError,
        );
      } finally {
        for (const r of records) await f.node.stopContainer(r);
      }
      for (const r of records) await assertNothingLeft(f.node, r, []);
    });
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
    const out = await new Deno.Command(Deno.execPath(), { args: ["run", "--allow-all", script] })
      .output();
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
