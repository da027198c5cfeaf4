import assert from "node:assert/strict";
import {
  createNetns,
  deleteNetns,
  listNetns,
  mountNetnsSysfs,
  netnsPath,
  POD_NETNS_SYSCTLS,
} from "./netns.ts";
import { mountsUnder, unmountAll } from "./rootfs.ts";
import { runCommand } from "./_command.ts";
import { tempDir, TEST_PREFIX } from "./_test_support.ts";

async function inNetns(name: string, script: string): Promise<string> {
  const out = await runCommand("nsenter", [
    `--net=${netnsPath(name)}`,
    "--",
    "/bin/sh",
    "-c",
    script,
  ]);
  assert.equal(out.code, 0, out.stderr);
  return out.stdout.trim();
}

Deno.test("createNetns() makes a named namespace with the pod sysctls; deleteNetns() removes it", async () => {
  const name = `${TEST_PREFIX}-nstest-${Date.now() % 100000}`;
  await using tmp = await tempDir();
  try {
    await createNetns(name);
    await createNetns(name); // idempotent
    assert.ok((await listNetns(`${TEST_PREFIX}-nstest`)).includes(name));
    for (const [key, value] of Object.entries(POD_NETNS_SYSCTLS)) {
      assert.equal(await inNetns(name, `cat /proc/sys/${key}`), value.replace(" ", "\t"), key);
    }
    // Not the host's namespace, and only a loopback in it.
    assert.notEqual(
      (await Deno.stat(netnsPath(name))).ino,
      (await Deno.stat("/proc/self/ns/net")).ino,
    );
    // The sysfs mounted from inside shows that namespace's devices, not the host's.
    await mountNetnsSysfs(name, `${tmp.path}/sys`);
    const devices = (await Array.fromAsync(Deno.readDir(`${tmp.path}/sys/class/net`))).map((e) =>
      e.name
    );
    assert.deepEqual(devices, ["lo"]);
  } finally {
    await unmountAll(tmp.path);
    await deleteNetns(name);
  }
  assert.deepEqual(await mountsUnder(tmp.path), []);
  assert.ok(!(await listNetns(name)).includes(name));
  await deleteNetns(name); // idempotent
});

Deno.test("createNetns() refuses names ip would misread", async () => {
  await assert.rejects(createNetns("../etc"), RangeError);
  await assert.rejects(createNetns("a b"), RangeError);
});
