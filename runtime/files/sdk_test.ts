/**
 * `/files` through the published JS SDK (`e2b` from npm) against a runtime process, plus the raw
 * HTTP cases the SDK hides (exact error bodies, malformed multipart, a cut-off upload).
 */
import assert from "node:assert/strict";
import { FileNotFoundError, Sandbox } from "e2b";
import { startRuntime } from "../testing/harness.ts";

const enc = new TextEncoder();

/** A deterministic byte stream of `size` bytes in 1 MiB chunks, never held whole. */
function patternStream(size: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) return controller.close();
      const n = Math.min(1024 * 1024, size - sent);
      const chunk = new Uint8Array(n);
      for (let i = 0; i < n; i++) chunk[i] = (sent + i) * 31 % 251;
      sent += n;
      controller.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
}

Deno.test("JS SDK: files.write and files.read round-trip text, bytes and streams", async () => {
  await using rt = await startRuntime();
  const sbx = await Sandbox.create(rt.sdkOptions);
  const info = await sbx.files.write("test_write.txt", "Hello, world!");
  assert.deepEqual(info, {
    name: "test_write.txt",
    type: "file",
    path: "/home/user/test_write.txt",
    metadata: undefined,
  });
  assert.equal(await sbx.files.read("test_write.txt"), "Hello, world!");
  const stat = await sbx.files.getInfo("test_write.txt");
  assert.deepEqual([stat.owner, stat.group, stat.mode], ["user", "user", 0o644]);

  const bytes = new Uint8Array([0, 1, 2, 253, 254, 255]);
  await sbx.files.write("/tmp/sdk_bytes.bin", bytes.buffer);
  assert.deepEqual(await sbx.files.read("/tmp/sdk_bytes.bin", { format: "bytes" }), bytes);

  await sbx.files.write("streamed.txt", ReadableStream.from([enc.encode("a"), enc.encode("bc")]));
  const stream = await sbx.files.read("streamed.txt", { format: "stream" });
  assert.equal(await new Response(stream).text(), "abc");

  await sbx.files.write("empty.txt", "");
  assert.equal(await sbx.files.read("empty.txt"), "");
  assert.deepEqual(await sbx.files.read("empty.txt", { format: "bytes" }), new Uint8Array());

  const multi = await sbx.files.write([
    { path: `/tmp/${rt.pid}/0/multi_0.txt`, data: "zero" },
    { path: "nested/dir/multi_1.txt", data: "one" },
  ]);
  assert.deepEqual(multi.map((f) => f.path), [
    `/tmp/${rt.pid}/0/multi_0.txt`,
    "/home/user/nested/dir/multi_1.txt",
  ]);
  const parent = await sbx.files.getInfo("nested/dir");
  assert.deepEqual([parent.owner, parent.mode], ["user", 0o755]);
  assert.deepEqual(await sbx.files.write([]), []);

  await assert.rejects(sbx.files.read("does_not_exist.txt"), FileNotFoundError);
  await assert.rejects(
    sbx.files.read("does_not_exist.txt", { format: "stream" }),
    FileNotFoundError,
  );
  await assert.rejects(sbx.files.read("/tmp"), /is a directory/);
  await sbx.files.remove(`/tmp/${rt.pid}`);
});

Deno.test("JS SDK: a 200 MB file streams up and down without buffering", async () => {
  await using rt = await startRuntime();
  const sbx = await Sandbox.create(rt.sdkOptions);
  const size = 200 * 1024 * 1024;
  const path = `/tmp/big_${rt.pid}.bin`;
  const written = await sbx.files.write(path, patternStream(size));
  assert.equal(written.path, path);
  assert.equal((await sbx.files.getInfo(path)).size, size);
  const stream = await sbx.files.read(path, { format: "stream" });
  let offset = 0;
  for await (const chunk of stream) {
    for (let i = 0; i < chunk.length; i += 4093) {
      assert.equal(chunk[i], (offset + i) * 31 % 251, `byte ${offset + i}`);
    }
    offset += chunk.length;
  }
  assert.equal(offset, size);
  await sbx.files.remove(path);
});

Deno.test("JS SDK: metadata and gzip round-trip", async () => {
  await using rt = await startRuntime();
  const sbx = await Sandbox.create(rt.sdkOptions);
  const metadata = { owner: "team-a", purpose: "test" };
  const w = await sbx.files.write("meta.txt", "m", { metadata });
  assert.deepEqual(w.metadata, metadata);
  const w2 = await sbx.files.write("meta2.txt", "m", { metadata, useOctetStream: true });
  assert.deepEqual(w2.metadata, metadata);
  assert.deepEqual((await sbx.files.getInfo("meta.txt")).metadata, metadata);
  const listed = await sbx.files.list(".");
  assert.deepEqual(listed.find((e) => e.name === "meta2.txt")?.metadata, metadata);
  assert.deepEqual((await sbx.files.rename("meta.txt", "meta_moved.txt")).metadata, metadata);
  await sbx.files.write("plain.txt", "p");
  assert.equal((await sbx.files.getInfo("plain.txt")).metadata, undefined);

  const text = "compress me ".repeat(1000);
  await sbx.files.write("gz.txt", text, { gzip: true });
  assert.equal(await sbx.files.read("gz.txt"), text);
  assert.equal(await sbx.files.read("gz.txt", { gzip: true }), text);
  assert.equal(
    await new Response(await sbx.files.read("gz.txt", { format: "stream", gzip: true })).text(),
    text,
  );
});

