import assert from "node:assert/strict";
import {
  addPodRules,
  BLOCKED_RANGES,
  type IsolationConfig,
  listChains,
  nodeChains,
  nodeRules,
  nodeRules6,
  podChain,
  podRules,
  removeIsolation,
  removePodRules,
  rulesMentioning,
  setupIsolation,
} from "./isolation_rules.ts";
import { runCommand } from "./_command.ts";

const CONFIG: IsolationConfig = {
  chainPrefix: "KAT",
  bridge: "kat0",
  podSubnet: "10.214.0.0/24",
  dnsServers: ["192.0.2.53"],
};

Deno.test("nodeRules() drops pod→host, pod→pod and pod→private, and lets the host's replies back", () => {
  const text = nodeRules(CONFIG);
  const lines = text.split("\n");
  assert.equal(lines[0], "*filter");
  for (
    const rule of [
      "-A KAT-INPUT -i kat0 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
      "-A KAT-INPUT -i kat0 -j DROP",
      "-A KAT-FORWARD -o kat0 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
      "-A KAT-FORWARD -i kat0 -o kat0 -j DROP",
      "-A KAT-FORWARD -i kat0 -j KAT-PODS",
      "-A KAT-FORWARD -i kat0 -j KAT-EGRESS",
      "-A KAT-FORWARD -o kat0 -j DROP",
      "-A KAT-EGRESS -d 192.0.2.53/32 -p udp --dport 53 -j ACCEPT",
      "-A KAT-EGRESS -d 10.0.0.0/8 -j DROP",
      "-A KAT-EGRESS -d 172.16.0.0/12 -j DROP",
      "-A KAT-EGRESS -d 192.168.0.0/16 -j DROP",
      "-A KAT-EGRESS -d 169.254.0.0/16 -j DROP",
      "-A KAT-EGRESS -d 100.64.0.0/10 -j DROP",
      "-A KAT-EGRESS -d 10.214.0.0/24 -j DROP",
    ]
  ) {
    assert.ok(lines.includes(rule), `missing: ${rule}`);
  }
  // Order: established first, the pod-to-pod drop before the per-pod and egress chains, DNS
  // before the blocked ranges, accept last.
  const egress = lines.filter((l) => l.startsWith("-A KAT-EGRESS"));
  assert.match(egress[0] ?? "", /--dport 53/);
  assert.equal(egress.at(-1), "-A KAT-EGRESS -j ACCEPT");
  assert.ok(
    lines.indexOf("-A KAT-FORWARD -i kat0 -o kat0 -j DROP") <
      lines.indexOf("-A KAT-FORWARD -i kat0 -j KAT-PODS"),
  );
  // Every default blocked range is there.
  for (const range of BLOCKED_RANGES) assert.ok(text.includes(`-d ${range} -j DROP`), range);
  // KAT-PODS is not declared (a restore would flush the pods' jumps).
  assert.ok(!text.includes(":KAT-PODS"));
  assert.match(nodeRules6(CONFIG), /-A KAT-FORWARD -i kat0 -j DROP/);
});

Deno.test("podRules() puts allowOut before denyOut and ends with a drop without internet access", () => {
  const rules = podRules(CONFIG, { shortId: "abc123", ip: "10.214.0.9", hostInterface: "veth9" }, {
    allowInternetAccess: false,
    allowOut: ["1.1.1.1", "8.8.8.0/24"],
    denyOut: ["1.0.0.0/8"],
  });
  assert.equal(rules.chain, "KAT-P-abc123");
  assert.deepEqual(rules.restore.split("\n").filter((l) => l.startsWith("-A")), [
    "-A KAT-P-abc123 -d 1.1.1.1/32 -j RETURN",
    "-A KAT-P-abc123 -d 8.8.8.0/24 -j RETURN",
    "-A KAT-P-abc123 -d 1.0.0.0/8 -j DROP",
    "-A KAT-P-abc123 -j DROP",
  ]);
  assert.deepEqual(rules.jumps, [
    ["-m", "physdev", "--physdev-in", "veth9", "!", "-s", "10.214.0.9/32", "-j", "DROP"],
    ["-s", "10.214.0.9/32", "-m", "physdev", "--physdev-in", "veth9", "-j", "KAT-P-abc123"],
  ]);
  const open = podRules(CONFIG, { shortId: "abc123", ip: "10.214.0.9" }, {});
  assert.deepEqual(open.restore.split("\n").filter((l) => l.startsWith("-A")), []);
  assert.throws(
    () => podRules(CONFIG, { shortId: "a", ip: "10.214.0.9" }, { allowOut: ["example.com"] }),
    RangeError,
  );
  assert.throws(
    () => podRules(CONFIG, { shortId: "a", ip: "10.214.0.9" }, { denyOut: ["::/0"] }),
    RangeError,
  );
});

Deno.test("nodeChains() and podChain() keep names inside iptables' limits", () => {
  assert.deepEqual(nodeChains("KA"), {
    input: "KA-INPUT",
    forward: "KA-FORWARD",
    pods: "KA-PODS",
    egress: "KA-EGRESS",
  });
  assert.throws(() => nodeChains("ka"), RangeError);
  assert.equal(podChain("KA", "0123456789ab"), "KA-P-0123456789ab");
  assert.throws(() => podChain("KA", "x".repeat(30)), RangeError);
});

Deno.test("setupIsolation() is idempotent, per-pod rules come and go, removeIsolation() leaves nothing", async () => {
  const count = async () =>
    (await rulesMentioning("KAT-")).length + (await rulesMentioning("KAT-", 6)).length;
  try {
    await setupIsolation(CONFIG);
    const once = await count();
    await setupIsolation(CONFIG);
    assert.equal(await count(), once, "a second set-up added rules");
    assert.equal(
      (await Deno.readTextFile("/proc/sys/net/bridge/bridge-nf-call-iptables")).trim(),
      "1",
    );
    // The jumps sit at the top of INPUT and FORWARD.
    const input = await runCommand("iptables", ["-w", "5", "-S", "INPUT"]);
    assert.match(
      input.stdout.split("\n").filter((l) => l.startsWith("-A"))[0] ?? "",
      /-j KAT-INPUT$/,
    );

    const pod = { shortId: "feed01", ip: "10.214.0.77", hostInterface: "vethfeed01" };
    await addPodRules(CONFIG, pod, { denyOut: ["203.0.113.0/24"] });
    await addPodRules(CONFIG, pod, { denyOut: ["203.0.113.0/24"] }); // replaces, no duplicates
    assert.equal((await rulesMentioning("10.214.0.77")).length, 2);
    assert.equal((await rulesMentioning("-A KAT-P-feed01")).length, 1);
    await removePodRules(CONFIG, pod.shortId);
    await removePodRules(CONFIG, pod.shortId); // idempotent
    assert.deepEqual(await rulesMentioning("10.214.0.77"), []);
    assert.ok(!(await listChains("KAT")).includes("KAT-P-feed01"));
  } finally {
    await removeIsolation(CONFIG);
  }
  assert.deepEqual(await listChains("KAT"), []);
  assert.deepEqual(await listChains("KAT", 6), []);
  assert.equal(await count(), 0);
});
