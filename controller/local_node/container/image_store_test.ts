import assert from "node:assert/strict";
import { ContainerError } from "./errors.ts";
import {
  findImage,
  ImageStore,
  type IndexEntry,
  normalizeImageName,
  parseImageConfig,
  parseIndex,
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
