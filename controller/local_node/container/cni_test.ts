import assert from "node:assert/strict";
import { bridgeNetwork, CniRuntime, LOOPBACK_NETWORK, parseCidr, parseCniResult } from "./cni.ts";
import { CniError } from "./errors.ts";
import { createNetns, deleteNetns, netnsPath } from "./netns.ts";
import { runCommand } from "./_command.ts";
import { tempDir, TEST_PREFIX } from "./_test_support.ts";

Deno.test("bridgeNetwork() is a gateway bridge with masquerade, no hairpin, host-local IPAM", async () => {
  const net = bridgeNetwork({ bridge: "ka0", subnet: "10.213.0.0/16", dataDir: "/d" });
  assert.equal(net.cniVersion, "1.0.0");
  assert.equal(net.name, "kruise-agents");
  // The conflist a kubelet's CNI config would hold: gateway and masquerade on the bridge, no
  // hairpin (a pod cannot reach itself through its service address), host-local IPAM.
  const expected = JSON.parse(
    await Deno.readTextFile(new URL("./testdata/bridge_plugins.json", import.meta.url)),
  );
  assert.deepEqual(net.plugins, expected);
  assert.throws(() => bridgeNetwork({ bridge: "a-very-long-bridge-name" }), RangeError);
  assert.throws(() => bridgeNetwork({ subnet: "10.213.0.0/33" }), RangeError);
});

Deno.test("parseCidr() reads addresses and CIDRs", () => {
  assert.deepEqual(parseCidr("10.0.0.1"), { address: 0x0a000001, prefix: 32 });
  assert.deepEqual(parseCidr("192.168.0.0/16"), { address: 0xc0a80000, prefix: 16 });
  for (const bad of ["256.0.0.1", "10.0.0/8", "::1", "example.com", "1.2.3.4/40"]) {
    assert.throws(() => parseCidr(bad), RangeError, bad);
  }
});

Deno.test("parseCniResult() finds the pod IP, gateway and host veth", () => {
  const result = {
    cniVersion: "1.0.0",
    interfaces: [
      { name: "ka0", mac: "aa" },
      { name: "veth1234", mac: "bb" },
      { name: "eth0", mac: "cc", sandbox: "/run/netns/ka-1" },
    ],
    ips: [{ address: "10.213.0.7/16", gateway: "10.213.0.1", interface: 2 }],
  };
  const a = parseCniResult(result);
  assert.deepEqual(
    { ip: a.ip, prefixLength: a.prefixLength, gateway: a.gateway, hostInterface: a.hostInterface },
    { ip: "10.213.0.7", prefixLength: 16, gateway: "10.213.0.1", hostInterface: "veth1234" },
  );
  assert.equal(a.result, result);
  assert.throws(() => parseCniResult({ ips: [] }), TypeError);
});

Deno.test("CniRuntime ADD/CHECK/DEL attach a namespace to the bridge and release the IP", async () => {
  await using tmp = await tempDir();
  const name = `${TEST_PREFIX}-cnitest`;
  const bridge = `${TEST_PREFIX}c0`;
  const net = bridgeNetwork({
    name: `${TEST_PREFIX}-cnitest`,
    bridge,
    subnet: "10.214.1.0/24",
    dataDir: `${tmp.path}/ipam`,
  });
  const cni = new CniRuntime();
  const rt = { containerId: name, netns: netnsPath(name) };
  try {
    await createNetns(name);
    await cni.add(LOOPBACK_NETWORK, { ...rt, ifName: "lo" });
    const result = await cni.add(net, { ...rt, ifName: "eth0" });
    const a = parseCniResult(result);
    assert.equal(a.gateway, "10.214.1.1");
    assert.match(a.ip, /^10\.214\.1\.\d+$/);
    assert.match(a.hostInterface, /^veth/);
    await cni.check(net, { ...rt, ifName: "eth0" }, result);
    // The address is on eth0 inside, the loopback is up, the default route is the bridge.
    const inside = await runCommand("ip", ["-n", name, "-4", "-o", "addr"]);
    assert.match(inside.stdout, new RegExp(`eth0\\s+inet ${a.ip.replaceAll(".", "\\.")}/24`));
    assert.match(inside.stdout, /lo\s+inet 127\.0\.0\.1/);
    const route = await runCommand("ip", ["-n", name, "route", "show", "default"]);
    assert.match(route.stdout, /default via 10\.214\.1\.1 dev eth0/);
    // host-local recorded the allocation under the container id.
    const ipam = `${tmp.path}/ipam/${TEST_PREFIX}-cnitest`;
    assert.equal((await Deno.readTextFile(`${ipam}/${a.ip}`)).split(/\r?\n/)[0], name);

    await cni.del(net, { ...rt, ifName: "eth0" }, result);
    await cni.del(LOOPBACK_NETWORK, { ...rt, ifName: "lo" });
    await assert.rejects(Deno.stat(`${ipam}/${a.ip}`), Deno.errors.NotFound);
    // DEL again (after a crash the node cannot know it ran) is fine.
    await cni.del(net, { ...rt, ifName: "eth0" }, result);
    // CHECK after DEL fails with the plugin's own message.
    const err = await cni.check(net, { ...rt, ifName: "eth0" }, result).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(err instanceof CniError, String(err));
    assert.equal(err.command, "CHECK");
  } finally {
    await deleteNetns(name);
    await runCommand("ip", ["link", "delete", bridge]);
  }
  const nat = await runCommand("iptables", ["-w", "5", "-t", "nat", "-S"]);
  assert.ok(!nat.stdout.includes(name), "masquerade rules left");
});

Deno.test("CniRuntime names a missing plugin", async () => {
  const cni = new CniRuntime({ pluginDirs: ["/nonexistent"] });
  const err = await cni.add(LOOPBACK_NETWORK, { containerId: "x", netns: "/x", ifName: "lo" })
    .then(() => undefined, (e) => e);
  assert.ok(err instanceof CniError);
  assert.match(err.message, /loopback.*not in \/nonexistent/);
});
