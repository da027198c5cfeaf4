import assert from "node:assert/strict";

/**
 * In a process of its own (the allocator's state is per process): 96 MB of 32 KiB buffers, each
 * under the images' mmap threshold so glibc serves them from its heap, are dropped and collected;
 * the freed pages stay resident until `trimMalloc`.
 */
const PROBE = `
import { libcSymbols, trimMalloc } from ${
  JSON.stringify(new URL("./libc.ts", import.meta.url).href)
};
const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(Deno.readTextFileSync("/proc/self/status"))[1]) / 1024;
const unopened = trimMalloc();
libcSymbols();
let keep = [];
for (let i = 0; i < 3072; i++) keep.push(new Uint8Array(32 * 1024).fill(1));
keep = [];
globalThis.gc();
globalThis.gc();
const afterGc = rss();
const trimmed = trimMalloc();
console.log(JSON.stringify({ unopened, trimmed, afterGc, afterTrim: rss() }));
`;

Deno.test("trimMalloc() gives the allocator's freed pages back, once the library is open", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--v8-flags=--expose-gc", "-"],
    env: { MALLOC_ARENA_MAX: "2", MALLOC_MMAP_THRESHOLD_: "65536" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(PROBE));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const r = JSON.parse(new TextDecoder().decode(stdout));
  assert.equal(r.unopened, false, "no FFI opened just to trim");
  assert.equal(r.trimmed, true);
  assert.ok(r.afterGc - r.afterTrim > 48, `resident ${r.afterGc} MB -> ${r.afterTrim} MB`);
});
