import assert from "node:assert/strict";
import {
  buildRuntimeSpec,
  cpuQuota,
  cpuShares,
  DEFAULT_CAPABILITIES,
  DEVICE_RULES,
  MASKED_PATHS,
  READONLY_PATHS,
  type RuntimeSpecInput,
} from "./runtime_spec.ts";

const BASE: RuntimeSpecInput = {
  hostname: "sbx-1",
  args: ["/bin/sh", "-c", "sleep 1"],
  rootfs: "/pods/1/bundle/rootfs",
  netnsPath: "/run/netns/ka-1",
  cgroupsPath: "/kruise-agents/ka-1",
};

Deno.test("buildRuntimeSpec() gives the pod its own namespaces and joins the node's netns", () => {
  const spec = buildRuntimeSpec(BASE);
  const types = spec.linux.namespaces.map((n) => n.type).sort();
  assert.deepEqual(types, ["cgroup", "ipc", "mount", "network", "pid", "user", "uts"]);
  assert.deepEqual(spec.linux.namespaces.find((n) => n.type === "network"), {
    type: "network",
    path: "/run/netns/ka-1",
  });
  assert.ok(spec.linux.namespaces.every((n) => n.type === "network" || n.path === undefined));
  assert.equal(spec.hostname, "sbx-1");
  assert.equal(spec.linux.cgroupsPath, "/kruise-agents/ka-1");
  assert.deepEqual(spec.root, { path: "/pods/1/bundle/rootfs", readonly: false });
});

Deno.test("buildRuntimeSpec() maps root to host 100000 by default, or as configured", () => {
  const spec = buildRuntimeSpec(BASE);
  assert.deepEqual(spec.linux.uidMappings, [{ containerID: 0, hostID: 100000, size: 65536 }]);
  assert.deepEqual(spec.linux.gidMappings, spec.linux.uidMappings);
  const custom = buildRuntimeSpec({
    ...BASE,
    idMap: { containerID: 0, hostID: 300000, size: 65536 },
  });
  assert.equal(custom.linux.uidMappings[0]?.hostID, 300000);
});

Deno.test("buildRuntimeSpec() runs root without no_new_privs, containerd's capabilities, no ambient", () => {
  const { process } = buildRuntimeSpec(BASE);
  assert.deepEqual(process.user, { uid: 0, gid: 0 });
  assert.equal(process.terminal, false);
  assert.equal(process.noNewPrivileges, false);
  assert.deepEqual(process.capabilities.bounding, [...DEFAULT_CAPABILITIES]);
  assert.deepEqual(process.capabilities.effective, [...DEFAULT_CAPABILITIES]);
  assert.deepEqual(process.capabilities.permitted, [...DEFAULT_CAPABILITIES]);
  assert.deepEqual(process.capabilities.ambient, []);
  assert.deepEqual(process.capabilities.inheritable, []);
  assert.ok(!process.capabilities.bounding.includes("CAP_SYS_ADMIN"));
  assert.equal(DEFAULT_CAPABILITIES.length, 14);
  assert.deepEqual(process.rlimits, [{ type: "RLIMIT_NOFILE", hard: 1048576, soft: 1048576 }]);
  assert.equal(buildRuntimeSpec({ ...BASE, nofile: 20000 }).process.rlimits[0]?.hard, 20000);
});

Deno.test("buildRuntimeSpec() sets PATH and HOSTNAME, lets the pod's env win, and keeps order", () => {
  const { process } = buildRuntimeSpec({
    ...BASE,
    env: { PATH: "/bin", A: "1" },
    cwd: "/home/user",
  });
  assert.deepEqual(process.env, ["PATH=/bin", "HOSTNAME=sbx-1", "A=1"]);
  assert.equal(process.cwd, "/home/user");
  assert.deepEqual(process.args, BASE.args);
});

