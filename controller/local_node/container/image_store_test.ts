import assert from "node:assert/strict";
import { ContainerError } from "./errors.ts";
import {
  findImage,
  ImageStore,
  type IndexEntry,
  normalizeImageName,
  overlayLowerDirs,
  parseImageConfig,
  parseIndex,
  REF_NAME_ANNOTATION,
} from "./image_store.ts";
import { buildTestImage, tempDir, TEST_IMAGE } from "./_test_support.ts";
import type { CommandRunner } from "./_command.ts";
import { runCommand } from "./_command.ts";

const D1 = `sha256:${"a".repeat(64)}`;
const D2 = `sha256:${"b".repeat(64)}`;

Deno.test("normalizeImageName() folds Docker Hub prefixes and a missing tag", () => {
  assert.equal(normalizeImageName("busybox"), "busybox:latest");
  assert.equal(normalizeImageName("docker.io/library/busybox"), "busybox:latest");
  assert.equal(normalizeImageName("docker.io/library/busybox:1.36"), "busybox:1.36");
  assert.equal(normalizeImageName("docker.io/e2b/base:v1"), "e2b/base:v1");
  assert.equal(normalizeImageName("registry:5000/base"), "registry:5000/base:latest");
  assert.equal(normalizeImageName("base@sha256:abc"), "base@sha256:abc");
});

Deno.test("findImage() matches normalised names and digests", () => {
  const entries: IndexEntry[] = [
    { digest: D1, mediaType: "", refName: "docker.io/library/base:latest" },
    { digest: D2, mediaType: "", refName: "code-interpreter" },
  ];
  assert.equal(findImage(entries, "base")?.digest, D1);
  assert.equal(findImage(entries, "docker.io/base:latest")?.digest, D1);
  assert.equal(findImage(entries, "code-interpreter:latest")?.digest, D2);
  assert.equal(findImage(entries, `whatever@${D2}`)?.digest, D2);
  assert.equal(findImage(entries, D1)?.digest, D1);
  assert.equal(findImage(entries, "base:2"), undefined);
});

Deno.test("parseIndex() and parseImageConfig() read the OCI layout's JSON", () => {
  const entries = parseIndex({
    manifests: [{
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: D1,
      annotations: { "org.opencontainers.image.ref.name": "base" },
    }, { digest: D2 }],
  });
  assert.deepEqual(entries.map((e) => e.refName), ["base", ""]);
  assert.throws(() => parseIndex({}), TypeError);
  assert.throws(() => parseIndex({ manifests: [{ digest: "md5:x" }] }), TypeError);
  assert.deepEqual(
    parseImageConfig({ config: { Env: ["A=1"], Cmd: ["sh"], WorkingDir: "/w", User: "u" } }),
    { env: ["A=1"], entrypoint: [], cmd: ["sh"], workingDir: "/w", user: "u" },
  );
});

