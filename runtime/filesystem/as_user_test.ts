/**
 * Least privilege of the file APIs, on a real runtime (running as root) through the published
 * SDKs: `/files` and `filesystem.Filesystem` act as the requested user, with that user's rights,
 * symlinks resolved as that user would. Needs a root test process and the account `user`, as on
 * the project's machines (`hack/setup.sh`).
 */
import assert from "node:assert/strict";
import { Sandbox, SandboxError } from "e2b";
import { runPython, startRuntime } from "../testing/harness.ts";
import { UserDirectory } from "../users.ts";

const asRoot = Deno.uid() === 0;

/** A root-only directory with a secret, and a user-writable one with links into it. */
async function fixtures(tag: number) {
  const forbidden = `/tmp/forbidden_${tag}`;
  const links = `/tmp/links_${tag}`;
  await Deno.mkdir(forbidden, { mode: 0o700 });
  await Deno.chmod(forbidden, 0o700);
  await Deno.writeTextFile(`${forbidden}/secret.txt`, "root only");
  await Deno.mkdir(links);
  await Deno.chmod(links, 0o777);
  await Deno.symlink(`${forbidden}/secret.txt`, `${links}/to_secret`);
  await Deno.symlink(forbidden, `${links}/to_dir`);
  return {
    forbidden,
    links,
    async [Symbol.asyncDispose]() {
      await Deno.remove(forbidden, { recursive: true });
      await Deno.remove(links, { recursive: true });
    },
  };
}

Deno.test({
  name: "/files reads and writes as the requested user, with that user's rights",
  ignore: !asRoot,
  fn: async (t) => {
    const user = new UserDirectory().byName("user");
    assert.ok(user, "this test needs the account `user`");
    await using rt = await startRuntime();
    await using fx = await fixtures(rt.pid);
    const files = (query: string, init: RequestInit = {}) =>
      fetch(`${rt.envdUrl}/files?${query}`, {
        ...init,
        headers: { "x-access-token": rt.accessToken!, ...init.headers },
      });
    const sbx = await Sandbox.create(rt.sdkOptions);

    await t.step("/etc/shadow: 403 as user, 200 as root", async () => {
      const denied = await files("path=/etc/shadow&username=user");
      assert.equal(denied.status, 403);
      assert.deepEqual(await denied.json(), {
        code: 403,
        message: "error opening file '/etc/shadow': permission denied",
      });
      const allowed = await files("path=/etc/shadow&username=root");
      assert.equal(allowed.status, 200);
      assert.equal(await allowed.text(), await Deno.readTextFile("/etc/shadow"));
      // The SDK's default user is the sandbox's, `user`.
      await assert.rejects(sbx.files.read("/etc/shadow"), (e) => {
        assert.ok(e instanceof SandboxError);
        assert.match(e.message, /403: error opening file '\/etc\/shadow': permission denied/);
        return true;
      });
      assert.equal(
        await sbx.files.read("/etc/shadow", { user: "root" }),
        await Deno.readTextFile("/etc/shadow"),
      );
    });

    await t.step("a symlink into a directory the user may not enter is refused", async () => {
      const denied = await files(`path=${fx.links}/to_secret&username=user`);
      assert.equal(denied.status, 403);
      assert.match((await denied.json()).message, /permission denied/);
      assert.equal(await sbx.files.read(`${fx.links}/to_secret`, { user: "root" }), "root only");
      // Writing through it is refused too, and the secret is untouched.
      await assert.rejects(sbx.files.write(`${fx.links}/to_secret`, "overwritten"), /403/);
      assert.equal(await Deno.readTextFile(`${fx.forbidden}/secret.txt`), "root only");
    });

    await t.step("what the user writes is the user's; where it may not write, 403", async () => {
      const written = await sbx.files.write(`as_user_${rt.pid}/deep/file.txt`, "mine");
      const info = await Deno.stat(written.path);
      assert.deepEqual([info.uid, info.gid, info.mode! & 0o777], [user.uid, user.gid, 0o644]);
      const parent = await Deno.stat(`/home/user/as_user_${rt.pid}`);
      assert.deepEqual([parent.uid, parent.gid], [user.uid, user.gid]);
      for (const path of ["/etc/planted.txt", `${fx.forbidden}/planted.txt`, "/planted/x.txt"]) {
        await assert.rejects(sbx.files.write(path, "x"), /403/, path);
        await assert.rejects(Deno.lstat(path), Deno.errors.NotFound, path);
      }
      const asRootWrite = await sbx.files.write(`${fx.forbidden}/by_root.txt`, "r", {
        user: "root",
      });
      assert.equal((await Deno.stat(asRootWrite.path)).uid, 0);
      await Deno.remove(`/home/user/as_user_${rt.pid}`, { recursive: true });
    });

    await t.step("Python SDK: the same answers", async () => {
      const out = await runPython(
        `
import json, sys
from e2b import Sandbox
sbx = Sandbox.create()
out = {}
try:
    sbx.files.read("/etc/shadow")
    out["shadow"] = "read"
except Exception as e:
    out["shadow"] = f"{type(e).__name__}: {e}"
out["root"] = len(sbx.files.read("/etc/shadow", user="root")) > 0
out["path"] = sbx.files.write("py_as_user_${rt.pid}.txt", "mine").path
print(json.dumps(out))
`,
        rt.sdkEnv,
      );
      assert.equal(out.code, 0, out.stderr);
      const result = JSON.parse(out.stdout);
      assert.match(result.shadow, /^SandboxException: 403: .*permission denied/);
      assert.equal(result.root, true);
      assert.equal((await Deno.stat(result.path)).uid, user.uid);
      await Deno.remove(result.path);
    });
  },
});