Deno.test("buildRuntimeSpec() mounts a private /dev, capped /dev/shm, read-only /sys and the /etc files", () => {
  const spec = buildRuntimeSpec({
    ...BASE,
    shmBytes: 1 << 20,
    sysfsSource: "/pods/1/sys",
    etcFiles: { hosts: "/p/hosts", hostname: "/p/hostname", resolvConf: "/p/resolv.conf" },
    volumes: [{ source: "/data/v", destination: "/mnt/v", readOnly: true }],
  });
  const by = new Map(spec.mounts.map((m) => [m.destination, m]));
  assert.equal(by.get("/proc")?.type, "proc");
  assert.equal(by.get("/dev")?.type, "tmpfs");
  assert.deepEqual(by.get("/dev/pts")?.options, [
    "nosuid",
    "noexec",
    "newinstance",
    "ptmxmode=0666",
    "mode=0620",
    "gid=5",
  ]);
  assert.ok(by.get("/dev/shm")?.options?.includes(`size=${1 << 20}`));
  assert.equal(by.get("/dev/mqueue")?.type, "mqueue");
  assert.deepEqual(by.get("/sys"), {
    destination: "/sys",
    type: "bind",
    source: "/pods/1/sys",
    options: ["rbind", "rprivate", "ro", "nosuid", "noexec", "nodev"],
  });
  assert.ok(by.get("/sys/fs/cgroup")?.options?.includes("ro"));
  assert.equal(by.get("/etc/hosts")?.source, "/p/hosts");
  assert.equal(by.get("/etc/hostname")?.source, "/p/hostname");
  assert.equal(by.get("/etc/resolv.conf")?.source, "/p/resolv.conf");
  assert.ok(by.get("/mnt/v")?.options?.includes("ro"));
  // /sys precedes the cgroup mount below it.
  const order = spec.mounts.map((m) => m.destination);
  assert.ok(order.indexOf("/sys") < order.indexOf("/sys/fs/cgroup"));
  // Default /dev/shm: 64 MiB; no sysfs source: a fresh sysfs.
  const plain = buildRuntimeSpec(BASE);
  const shm = plain.mounts.find((m) => m.destination === "/dev/shm");
  assert.ok(shm?.options?.includes(`size=${64 * 1024 * 1024}`));
  assert.equal(plain.mounts.find((m) => m.destination === "/sys")?.type, "sysfs");
});

Deno.test("buildRuntimeSpec() masks and write-protects the OCI default paths", () => {
  const spec = buildRuntimeSpec(BASE);
  for (const p of ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"]) {
    assert.ok(spec.linux.maskedPaths.includes(p), p);
  }
  assert.deepEqual(spec.linux.maskedPaths, [...MASKED_PATHS]);
  assert.deepEqual(spec.linux.readonlyPaths, [...READONLY_PATHS]);
  assert.ok(spec.linux.readonlyPaths.includes("/proc/sys"));
});

Deno.test("buildRuntimeSpec() turns limits into cgroup resources and denies devices by default", () => {
  const spec = buildRuntimeSpec({
    ...BASE,
    memoryBytes: 512 << 20,
    cpuMillis: 1500,
    pidsLimit: 256,
  });
  const r = spec.linux.resources;
  assert.deepEqual(r.memory, { limit: 512 << 20 });
  assert.deepEqual(r.cpu, { shares: 1536, quota: 150000, period: 100000 });
  assert.deepEqual(r.pids, { limit: 256 });
  assert.deepEqual(r.devices[0], { allow: false, access: "rwm" });
  assert.deepEqual(r.devices, [...DEVICE_RULES]);
  const unlimited = buildRuntimeSpec(BASE).linux.resources;
  assert.equal(unlimited.memory, undefined);
  assert.equal(unlimited.cpu, undefined);
  assert.equal(unlimited.pids, undefined);
});

Deno.test("cpuShares() and cpuQuota() follow the kubelet's conversion with its minimums", () => {
  assert.equal(cpuShares(1000), 1024);
  assert.equal(cpuShares(1), 2);
  assert.equal(cpuQuota(250), 25000);
  assert.equal(cpuQuota(1), 1000);
});

Deno.test("buildRuntimeSpec() carries our seccomp profile unless told otherwise", () => {
  const spec = buildRuntimeSpec(BASE);
  assert.equal(spec.linux.seccomp?.defaultAction, "SCMP_ACT_ALLOW");
  assert.ok(spec.linux.seccomp?.syscalls[0]?.names.includes("mount"));
  assert.equal(buildRuntimeSpec({ ...BASE, seccomp: null }).linux.seccomp, undefined);
});

Deno.test("buildRuntimeSpec() refuses bad limits, relative paths and an empty command", () => {
  assert.throws(() => buildRuntimeSpec({ ...BASE, memoryBytes: 0 }), RangeError);
  assert.throws(() => buildRuntimeSpec({ ...BASE, pidsLimit: 1.5 }), RangeError);
  assert.throws(() => buildRuntimeSpec({ ...BASE, rootfs: "rootfs" }), RangeError);
  assert.throws(() => buildRuntimeSpec({ ...BASE, cgroupsPath: "x" }), RangeError);
  assert.throws(() => buildRuntimeSpec({ ...BASE, args: [] }), RangeError);
  assert.throws(
    () => buildRuntimeSpec({ ...BASE, volumes: [{ source: "rel", destination: "/x" }] }),
    RangeError,
  );
});

Deno.test("buildRuntimeSpec() is pure: the same input, the same JSON", () => {
  assert.equal(JSON.stringify(buildRuntimeSpec(BASE)), JSON.stringify(buildRuntimeSpec(BASE)));
});
