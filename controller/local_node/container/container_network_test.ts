/**
 * The pod network of the container runner for real: pods reach neither each other nor the host,
 * the host reaches them, and per-pod egress rules decide what leaves. Traffic goes only to
 * addresses inside network namespaces the tests create.
 */
import assert from "node:assert/strict";
import { runCommand } from "./_command.ts";
import type { ContainerInput, ContainerRecord } from "./container_types.ts";
import { rulesMentioning } from "./isolation_rules.ts";
import { assertNothingLeft, httpGetScript, sh, start, withNode } from "./_node_test_kit.ts";
import { eventually, podShell, TEST_IMAGE, TEST_OUTSIDE, TEST_PREFIX } from "./_test_support.ts";

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
      const cases: [string, ContainerInput["egress"], boolean][] = [
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
