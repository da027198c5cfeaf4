import assert from "node:assert/strict";
import {
  hostsFile,
  mountPodRootfs,
  mountsUnder,
  overlayOptions,
  parseMountinfo,
  podNameservers,
  podPaths,
  resolvConf,
  unmountAll,
  writeEtcFiles,
} from "./rootfs.ts";
import { tempDir } from "./_test_support.ts";

Deno.test("podPaths() lays the pod directory out", () => {
  const p = podPaths("/pods/a");
  assert.equal(p.rootfs, "/pods/a/bundle/rootfs");
  assert.equal(p.upper, "/pods/a/upper");
  assert.equal(p.etc.resolvConf, "/pods/a/etc/resolv.conf");
  assert.equal(p.sys, "/pods/a/sys");
});

Deno.test("overlayOptions() refuses paths overlayfs would split", () => {
  assert.equal(
    overlayOptions("/img/rootfs", podPaths("/pods/a")),
    "lowerdir=/img/rootfs,upperdir=/pods/a/upper,workdir=/pods/a/work,index=off",
  );
  assert.throws(() => overlayOptions("/img:x", podPaths("/pods/a")), RangeError);
  assert.throws(() => overlayOptions("/img", podPaths("/pods/a,b")), RangeError);
});

Deno.test("parseMountinfo() undoes octal escapes", () => {
  const text = "36 35 98:0 / /mnt/a\\040b rw,noatime master:1 - ext3 /dev/root rw\n" +
    "37 35 0:1 / /proc rw - proc proc rw\n";
  assert.deepEqual(parseMountinfo(text), [
    { mountPoint: "/mnt/a b", fsType: "ext3", superOptions: "rw" },
    { mountPoint: "/proc", fsType: "proc", superOptions: "rw" },
  ]);
});

Deno.test("hostsFile() and resolvConf() write what the kubelet writes", () => {
  const inputs = {
    hostname: "sbx",
    ip: "10.213.0.5",
    nameservers: ["192.0.2.53"],
    searches: ["svc.local"],
    options: ["ndots:2"],
    hostAliases: [{ ip: "10.0.0.1", hostnames: ["a", "b"] }],
  };
  const hosts = hostsFile(inputs);
  assert.match(hosts, /^127\.0\.0\.1\tlocalhost$/m);
  assert.match(hosts, /^10\.213\.0\.5\tsbx$/m);
  assert.match(hosts, /^10\.0\.0\.1\ta b$/m);
  assert.equal(resolvConf(inputs), "nameserver 192.0.2.53\nsearch svc.local\noptions ndots:2\n");
  assert.equal(resolvConf({ ...inputs, nameservers: [], searches: [], options: [] }), "");
});

Deno.test("podNameservers() drops loopback resolvers a pod cannot reach", () => {
  const text =
    "# c\nnameserver 127.0.0.53\nnameserver 10.255.255.53\nnameserver ::1\noptions edns0\n";
  assert.deepEqual(podNameservers(text), ["10.255.255.53"]);
});

Deno.test("mountPodRootfs() overlays the image with a pod-owned upper layer; unmountAll() undoes it", async () => {
  await using tmp = await tempDir();
  const lower = `${tmp.path}/lower`;
  await Deno.mkdir(`${lower}/etc`, { recursive: true });
  await Deno.writeTextFile(`${lower}/etc/image-file`, "from the image\n");
  const dir = `${tmp.path}/pod`;
  try {
    const paths = await mountPodRootfs(lower, dir);
    // Idempotent: a second call finds the mount.
    await mountPodRootfs(lower, dir);
    const mounts = await mountsUnder(dir);
    assert.deepEqual(mounts.map((m) => [m.mountPoint, m.fsType]), [[paths.rootfs, "overlay"]]);
    assert.match(mounts[0]?.superOptions ?? "", new RegExp(`lowerdir=${lower}[,:]`));
    assert.equal(await Deno.readTextFile(`${paths.rootfs}/etc/image-file`), "from the image\n");
    assert.equal((await Deno.stat(paths.rootfs)).uid, 100000);
    // Writes land in the pod's upper layer, never in the image.
    await Deno.writeTextFile(`${paths.rootfs}/etc/image-file`, "changed\n");
    assert.equal(await Deno.readTextFile(`${lower}/etc/image-file`), "from the image\n");
    assert.equal(await Deno.readTextFile(`${paths.upper}/etc/image-file`), "changed\n");
    const etc = await writeEtcFiles(dir, { hostname: "p", ip: "10.1.1.1", nameservers: [] });
    const st = await Deno.stat(etc.hosts);
    assert.equal(st.uid, 100000);
    assert.equal((st.mode ?? 0) & 0o777, 0o644);
    assert.equal(await Deno.readTextFile(etc.hostname), "p\n");
  } finally {
    await unmountAll(dir);
  }
  assert.deepEqual(await mountsUnder(dir), []);
  await unmountAll(dir); // nothing to do, no error
});
