/**
 * Real sandboxes: the runtime in its own namespaces on its own loopback address, driven through
 * envd's Connect API. Nothing here is faked.
 */
import assert from "node:assert/strict";
import { ENVD_PORT } from "@kruise-agents/shared/envd/http";
import { sandboxAccount } from "./accounts.ts";
import {
  DEFAULT_RUNTIME_MAIN,
  killSandbox,
  launchSandbox,
  livePids,
  probeHealth,
  removeSandboxDir,
  type SandboxProcesses,
} from "./sandbox_process.ts";
import { freezeNamespace, isFrozen, thawNamespace } from "./freeze.ts";
import { readStat } from "./proc.ts";
import { eventually, run } from "./test_support.ts";

/** A test address unlikely to collide with a running node (which allocates from 127.77.0.1). */
function testIp(): string {
  return `127.77.${200 + Math.floor(Math.random() * 50)}.${1 + Math.floor(Math.random() * 250)}`;
}

interface Started extends AsyncDisposable {
  ip: string;
  dir: string;
  processes: SandboxProcesses;
}

async function start(podsDir: string): Promise<Started> {
  const ip = testIp();
  const dir = `${podsDir}/${crypto.randomUUID()}`;
  const processes = await launchSandbox({
    dir,
    ip,
    interpreter: false,
    account: await sandboxAccount(),
    runtimeMain: DEFAULT_RUNTIME_MAIN,
  });
  return {
    ip,
    dir,
    processes,
    async [Symbol.asyncDispose]() {
      await killSandbox(processes);
      await removeSandboxDir(dir);
    },
  };
}

Deno.test("a sandbox has its own /home/user, /tmp, PID namespace and read-only root; sudo works", async () => {
  const podsDir = await Deno.makeTempDir({ prefix: "local-node-pods-" });
  try {
    await using a = await start(podsDir);
    await using b = await start(podsDir);
    assert.ok(
      await eventually(() => probeHealth(a.ip, ENVD_PORT)),
      "sandbox a never became healthy",
    );
    assert.ok(
      await eventually(() => probeHealth(b.ip, ENVD_PORT)),
      "sandbox b never became healthy",
    );
    // Detached: the supervisor leads a session of its own, so a Ctrl-C to the node's terminal
    // (its process group) does not reach the sandbox.
    const stat = await Deno.readTextFile(`/proc/${a.processes.supervisor.pid}/stat`);
    const session = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[3]);
    assert.equal(session, a.processes.supervisor.pid);
    const res = await fetch(`http://${a.ip}:${ENVD_PORT}/health`);
    await res.body?.cancel();
    assert.equal(res.status, 204);

    const write = await run(
      a.ip,
      "echo secret > /home/user/only-a && echo t > /tmp/only-a && id -un && pwd",
    );
    assert.equal(write.exitCode, 0);
    assert.match(write.stdout, /^user\n\/home\/user\n$/);
    assert.equal((await run(a.ip, "cat /home/user/only-a /tmp/only-a")).stdout, "secret\nt\n");
    const other = await run(b.ip, "ls -A /home/user /tmp; ls " + podsDir);
    assert.doesNotMatch(other.stdout, /only-a/);
    assert.equal(await Deno.readTextFile(`${a.dir}/home/only-a`), "secret\n");
    assert.equal((await Deno.stat(`${a.dir}/home/only-a`)).uid, (await sandboxAccount()).uid);

    // Own PID namespace: only the sandbox's few processes are visible.
    const ps = await run(a.ip, "ls /proc | grep -c '^[0-9]'");
    const visible = Number(ps.stdout.trim());
    assert.ok(visible > 0 && visible < 12, `sandbox sees ${visible} processes`);
    assert.equal((await run(a.ip, "cat /proc/1/comm")).stdout, "bash\n");

    assert.equal((await run(a.ip, "sudo -n id -u")).stdout, "0\n");
    assert.notEqual((await run(a.ip, "touch /etc/local-node-probe", "root")).exitCode, 0);
    assert.equal(
      (await run(a.ip, "deno --version >/dev/null && python3 -c 'print(1)'")).stdout,
      "1\n",
    );
  } finally {
    await Deno.remove(podsDir, { recursive: true });
  }
});

Deno.test("freeze stops every process (the runtime too); thaw resumes them with the same PIDs", async () => {
  const podsDir = await Deno.makeTempDir({ prefix: "local-node-pods-" });
  try {
    await using s = await start(podsDir);
    assert.ok(await eventually(() => probeHealth(s.ip, ENVD_PORT)));
    // A background sleep that outlives the command's shell; its host PID via NSpid.
    const started = await run(s.ip, "setsid sleep 1000 >/dev/null 2>&1 & echo $!");
    const innerPid = Number(started.stdout.trim());
    assert.ok(innerPid > 1);
    let hostPid: number | undefined;
    for (const pid of await livePids(s.processes.pidNamespace)) {
      const status = await Deno.readTextFile(`/proc/${pid}/status`);
      const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/);
      if (nspid?.at(-1) === String(innerPid)) hostPid = pid;
    }
    assert.ok(hostPid !== undefined, "the sleep is not in the sandbox's namespace");
    const before = await readStat(hostPid);

    await freezeNamespace(s.processes.pidNamespace);
    assert.equal(await isFrozen(s.processes.pidNamespace), true);
    assert.equal((await readStat(hostPid))?.state, "T");
    assert.equal(await probeHealth(s.ip, ENVD_PORT), false);

    await thawNamespace(s.processes.pidNamespace);
    assert.equal(await isFrozen(s.processes.pidNamespace), false);
    assert.ok(await eventually(() => probeHealth(s.ip, ENVD_PORT)));
    const after = await readStat(hostPid);
    assert.equal(after?.startTicks, before?.startTicks);
    assert.notEqual(after?.state, "T");
    assert.equal((await run(s.ip, `kill -0 ${innerPid} && echo alive`)).stdout, "alive\n");
  } finally {
    await Deno.remove(podsDir, { recursive: true });
  }
});

Deno.test("killing a sandbox, even a frozen one, leaves no process and removes its directory", async () => {
  const podsDir = await Deno.makeTempDir({ prefix: "local-node-pods-" });
  try {
    const s = await start(podsDir);
    assert.ok(await eventually(() => probeHealth(s.ip, ENVD_PORT)));
    await run(s.ip, "setsid sleep 1000 >/dev/null 2>&1 & nohup sleep 1001 >/dev/null 2>&1 &");
    assert.ok((await livePids(s.processes.pidNamespace)).length >= 4);
    await freezeNamespace(s.processes.pidNamespace);
    await killSandbox(s.processes);
    assert.deepEqual(await livePids(s.processes.pidNamespace), []);
    assert.equal((await readStat(s.processes.supervisor.pid))?.state ?? "Z", "Z");
    await removeSandboxDir(s.dir);
    await assert.rejects(Deno.stat(s.dir), Deno.errors.NotFound);
    assert.equal(await probeHealth(s.ip, ENVD_PORT), false);
  } finally {
    await Deno.remove(podsDir, { recursive: true });
  }
});
