/**
 * The container runner's end-to-end test kit: a node over a fresh busybox image layout torn down
 * afterwards, a pod started and answering, shell and HTTP probes from inside a pod, and the
 * "nothing left after stop" contract.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { ContainerNode } from "./container_node.ts";
import { prepareNode } from "./prepare_node.ts";
import type { ContainerRecord } from "./container_types.ts";
import { cgroupDirs } from "./cgroups.ts";
import { rulesMentioning } from "./isolation_rules.ts";
import { mountsUnder } from "./rootfs.ts";
import { runCommand } from "./_command.ts";
import {
  buildTestImage,
  eventually,
  podShell,
  tempDir,
  TEST_IMAGE,
  testNodeConfig,
} from "./_test_support.ts";

/** Runs a host shell script; its stdout, or an error with its stderr. */
export async function sh(script: string): Promise<string> {
  const out = await runCommand("/bin/sh", ["-c", script]);
  if (out.code !== 0) throw new Error(`${script}: ${out.stderr}`);
  return out.stdout;
}

/**
 * An HTTP GET from inside a pod with busybox `nc` (busybox's static `wget` crashes without the
 * glibc NSS libraries the test image lacks): the pod's output holds the response, or the exit
 * status is non-zero when the connection fails within 2 s.
 */
export function httpGetScript(host: string, port: number | string, path = "/index.html"): string {
  return `printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${host} ${port}`;
}

/** `/proc/PID/status` as fields. */
export async function readStatus(pid: number): Promise<Record<string, string>> {
  const fields: Record<string, string> = {};
  for (const line of (await Deno.readTextFile(`/proc/${pid}/status`)).split("\n")) {
    const i = line.indexOf(":");
    if (i > 0) fields[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return fields;
}

/** Asserts the node has nothing of `record` left: the whole "after stop" contract. */
export async function assertNothingLeft(
  node: ContainerNode,
  record: ContainerRecord,
  pids: number[],
): Promise<void> {
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

/** What a test gets from {@linkcode withNode}. */
export interface Fixture {
  node: ContainerNode;
  dir: string;
  layout: string;
}

/** Prepares a test node over a fresh busybox image layout; tears it all down afterwards. */
export async function withNode(fn: (f: Fixture) => Promise<void>): Promise<void> {
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

/** Starts pod `name` (busybox) and waits until its agent answers. */
export async function start(
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