Deno.test({
  name: "filesystem RPCs act as the requested user: list, stat, make, move, remove, watch",
  ignore: !asRoot,
  fn: async (t) => {
    await using rt = await startRuntime();
    await using fx = await fixtures(rt.pid);
    const sbx = await Sandbox.create(rt.sdkOptions);
    const denied = /permission_denied/;

    await t.step("listing a directory the user may not read is refused; root may", async () => {
      await assert.rejects(sbx.files.list(fx.forbidden), denied);
      await assert.rejects(sbx.files.list(`${fx.links}/to_dir`), denied);
      const asRoot = await sbx.files.list(fx.forbidden, { user: "root" });
      assert.deepEqual(asRoot.map((e) => e.name), ["secret.txt"]);
      // /root is searchable here (o+x) but not readable.
      await assert.rejects(sbx.files.list("/root"), denied);
    });

    await t.step("stat, exists and a deeper listing as the user", async () => {
      await assert.rejects(sbx.files.getInfo(`${fx.forbidden}/secret.txt`), denied);
      await assert.rejects(sbx.files.exists(`${fx.forbidden}/secret.txt`), denied);
      // A symlink the user may not follow is still listed, with no type behind it.
      const names = (await sbx.files.list(fx.links, { depth: 2 })).map((e) => e.name);
      assert.ok(!names.includes("secret.txt"), "the walk did not enter the forbidden directory");
    });

    await t.step("make, move and remove where the user may not are refused", async () => {
      await assert.rejects(sbx.files.makeDir("/etc/planted_dir"), denied);
      await assert.rejects(Deno.stat("/etc/planted_dir"), Deno.errors.NotFound);
      await assert.rejects(sbx.files.rename(`${fx.forbidden}/secret.txt`, "stolen.txt"), denied);
      await assert.rejects(sbx.files.remove(`${fx.forbidden}/secret.txt`), denied);
      await assert.rejects(sbx.files.remove(fx.forbidden), denied);
      assert.equal(await Deno.readTextFile(`${fx.forbidden}/secret.txt`), "root only");
      // As root, all of it works.
      await sbx.files.rename(`${fx.forbidden}/secret.txt`, `${fx.forbidden}/moved.txt`, {
        user: "root",
      });
      await sbx.files.remove(`${fx.forbidden}/moved.txt`, { user: "root" });
      await assert.rejects(Deno.stat(`${fx.forbidden}/moved.txt`), Deno.errors.NotFound);
    });

    await t.step("a directory the user makes is the user's", async () => {
      const dir = `/tmp/links_${rt.pid}/made/by/user`;
      assert.equal(await sbx.files.makeDir(dir), true);
      const info = await sbx.files.getInfo(`/tmp/links_${rt.pid}/made`);
      assert.deepEqual([info.owner, info.group], ["user", "user"]);
    });

    await t.step("watching a directory the user may not read is refused", async () => {
      await assert.rejects(sbx.files.watchDir(fx.forbidden, () => {}), denied);
      const handle = await sbx.files.watchDir(fx.forbidden, () => {}, { user: "root" });
      await handle.stop();
    });
  },
});
