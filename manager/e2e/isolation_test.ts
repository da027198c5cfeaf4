/**
 * Sandboxes hold untrusted code: every attack of issue 9, tried through `deno task dev` with the
 * published SDK the way a user's agent would try it, fails the way a real container under runc
 * makes it fail. Each attack has a positive control beside it (the same request that must work),
 * so that a test cannot pass because nothing ran.
 *
 * Network traffic goes only to the pods' own addresses, to the node bridge's gateway address, to
 * loopback, and to an address inside a network namespace this test creates (standing for the
 * internet, with an `unreachable` guard route so nothing can follow the default route).
 */
import assert from "node:assert/strict";
import { CommandExitError, Sandbox } from "e2b";
import { Sandbox as CodeSandbox } from "@e2b/code-interpreter";
import { type DevUnderTest, eventually, prepareDataDir, startDev } from "./dev_harness.ts";

const TEMPLATES = new URL("./isolation_templates", import.meta.url).pathname;
/** The node prefix and bridge dev_harness gives dev. */
const BRIDGE = "kad0";
const IPAM_DIR = "/run/kruise-agents/cni/networks/kad-pods";
/** "The internet": a namespace of ours at an address outside every range the node blocks. */
const OUTSIDE = { ns: "kadout", net: "192.88.99.0/24", host: "192.88.99.1", far: "192.88.99.2" };

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd` in `sbx`, returning its result whatever the exit code. */
async function run(sbx: Sandbox, cmd: string, user?: "root" | "user"): Promise<Run> {
  try {
    const r = await sbx.commands.run(cmd, { ...(user ? { user } : {}), timeoutMs: 120_000 });
    return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  } catch (error) {
    if (error instanceof CommandExitError) {
      return { exitCode: error.exitCode, stdout: error.stdout, stderr: error.stderr };
    }
    throw error;
  }
}

async function host(cmd: string): Promise<string> {
  const out = await new Deno.Command("sh", { args: ["-c", cmd], stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${cmd}: ${text}`);
  return text;
}

/** The sandbox's pod IP, as it sees itself. */
async function podIp(sbx: Sandbox): Promise<string> {
  const r = await run(sbx, "hostname -I");
  const ip = r.stdout.trim().split(/\s+/)[0] ?? "";
  assert.match(ip, /^10\.216\.0\.\d+$/, `pod IP: ${r.stdout} ${r.stderr}`);
  return ip;
}

/** `curl` from inside a sandbox, with a short timeout: true when it got an HTTP answer. */
async function reaches(sbx: Sandbox, url: string): Promise<boolean> {
  const r = await run(sbx, `curl -sS -m 3 -o /dev/null -w '%{http_code}' ${url}`);
  return r.exitCode === 0;
}

async function gatewayIp(): Promise<string> {
  const m = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(await host(`ip -4 addr show dev ${BRIDGE}`));
  assert.ok(m, "the node bridge has no address");
  return m[1]!;
}

