import assert from "node:assert/strict";
import { parseRuncState, Runc, runcLogErrors } from "./runc.ts";
import { ContainerError, RuncError } from "./errors.ts";
import { buildRuntimeSpec } from "./runtime_spec.ts";
import { createNetns, deleteNetns, mountNetnsSysfs } from "./netns.ts";
import { ImageStore } from "./image_store.ts";
import { mountPodRootfs, unmountAll } from "./rootfs.ts";
import {
  buildTestImage,
  eventually,
  removeTestCgroupParent,
  tempDir,
  TEST_IMAGE,
  TEST_PREFIX,
} from "./_test_support.ts";
import type { CommandRunner } from "./_command.ts";

Deno.test("parseRuncState() reads runc's JSON and refuses what is not a state", () => {
  const raw = {
    ociVersion: "1.0.2-dev",
    id: "ka-1",
    pid: 42,
    status: "running",
    bundle: "/b",
    rootfs: "/b/rootfs",
    created: "2026-01-01T00:00:00Z",
    annotations: { a: "1", n: 2 },
  };
  const { ociVersion: _, ...kept } = raw;
  // Everything but the OCI version, and only the string-valued annotations.
  assert.deepEqual(parseRuncState(raw), { ...kept, annotations: { a: "1" } });
  assert.throws(() => parseRuncState({ id: "x", status: "dancing" }), TypeError);
  assert.throws(() => parseRuncState(null), TypeError);
});

Deno.test("runcLogErrors() picks runc's error lines out of its JSON log", () => {
  const log =
    `{"level":"info","msg":"x"}\n{"level":"error","msg":"runc create failed: boom"}\nnot json\n`;
  assert.deepEqual(runcLogErrors(log), ["runc create failed: boom", "not json"]);
});

Deno.test("RuncError says 'ContainerNotFound' for runc's 'container does not exist'", () => {
  const e = new RuncError(
    ["state", "x"],
    1,
    'time="..." level=error msg="container does not exist"\n',
  );
  assert.ok(e instanceof ContainerError);
  assert.equal(e.code, "ContainerNotFound");
  assert.match(e.message, /^Cannot run 'runc state x': exit 1: .*container does not exist/);
  assert.equal(new RuncError(["start", "x"], 1, "other").code, "RuncFailed");
});

Deno.test("Runc uses its own --root on every call", async () => {
  const calls: string[][] = [];
  const fake: CommandRunner = (program, args) => {
    calls.push([program, ...args]);
    return Promise.resolve({ code: 0, stdout: "null", stderr: "" });
  };
  const runc = new Runc({ root: "/r", run: fake });
  assert.deepEqual(await runc.list(), []);
  await runc.pause("c");
  await runc.delete("c", { force: true });
  assert.deepEqual(calls, [
    ["runc", "--root", "/r", "list", "--format", "json"],
    ["runc", "--root", "/r", "pause", "c"],
    ["runc", "--root", "/r", "delete", "--force", "c"],
  ]);
});

Deno.test("Runc.terminate() thaws, sends SIGTERM, waits for the init to exit, then force-deletes", async () => {
  /** A fake runc whose container reports the given statuses, one per `state` call. */
  function fakeRunc(statuses: (string | undefined)[]) {
    const calls: string[] = [];
    const run: CommandRunner = (_program, args) => {
      const [verb, ...rest] = args.slice(2);
      calls.push([verb, ...rest.filter((a) => a !== "c")].join(" "));
      if (verb !== "state") return Promise.resolve({ code: 0, stdout: "", stderr: "" });
      const status = statuses.shift();
      if (status === undefined) {
        return Promise.resolve({ code: 1, stdout: "", stderr: "container does not exist" });
      }
      const state = {
        id: "c",
        pid: 9,
        status,
        bundle: "/b",
        rootfs: "/r",
        created: "",
        annotations: {},
      };
      return Promise.resolve({ code: 0, stdout: JSON.stringify(state), stderr: "" });
    };
    return { runc: new Runc({ root: "/r", run }), calls };
  }
  const cases: [string, (string | undefined)[], number, string[]][] = [
    ["running, exits on SIGTERM", ["running", "running", "stopped"], 60_000, [
      "state",
      "kill TERM",
      "state",
      "state",
      "delete --force",
    ]],
    ["paused: thawed first", ["paused", "stopped"], 60_000, [
      "state",
      "resume",
      "kill TERM",
      "state",
      "delete --force",
    ]],
    ["no grace period: killed at once", ["running"], 0, ["state", "delete --force"]],
    ["already stopped", ["stopped"], 60_000, ["state", "delete --force"]],
    ["no such container", [undefined], 60_000, ["state"]],
  ];
  for (const [what, statuses, graceMs, want] of cases) {
    const { runc, calls } = fakeRunc(statuses);
    await runc.terminate("c", { graceMs });
    assert.deepEqual(calls, want, what);
  }
});

