/**
 * The assumptions `fs_credentials.ts` rests on, checked against the kernel: a switched main
 * thread gets the user's answers (and only it: Deno's other threads keep root's credentials), a
 * switch is undone afterwards, and a file created while switched is the user's. Needs root and
 * the sandbox account `user`, as the sandbox images have them.
 */
import assert from "node:assert/strict";
import { asFsIdentity, type FsIdentity, fsIdentityFor } from "./fs_credentials.ts";
import { UserDirectory } from "./users.ts";

const users = new UserDirectory();
const asRoot = Deno.uid() === 0;

function userIdentity(): FsIdentity {
  const user = users.byName("user");
  assert.ok(user, "these tests need the account `user` (hack/setup.sh creates it)");
  return { uid: user.uid, gid: user.gid, groups: users.groupsOf(user) };
}

/** The id of the calling thread (the main JS thread). */
function threadId(): string {
  return Deno.readLinkSync("/proc/thread-self").split("/").at(-1)!;
}

/** The `Uid:` line fields (real, effective, saved, filesystem) of every thread of this process. */
function threadFsUids(): Map<string, number> {
  const out = new Map<string, number>();
  for (const task of Deno.readDirSync("/proc/self/task")) {
    const status = Deno.readTextFileSync(`/proc/self/task/${task.name}/status`);
    const uids = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(status);
    if (uids) out.set(task.name, Number(uids[4]));
  }
  return out;
}

/** Opens `/etc/shadow` on the calling (main) thread, which needs root's rights. */
function openShadow(): void {
  Deno.openSync("/etc/shadow").close();
}

Deno.test({
  name: "asFsIdentity() gives the main thread the user's rights, and only it, until it returns",
  ignore: !asRoot,
  fn: async () => {
    const identity = userIdentity();
    assert.throws(
      () => asFsIdentity(identity, () => Deno.openSync("/etc/shadow")),
      Deno.errors.PermissionDenied,
    );
    assert.throws(
      () => asFsIdentity(identity, () => Deno.readDirSync("/root").next()),
      Deno.errors.PermissionDenied,
    );
    const seen = asFsIdentity(identity, threadFsUids);
    assert.equal(seen.get(threadId()), identity.uid, "the main thread is switched");
    for (const [task, fsuid] of seen) {
      if (task !== threadId()) assert.equal(fsuid, 0, `thread ${task} keeps root's`);
    }
    // Switched back: root reads what it always could, and async ops were never affected.
    openShadow();
    assert.ok([...threadFsUids().values()].every((fsuid) => fsuid === 0));
    (await Deno.open("/etc/shadow")).close();
  },
});

Deno.test({
  name: "asFsIdentity() creates files owned by the user and restores after errors and nesting",
  ignore: !asRoot,
  fn: async () => {
    const identity = userIdentity();
    const dir = await Deno.makeTempDir();
    await Deno.chmod(dir, 0o777);
    asFsIdentity(identity, () => Deno.writeTextFileSync(`${dir}/mine.txt`, "x"));
    const info = await Deno.stat(`${dir}/mine.txt`);
    assert.equal(info.uid, identity.uid);
    assert.equal(info.gid, identity.gid);

    assert.throws(() => asFsIdentity(identity, () => Deno.openSync("/etc/shadow")));
    assert.equal(threadFsUids().get(threadId()), 0, "restored after a throw");

    const inner = asFsIdentity(identity, () => {
      const root = asFsIdentity({ uid: 0, gid: 0, groups: [] }, () => {
        Deno.openSync("/etc/shadow").close();
        return threadFsUids().get(threadId());
      });
      return [root, threadFsUids().get(threadId())];
    });
    assert.deepEqual(inner, [0, identity.uid], "a nested switch returns to the outer identity");

    // Nested as the same identity (a batch of calls inside one switch): still the user inside,
    // root once the outer run returns, and an async function is still refused.
    const same = asFsIdentity(identity, () => {
      const nested = asFsIdentity(identity, () => threadFsUids().get(threadId()));
      assert.throws(() => asFsIdentity(identity, () => Promise.resolve(1)), /async function/);
      return [nested, threadFsUids().get(threadId())];
    });
    assert.deepEqual(same, [identity.uid, identity.uid]);
    assert.equal(threadFsUids().get(threadId()), 0, "restored after the same-identity nesting");

    assert.throws(
      () => asFsIdentity(identity, () => Promise.resolve(1)),
      /async function/,
    );
    assert.equal(threadFsUids().get(threadId()), 0);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test("fsIdentityFor() switches only a root runtime, and not for its own account", () => {
  const identity = fsIdentityFor({ uid: 4321, gid: 4321 }, [4321, 27]);
  if (asRoot) {
    assert.deepEqual(identity, { uid: 4321, gid: 4321, groups: [4321, 27] });
    assert.equal(fsIdentityFor({ uid: 0, gid: 0 }, [0]), undefined);
  } else {
    assert.equal(identity, undefined);
  }
});