Deno.test("ImageStore.unpack() unpacks once per digest, shifted to host 100000, shared by callers", async () => {
  await using tmp = await tempDir();
  const layout = await buildTestImage(tmp.path);
  let unpacks = 0;
  const counting: CommandRunner = (program, args, options) => {
    if (program === "umoci" && args[0] === "unpack") unpacks++;
    return runCommand(program, args, options);
  };
  const store = new ImageStore({ layout, cacheDir: `${tmp.path}/cache`, run: counting });
  const [a, b] = await Promise.all([
    store.unpack(TEST_IMAGE),
    store.unpack("docker.io/library/busybox"),
  ]);
  assert.equal(unpacks, 1);
  assert.equal(a.rootfs, b.rootfs);
  assert.match(a.digest, /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(a.config.cmd, ["/bin/httpd", "-f", "-p", "8080", "-h", "/www"]);
  assert.deepEqual(a.config.env, ["PATH=/bin"]);
  const busybox = await Deno.lstat(`${a.rootfs}/bin/busybox`);
  assert.equal(busybox.uid, 100000);
  assert.equal(busybox.gid, 100000);
  assert.equal((await Deno.lstat(a.rootfs)).uid, 100000);
  // A second store (another process) finds the cached copy and does not unpack again.
  const again = new ImageStore({ layout, cacheDir: `${tmp.path}/cache`, run: counting });
  assert.equal((await again.unpack(TEST_IMAGE)).rootfs, a.rootfs);
  assert.equal(unpacks, 1);
  // No temporary directory is left.
  const names = (await Array.fromAsync(Deno.readDir(`${tmp.path}/cache`))).map((e) => e.name);
  assert.deepEqual(names, [a.digest.replace(":", "-")]);
});

Deno.test("ImageStore.resolve() names the images there are when one is unknown", async () => {
  await using tmp = await tempDir();
  const layout = await buildTestImage(tmp.path);
  const store = new ImageStore({ layout, cacheDir: `${tmp.path}/cache` });
  const error = await store.resolve("python:3").then(() => undefined, (e) => e);
  assert.ok(error instanceof ContainerError);
  assert.equal(error.code, "ImageNotFound");
  assert.equal(error.message, `Cannot find image "python:3" in ${layout}: the node has "busybox"`);
  const empty = new ImageStore({ layout: `${tmp.path}/none`, cacheDir: `${tmp.path}/cache` });
  await assert.rejects(empty.resolve("busybox"), /the node has no images/);
});

Deno.test("overlayLowerDirs() reads every overlay's lower directories from mountinfo", () => {
  const text = "36 35 98:0 / /mnt rw - ext3 /dev/root rw\n" +
    "40 35 0:50 / /pods/a/rootfs rw - overlay overlay rw,lowerdir=/c/sha256-1/rootfs:/l2," +
    "upperdir=/pods/a/upper,workdir=/pods/a/work,index=off\n";
  assert.deepEqual(overlayLowerDirs(text), ["/c/sha256-1/rootfs", "/l2"]);
});

Deno.test("ImageStore.prune() removes old copies the layout no longer lists and no overlay uses", async () => {
  await using tmp = await tempDir();
  const D3 = `sha256:${"c".repeat(64)}`;
  const D4 = `sha256:${"d".repeat(64)}`;
  const layout = `${tmp.path}/layout`;
  await Deno.mkdir(layout);
  await Deno.writeTextFile(
    `${layout}/index.json`,
    JSON.stringify({ manifests: [{ digest: D1, annotations: { [REF_NAME_ANNOTATION]: "a" } }] }),
  );
  const cacheDir = `${tmp.path}/cache`;
  const store = new ImageStore({ layout, cacheDir });
  assert.deepEqual(await store.prune(), [], "no cache directory yet");
  const now = Date.now();
  const hourAgo = new Date(now - 3_600_000);
  const make = async (name: string, mtime: Date) => {
    await Deno.mkdir(`${cacheDir}/${name}/rootfs/etc`, { recursive: true });
    await Deno.writeTextFile(`${cacheDir}/${name}/rootfs/etc/f`, "x");
    await Deno.utime(`${cacheDir}/${name}`, mtime, mtime);
  };
  const [listed, stale, mounted, young] = [D1, D2, D3, D4].map((d) => store.cachePath(d));
  for (const d of [D1, D2, D3]) await make(d.replace(":", "-"), hourAgo);
  await make(D4.replace(":", "-"), new Date(now));
  await make(".tmp-abc-1", hourAgo);
  await make("notes", hourAgo);
  const mountinfo = `40 35 0:50 / /pods/a/rootfs rw - overlay overlay rw,lowerdir=${mounted}` +
    `/rootfs,upperdir=/pods/a/upper,workdir=/pods/a/work\n`;
  const removed = await store.prune({ mountinfo, now: () => now, minAgeMs: 600_000 });
  assert.deepEqual(removed, [`${cacheDir}/.tmp-abc-1`, stale]);
  const left = (await Array.fromAsync(Deno.readDir(cacheDir))).map((e) => e.name).sort();
  const base = (p: string | undefined) => p?.slice(cacheDir.length + 1);
  assert.deepEqual(left, [base(listed), base(mounted), base(young), "notes"].sort());
  // Once the young copy is old enough, it goes too.
  const later = await store.prune({ mountinfo, now: () => now + 3_600_000, minAgeMs: 600_000 });
  assert.deepEqual(later, [young]);
});
