/**
 * The runtime streams files: a 200 MB upload and a 200 MB download pass through while its memory
 * stays flat (peak RSS of the runtime process over each transfer). curl is the client, so the
 * figure is the runtime's alone.
 */
import assert from "node:assert/strict";
import { startRuntime } from "../testing/harness.ts";
import { readRss, resetPeak } from "../testing/rss.ts";

const SIZE = 200 * 1024 * 1024;
/** Holding the file would grow the peak by its whole size; the streaming paths stay far below
 * half of it (the multipart parser's one-time high-water mark is about 75 MB on these machines,
 * then flat: a repeated upload must not grow it further). */
const LIMIT = SIZE / 2;

function mb(n: number): string {
  return (n / 1048576).toFixed(1);
}

Deno.test("200 MB up and down through /files with flat runtime memory", async (t) => {
  await using rt = await startRuntime({ secure: false });
  const source = await Deno.makeTempFile();
  const target = await Deno.makeTempFile();
  try {
    await new Deno.Command("bash", {
      args: ["-c", `head -c ${SIZE} /dev/urandom > ${source}`],
    }).output();
    // Warm the code paths so that the peak measures the transfer, not start-up.
    const peaks: number[] = [];
    await fetch(`${rt.envdUrl}/files?path=/tmp/warm.bin`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: "warm",
    }).then((r) => r.body?.cancel());

    for (const kind of ["octet-stream", "multipart", "multipart"] as const) {
      await t.step(`upload (${kind})`, async () => {
        const before = await readRss(rt.pid);
        await resetPeak(rt.pid);
        const args = kind === "octet-stream"
          ? ["-H", "content-type: application/octet-stream", "--data-binary", `@${source}`]
          : ["-F", `file=@${source};filename=/tmp/mem-up.bin`];
        const out = await new Deno.Command("curl", {
          args: [
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            ...args,
            `${rt.envdUrl}/files?path=/tmp/mem-up.bin`,
          ],
        }).output();
        assert.equal(new TextDecoder().decode(out.stdout), "200");
        const after = await readRss(rt.pid);
        console.log(`${kind} upload: RSS ${mb(before.rss)} MB before, peak ${mb(after.peak)} MB`);
        assert.equal((await Deno.stat("/tmp/mem-up.bin")).size, SIZE);
        assert.ok(
          after.peak - before.rss < LIMIT,
          `peak grew by ${mb(after.peak - before.rss)} MB`,
        );
        peaks.push(after.peak);
      });
    }
    const [, first, second] = peaks;
    assert.ok(second! - first! < 16 * 1024 * 1024, "a second multipart upload grew the peak again");

    await t.step("download", async () => {
      const before = await readRss(rt.pid);
      await resetPeak(rt.pid);
      const out = await new Deno.Command("curl", {
        args: [
          "-s",
          "-o",
          target,
          "-w",
          "%{http_code}",
          `${rt.envdUrl}/files?path=/tmp/mem-up.bin`,
        ],
      }).output();
      assert.equal(new TextDecoder().decode(out.stdout), "200");
      const after = await readRss(rt.pid);
      console.log(`download: RSS ${mb(before.rss)} MB before, peak ${mb(after.peak)} MB`);
      assert.equal((await Deno.stat(target)).size, SIZE);
      assert.ok(after.peak - before.rss < LIMIT, `peak grew by ${mb(after.peak - before.rss)} MB`);
    });
  } finally {
    await Deno.remove(source);
    await Deno.remove(target);
    await Deno.remove("/tmp/mem-up.bin").catch(() => {});
  }
});