Deno.test("JS SDK: signed upload and download URLs, with expiry", async () => {
  await using rt = await startRuntime({ secure: true });
  const sbx = await Sandbox.create(rt.sdkOptions);
  await sbx.files.write("hello.txt", "signed hello");
  const down = await sbx.downloadUrl("hello.txt");
  assert.match(down, /signature=v1_/);
  const res = await fetch(down);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "signed hello");
  assert.equal(res.headers.get("content-disposition"), 'inline; filename="hello.txt"');

  const asRoot = await fetch(await sbx.downloadUrl("/home/user/hello.txt", { user: "root" }));
  assert.equal(await asRoot.text(), "signed hello");

  const form = new FormData();
  form.append("file", new Blob(["uploaded"]), "hello.txt");
  const up = await fetch(await sbx.uploadUrl("hello.txt"), { method: "POST", body: form });
  assert.deepEqual(await up.json(), [{
    name: "hello.txt",
    path: "/home/user/hello.txt",
    type: "file",
  }]);
  assert.equal(await sbx.files.read("hello.txt"), "uploaded");

  // A download signature does not sign uploads; no signature at all is refused.
  const wrongOp = await fetch(down, { method: "POST", body: form });
  assert.equal(wrongOp.status, 401);
  assert.deepEqual(await wrongOp.json(), { code: 401, message: "invalid signature" });
  const unsigned = await fetch(`${rt.envdUrl}/files?path=hello.txt`);
  assert.deepEqual(await unsigned.json(), {
    code: 401,
    message: "missing signature query parameter",
  });

  const expired = await fetch(await sbx.downloadUrl("hello.txt", { useSignatureExpiration: -120 }));
  assert.equal(expired.status, 401);
  assert.deepEqual(await expired.json(), { code: 401, message: "signature is already expired" });
  const fresh = await fetch(await sbx.downloadUrl("hello.txt", { useSignatureExpiration: 120 }));
  assert.equal(await fresh.text(), "uploaded");
});

Deno.test("/files answers bad input with envd's JSON errors", async () => {
  await using rt = await startRuntime({ secure: false });
  const files = (query: string, init?: RequestInit) => fetch(`${rt.envdUrl}/files?${query}`, init);

  const missing = await files("path=nope.txt");
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), {
    code: 404,
    message: "path '/home/user/nope.txt' does not exist",
  });

  const dir = await files("path=/tmp");
  assert.equal(dir.status, 400);
  assert.deepEqual(await dir.json(), { code: 400, message: "path '/tmp' is a directory" });

  const badUser = await files("path=x&username=nobody_here");
  assert.equal(badUser.status, 401);
  assert.match((await badUser.json()).message, /^error looking up user 'nobody_here': /);

  const malformed = await files("path=m.txt", {
    method: "POST",
    headers: { "content-type": "multipart/form-data; boundary=XYZ" },
    body: '--XYZ\r\nContent-Disposition: form-data; name="file"\r\n\r\nno closing boundary',
  });
  assert.equal(malformed.status, 400);
  assert.equal((await malformed.json()).code, 400);
  assert.equal((await files("path=m.txt")).status, 404);

  const two = new FormData();
  two.append("file", new Blob(["1"]), "a");
  two.append("file", new Blob(["2"]), "b");
  const dup = await files("path=dup.txt", { method: "POST", body: two });
  assert.equal(dup.status, 400);
  await dup.body?.cancel();

  const noPath = await files("", {
    method: "POST",
    headers: { "content-type": "application/octet-stream" },
    body: "x",
  });
  assert.equal(noPath.status, 400);
  await noPath.body?.cancel();

  const ranged = await files("path=/etc/hostname", { headers: { range: "bytes=0-1" } });
  assert.equal(ranged.status, 206);
  assert.equal((await ranged.bytes()).length, 2);
});

Deno.test("/files: an upload cut off half-way leaves no file behind and the server stays up", async () => {
  await using rt = await startRuntime({ secure: false });
  const dir = `/tmp/cut_${rt.pid}`;
  await Deno.mkdir(dir, { recursive: true });
  await Deno.chmod(dir, 0o777); // the upload runs as the default user, who must be able to write

  for (const contentType of ["application/octet-stream", "multipart/form-data; boundary=B"]) {
    const controller = new AbortController();
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent === 0 && contentType.startsWith("multipart")) {
          c.enqueue(enc.encode('--B\r\nContent-Disposition: form-data; name="file"\r\n\r\n'));
        }
        c.enqueue(new Uint8Array(256 * 1024).fill(7));
        sent += 256 * 1024;
        // Half-way through a 16 MiB upload, the client goes away.
        if (sent >= 8 * 1024 * 1024) controller.abort();
      },
    });
    await assert.rejects(
      fetch(`${rt.envdUrl}/files?path=${dir}/partial.bin`, {
        method: "POST",
        headers: { "content-type": contentType },
        body,
        signal: controller.signal,
      }),
    );
    // The server cleans up once it notices the broken body; wait for that, then check.
    const names = async () => (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
    for (let i = 0; i < 200 && (await names()).length > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(await names(), [], contentType);
  }
  assert.equal((await fetch(`${rt.envdUrl}/health`)).status, 204);
  await Deno.remove(dir, { recursive: true });
});