/** REST create, to see the tokens the SDK keeps to itself. */
async function createRaw(
  dev: DevUnderTest,
  body: Record<string, unknown>,
): Promise<{ sandboxID: string; envdAccessToken: string; trafficAccessToken?: string }> {
  const res = await fetch(`${dev.env.E2B_API_URL}/sandboxes`, {
    method: "POST",
    headers: { "x-api-key": dev.env.E2B_API_KEY!, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return await res.json();
}

/** Through the manager's proxy, by header. */
function viaProxy(
  dev: DevUnderTest,
  sandboxId: string,
  port: number,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("e2b-sandbox-id", sandboxId);
  headers.set("e2b-sandbox-port", String(port));
  return fetch(`${dev.env.E2B_SANDBOX_URL}${path}`, { ...init, headers });
}

/** Every pod address the node's IPAM handed out (warm and claimed sandboxes alike). */
async function allPodIps(): Promise<string[]> {
  const ips: string[] = [];
  for await (const e of Deno.readDir(IPAM_DIR)) {
    if (/^\d+\.\d+\.\d+\.\d+$/.test(e.name)) ips.push(e.name);
  }
  return ips;
}

/** A namespace at {@linkcode OUTSIDE} with a web server answering "outside". */
async function withOutside(fn: () => Promise<void>): Promise<void> {
  const guard = `unreachable ${OUTSIDE.net} metric 4000`;
  const www = await Deno.makeTempDir();
  await Deno.writeTextFile(`${www}/index.html`, "outside\n");
  await host(`ip netns add ${OUTSIDE.ns}`);
  let server: Deno.ChildProcess | undefined;
  try {
    await host(`ip route add ${guard}`);
    await host([
      `ip link add kado-h type veth peer name kado-n netns ${OUTSIDE.ns}`,
      `ip addr add ${OUTSIDE.host}/24 dev kado-h`,
      `ip link set kado-h up`,
      `ip -n ${OUTSIDE.ns} addr add ${OUTSIDE.far}/24 dev kado-n`,
      `ip -n ${OUTSIDE.ns} link set kado-n up`,
      `ip -n ${OUTSIDE.ns} link set lo up`,
      `ip -n ${OUTSIDE.ns} route add default via ${OUTSIDE.host}`,
    ].join(" && "));
    assert.match(await host(`ip route get ${OUTSIDE.far}`), /dev kado-h/, "unsafe route");
    server = new Deno.Command("ip", {
      args: ["netns", "exec", OUTSIDE.ns, "busybox", "httpd", "-f", "-p", "80", "-h", www],
      stdout: "null",
      stderr: "null",
    }).spawn();
    assert.ok(
      await eventually(
        async () => (await fetch(`http://${OUTSIDE.far}/`).then((r) => r.text())) === "outside\n",
        10_000,
      ),
      "the outside server never answered",
    );
    await fn();
  } finally {
    try {
      server?.kill("SIGKILL");
    } catch { /* gone */ }
    await server?.status;
    await host(`ip link delete kado-h`).catch(() => {});
    await host(`ip netns delete ${OUTSIDE.ns}`).catch(() => {});
    await host(`ip route delete ${guard}`).catch(() => {});
    await Deno.remove(www, { recursive: true });
  }
}

Deno.test("isolation: every attack on a sandbox fails as a real container makes it fail", async (t) => {
  const dataDir = await Deno.makeTempDir({ prefix: "ka-isolation-" });
  await prepareDataDir(dataDir);
  const marker = `/tmp/ka-host-marker-${crypto.randomUUID()}`;
  await Deno.writeTextFile(marker, "host only\n");
  // A host process with a unique command line, for the /proc check.
  const sleeper = new Deno.Command("sleep", { args: [`3600.${Date.now() % 1_000_000}`] }).spawn();
  const sleeperArg = (await Deno.readTextFile(`/proc/${sleeper.pid}/cmdline`)).split("\0")[1]!;
  // A pattern that matches the sleeper's command line but not its own (grep's, the shell's).
  const sleeperPattern = sleeperArg.replace(".", "[.]");
  await using dev = await startDev(dataDir, { killSandboxesOnExit: true, templates: TEMPLATES });
  const opts = { ...dev.sdkOptions, timeoutMs: 600_000 };
  const sandboxes: Sandbox[] = [];
  const create = async (template: string, more: Record<string, unknown> = {}) => {
    const sbx = await Sandbox.create(template, { ...opts, ...more });
    sandboxes.push(sbx);
    return sbx;
  };
  try {
    const a = await create("base");
    const b = await create("base");
    const [ipA, ipB] = [await podIp(a), await podIp(b)];
    assert.notEqual(ipA, ipB);

    await t.step("remount, chroot escape, host /proc and the data directory", async () => {
      // Positive control: root inside works, and writes anywhere land in the pod's own layer.
      const who = await run(a, "sudo id -u && echo inside | sudo tee /escape-test >/dev/null");
      assert.equal(who.exitCode, 0, who.stderr);
      assert.equal(who.stdout.trim(), "0");
      await assert.rejects(Deno.stat("/escape-test"), Deno.errors.NotFound);
      // No CAP_SYS_ADMIN: the remount of issue 9, a new proc and a new mount namespace fail.
      for (
        const cmd of ["mount -o remount,bind,rw /", "mount -t proc proc /mnt", "unshare -m true"]
      ) {
        const r = await run(a, `sudo ${cmd}`);
        assert.notEqual(r.exitCode, 0, `${cmd} worked: ${r.stdout}`);
        assert.match(r.stderr, /permission denied|not permitted/i, cmd);
      }
      // The classic chroot escape (CAP_SYS_CHROOT is an OCI default) ends at the pod's root.
      const escape = await run(
        a,
        `sudo python3 -c '
import os
os.makedirs("/tmp/jail", exist_ok=True)
fd = os.open("/", os.O_RDONLY)
os.chroot("/tmp/jail")
os.fchdir(fd)
for _ in range(64): os.chdir("..")
os.chroot(".")
print(os.path.exists("/escape-test"), os.path.exists("${marker}"), os.path.exists("${dataDir}"))
'`,
      );
      assert.equal(escape.exitCode, 0, escape.stderr);
      assert.equal(escape.stdout.trim(), "True False False");
      // Nothing of the host's is visible: its files, its data directory, its processes.
      const look = await run(
        a,
        `test -e ${marker}; echo $?; sudo test -e ${dataDir}/keys.yaml; echo $?; ` +
          `sudo grep -l '${sleeperPattern}' /proc/[0-9]*/cmdline 2>/dev/null | wc -l; ` +
          `ls /proc | grep -c '^[0-9]'`,
      );
      const [markerSeen, dataSeen, sleeperSeen, processes] = look.stdout.trim().split("\n");
      assert.equal(markerSeen, "1");
      assert.equal(dataSeen, "1");
      assert.equal(sleeperSeen, "0");
      assert.ok(Number(processes) < 50, `${processes} processes visible`);
      // /proc/sys and /sys are read-only.
      const sysrq = await run(a, "echo 1 | sudo tee /proc/sys/kernel/sysrq");
      assert.notEqual(sysrq.exitCode, 0);
    });

    await t.step("reaching the manager, another sandbox or a host port", async () => {
      const gateway = await gatewayIp();
      await using hostService = Deno.serve(
        { hostname: gateway, port: 0, onListen() {} },
        () => new Response("host service"),
      );
      const served = await a.commands.run(
        "cd /tmp && python3 -m http.server 8765 --bind 0.0.0.0",
        { background: true },
      );
      try {
        // Positive controls: the host reaches A's server directly and through A's own URL, the
        // host service answers on the gateway address, and A reaches its own server.
        assert.ok(
          await eventually(async () => (await fetch(`http://${ipA}:8765/`)).ok, 10_000),
          "A's server never answered the host",
        );
        assert.equal((await viaProxy(dev, a.sandboxId, 8765, "/")).status, 200);
        assert.equal(
          await (await fetch(`http://${gateway}:${hostService.addr.port}/`)).text(),
          "host service",
        );
        assert.ok(await reaches(a, "http://127.0.0.1:8765/"));
        const apiPort = new URL(dev.env.E2B_API_URL!).port;
        const proxyPort = new URL(dev.env.E2B_SANDBOX_URL!).port;
        const blocked: [string, string][] = [
          ["another sandbox's server", `http://${ipA}:8765/`],
          ["another sandbox's envd", `http://${ipA}:49983/health`],
          ["a host service on the gateway", `http://${gateway}:${hostService.addr.port}/`],
          ["the manager on loopback", `http://127.0.0.1:${apiPort}/health`],
          ["the manager on the gateway", `http://${gateway}:${apiPort}/health`],
          ["the proxy on the gateway", `http://${gateway}:${proxyPort}/`],
        ];
        for (const [what, url] of blocked) {
          assert.equal(await reaches(b, url), false, `B reached ${what} (${url})`);
        }
        // A's server does not answer on B's public URL.
        const other = await viaProxy(dev, b.sandboxId, 8765, "/");
        assert.notEqual(other.status, 200);
        await other.body?.cancel();
      } finally {
        await served.kill();
      }
    });

    await t.step("pre-claim planting and /init squatting", async () => {
      const ips = await allPodIps();
      assert.ok(ips.length >= 3, `pods: ${ips}`); // a, b and the warm ones
      for (const ip of ips) {
        // Positive control: envd answers its health check.
        assert.ok((await fetch(`http://${ip}:49983/health`)).status < 300, ip);
        const squat = await fetch(`http://${ip}:49983/init`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            accessToken: "squatter",
            envVars: { BASH_ENV: "/tmp/planted" },
          }),
        });
        assert.equal(squat.status, 401, `${ip} /init: ${await squat.text()}`);
        const plant = await fetch(`http://${ip}:49983/files?path=/tmp/planted&username=root`, {
          method: "POST",
          body: (() => {
            const f = new FormData();
            f.append("file", new Blob(["echo planted"]), "planted");
            return f;
          })(),
        });
        assert.equal(plant.status, 401, `${ip} upload: ${await plant.text()}`);
        const start = await fetch(`http://${ip}:49983/process.Process/Start`, {
          method: "POST",
          headers: { "content-type": "application/json", "connect-protocol-version": "1" },
          body: JSON.stringify({ process: { cmd: "/bin/sh", args: ["-c", "touch /tmp/planted"] } }),
        });
        assert.ok([401, 415].includes(start.status), `${ip} Start: ${start.status}`);
        await start.body?.cancel();
      }
      // A sandbox claimed now is clean and works.
      const fresh = await create("base");
      const r = await run(fresh, 'test -e /tmp/planted; echo $? "[$BASH_ENV]"');
      assert.equal(r.stdout.trim(), "1 []");
    });

    await t.step("49999 without a token, kernels and files as the sandbox's user", async () => {
      const raw = await createRaw(dev, { templateID: "code-interpreter", timeout: 600 });
      const ci = await CodeSandbox.connect(raw.sandboxID, opts);
      sandboxes.push(ci);
      const ip = await podIp(ci);
      const execute = (
        base: (path: string, init: RequestInit) => Promise<Response>,
        token?: string,
      ) =>
        base("/execute", {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(token ? { "x-access-token": token } : {}),
          },
          body: JSON.stringify({ code: "import os; print(os.getuid(), os.getgid())" }),
        });
      const direct = (path: string, init: RequestInit) => fetch(`http://${ip}:49999${path}`, init);
      const proxied = (path: string, init: RequestInit) =>
        viaProxy(dev, raw.sandboxID, 49999, path, init);
      for (const [what, base] of [["direct", direct], ["proxy", proxied]] as const) {
        const none = await execute(base);
        assert.equal(none.status, 401, `${what} without a token: ${await none.text()}`);
        const wrong = await execute(base, "not-the-token");
        assert.equal(wrong.status, 401, `${what} with a wrong token`);
        await wrong.body?.cancel();
        const good = await execute(base, raw.envdAccessToken);
        assert.equal(good.status, 200, `${what} with the token`);
        assert.match(await good.text(), /1000 1000/, "the kernel runs as user");
      }
      // The SDK (which sends the token) runs code as user; user cannot read /etc/shadow.
      const shadow = await ci.runCode("open('/etc/shadow').read()");
      assert.equal(shadow.error?.name, "PermissionError");
      // The file APIs act as the requested user, symlinks resolved as that user.
      await assert.rejects(ci.files.read("/etc/shadow", { user: "user" }));
      await ci.files.write("/home/user/link-target", "mine");
      const link = await run(ci, "ln -sf /etc/shadow /home/user/shadow-link", "user");
      assert.equal(link.exitCode, 0, link.stderr);
      await assert.rejects(ci.files.read("/home/user/shadow-link", { user: "user" }));
      assert.match(await ci.files.read("/etc/shadow", { user: "root" }), /^root:/);
      const cat = await run(ci, "cat /etc/shadow", "user");
      assert.notEqual(cat.exitCode, 0);
      assert.match(cat.stderr, /Permission denied/);
      await assert.rejects(ci.files.write("/etc/owned-by-user", "x", { user: "user" }));
      assert.equal(await ci.files.read("/home/user/link-target", { user: "user" }), "mine");
    });

    await t.step(
      "memory over the limit: the command is OOM-killed, the sandbox lives on",
      async () => {
        const lim = await create("limited");
        const oom = await run(lim, `python3 -c "b = b'x' * (600 << 20); print(len(b))"`);
        assert.notEqual(oom.exitCode, 0, `600 MiB fit in a 256 MiB sandbox: ${oom.stdout}`);
        assert.equal(oom.stdout.trim(), "");
        const alive = await run(lim, "echo alive; cat /sys/fs/cgroup/memory/memory.limit_in_bytes");
        assert.equal(alive.exitCode, 0);
        assert.match(alive.stdout, /^alive$/m);
        const info = await lim.getInfo();
        assert.equal(info.state, "running");
        // /dev/shm is capped too (64 MiB).
        const shm = await run(lim, "head -c 100M /dev/zero > /dev/shm/big");
        assert.notEqual(shm.exitCode, 0);
        assert.match(shm.stderr, /No space left/);
      },
    );

    await t.step("a pids limit", async () => {
      const r = await run(
        a,
        `python3 -c '
import subprocess
procs = []
try:
    for i in range(3000):
        procs.append(subprocess.Popen(["sleep", "120"]))
    print("started", len(procs))
except OSError as e:
    print("failed", len(procs), e.errno)
for p in procs: p.kill()
for p in procs: p.wait()
'`,
      );
      const m = /^failed (\d+) 11$/m.exec(r.stdout);
      assert.ok(m, `no EAGAIN: ${r.stdout} ${r.stderr}`);
      assert.ok(Number(m[1]) > 100 && Number(m[1]) < 1024, `forked ${m[1]}`);
      assert.equal((await run(a, "echo alive")).stdout, "alive\n");
    });

    await t.step("escaping pause: every process is frozen, however it was started", async () => {
      const loop = (file: string) => `while :; do date +%s%3N >> ${file}; sleep 0.05; done`;
      // A daemon in its own session, and (when the kernel lets it) a child in its own PID
      // namespace: the two ways out of one process tree or one PID namespace.
      await run(a, `setsid -f sh -c '${loop("/tmp/ticks-setsid")}' >/dev/null 2>&1`);
      const unshared = await run(
        a,
        `sudo unshare --pid --fork sh -c '${
          loop("/tmp/ticks-unshare")
        }' >/dev/null 2>&1 & sleep 1; ` +
          `test -s /tmp/ticks-unshare && echo running || echo refused`,
      );
      assert.ok(
        await eventually(
          async () => (await run(a, "test -s /tmp/ticks-setsid")).exitCode === 0,
          5000,
        ),
      );
      assert.equal(await a.pause(), true);
      const frozenAt = Date.now();
      await new Promise((r) => setTimeout(r, 2000));
      const thawAt = Date.now();
      await a.connect();
      await new Promise((r) => setTimeout(r, 500));
      for (
        const file of [
          "/tmp/ticks-setsid",
          ...(unshared.stdout.includes("running") ? ["/tmp/ticks-unshare"] : []),
        ]
      ) {
        const ticks = (await a.files.read(file)).trim().split("\n").map(Number);
        const during = ticks.filter((x) => x > frozenAt && x < thawAt);
        assert.deepEqual(during, [], `${file} ticked while paused`);
        assert.ok(ticks.some((x) => x >= thawAt), `${file} did not resume`);
      }
      await run(a, "pkill -f ticks- || true");
      await run(a, "sudo pkill -f ticks- || true");
    });

    await t.step("egress: allow_internet_access and network rules", async () => {
      await withOutside(async () => {
        const cases: [string, Record<string, unknown>, boolean][] = [
          ["default", {}, true],
          ["allowInternetAccess: false", { allowInternetAccess: false }, false],
          ["denyOut the address", { network: { denyOut: [`${OUTSIDE.far}/32`] } }, false],
          ["denyOut all, allowOut the address", {
            network: { denyOut: ["0.0.0.0/0"], allowOut: [OUTSIDE.far] },
          }, true],
        ];
        for (const [what, more, reachable] of cases) {
          const sbx = await create("base", more);
          assert.equal(await reaches(sbx, `http://${OUTSIDE.far}/`), reachable, what);
          const info = await sbx.getInfo();
          if ("allowInternetAccess" in more) assert.equal(info.allowInternetAccess, false, what);
          await sbx.kill();
        }
      });
    });

    await t.step("other ports: the traffic access token of a non-public sandbox", async () => {
      const raw = await createRaw(dev, {
        templateID: "base",
        timeout: 600,
        network: { allowPublicTraffic: false },
      });
      assert.ok(raw.trafficAccessToken, "no traffic token");
      const sbx = await Sandbox.connect(raw.sandboxID, opts);
      sandboxes.push(sbx);
      const served = await sbx.commands.run("cd /tmp && python3 -m http.server 8766", {
        background: true,
      });
      try {
        const ip = await podIp(sbx);
        assert.ok(await eventually(async () => (await fetch(`http://${ip}:8766/`)).ok, 10_000));
        const without = await viaProxy(dev, raw.sandboxID, 8766, "/");
        assert.ok([401, 403].includes(without.status), `without: ${without.status}`);
        await without.body?.cancel();
        const withToken = await viaProxy(dev, raw.sandboxID, 8766, "/", {
          headers: { "e2b-traffic-access-token": raw.trafficAccessToken },
        });
        assert.equal(withToken.status, 200);
        await withToken.body?.cancel();
      } finally {
        await served.kill();
      }
    });
  } finally {
    for (const sbx of sandboxes) await sbx.kill().catch(() => {});
    sleeper.kill();
    await sleeper.status;
    await Deno.remove(marker);
    await dev.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