Deno.test("Runc create/start/state/ps/pause/resume/kill/delete a real container", async () => {
  await using tmp = await tempDir();
  const layout = await buildTestImage(tmp.path);
  const image = await new ImageStore({ layout, cacheDir: `${tmp.path}/cache` }).unpack(TEST_IMAGE);
  const runc = new Runc({ root: `${tmp.path}/runc` });
  const id = `${TEST_PREFIX}-runc-test`;
  const dir = `${tmp.path}/pod`;
  const netns = `${TEST_PREFIX}-runc-test`;
  try {
    const paths = await mountPodRootfs(image.rootfs, dir);
    const nsPath = await createNetns(netns);
    await mountNetnsSysfs(netns, paths.sys);
    const spec = buildRuntimeSpec({
      hostname: "runc-test",
      args: ["/bin/sh", "-c", "echo started; exec sleep 300"],
      rootfs: paths.rootfs,
      netnsPath: nsPath,
      cgroupsPath: `/kruise-agents-test/${id}`,
      sysfsSource: paths.sys,
      nofile: 1024,
      pidsLimit: 64,
      annotations: { "test": "yes" },
    });
    await Deno.writeTextFile(`${paths.bundle}/config.json`, JSON.stringify(spec));
    await runc.create(id, paths.bundle, { logFile: paths.log });
    assert.equal((await runc.state(id)).status, "created");
    await runc.start(id);
    const state = await runc.state(id);
    assert.equal(state.status, "running");
    assert.equal(state.annotations.test, "yes");
    assert.ok(state.pid > 0);
    assert.deepEqual((await runc.list()).map((s) => s.id), [id]);
    assert.deepEqual(await runc.pids(id), [state.pid]);
    assert.ok(
      await eventually(async () => (await Deno.readTextFile(paths.log)).includes("started")),
    );
    // The container is not a child of this process: its parent is the machine's init.
    const stat = await Deno.readTextFile(`/proc/${state.pid}/stat`);
    assert.notEqual(Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]), Deno.pid);

    await runc.pause(id);
    assert.equal((await runc.state(id)).status, "paused");
    await runc.resume(id);
    assert.equal((await runc.state(id)).status, "running");
    await runc.kill(id, "KILL");
    assert.ok(await eventually(async () => (await runc.state(id)).status === "stopped"));
    await runc.delete(id);
    assert.equal(await runc.stateOrUndefined(id), undefined);
    const missing = await runc.state(id).then(() => undefined, (e) => e);
    assert.ok(missing instanceof RuncError && missing.code === "ContainerNotFound");

    // A failing create reports runc's own error, not the container's log.
    await Deno.writeTextFile(
      `${paths.bundle}/config.json`,
      JSON.stringify({ ...spec, root: { path: "/nonexistent" } }),
    );
    const bad = await runc.create(id, paths.bundle, { logFile: paths.log }).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(bad instanceof RuncError, String(bad));
    assert.match(bad.message, /runc create failed/);
  } finally {
    await runc.delete(id, { force: true }).catch(() => {});
    await unmountAll(dir);
    await deleteNetns(netns);
    await removeTestCgroupParent();
  }
});
