import assert from "node:assert/strict";
import { writeStream, type WriteTarget } from "./coalesced_write.ts";

/** A file that records each write; async writes take at most `maxTake` bytes and `writeMs`. */
class RecordingTarget implements WriteTarget {
  bytes: number[] = [];
  calls: string[] = [];
  writing = 0;
  maxWriting = 0;
  constructor(readonly maxTake = Infinity, readonly fail?: Error, readonly writeMs = 2) {}
  async write(data: Uint8Array): Promise<number> {
    this.writing++;
    this.maxWriting = Math.max(this.maxWriting, this.writing);
    try {
      await new Promise((resolve) => setTimeout(resolve, this.writeMs));
      if (this.fail) throw this.fail;
      const n = Math.min(data.length, this.maxTake);
      this.bytes.push(...data.subarray(0, n));
      this.calls.push(`async ${n}`);
      return n;
    } finally {
      this.writing--;
    }
  }
  writeSync(data: Uint8Array): number {
    this.bytes.push(...data);
    this.calls.push(`sync ${data.length}`);
    return data.length;
  }
}

/** `sizes` chunks of consecutive byte values (mod 251, so misplaced bytes show). */
function chunksOf(sizes: number[]): Uint8Array[] {
  let n = 0;
  return sizes.map((size) => Uint8Array.from({ length: size }, () => n++ % 251));
}

type Kind = "bytes" | "chunks";

/**
 * `chunks` as a byte stream (read BYOB) or a plain one, each chunk a macrotask later as from a
 * socket; `onRead` sees each chunk handed out, and `error` fails the stream after the chunks.
 */
function streamOf(
  kind: Kind,
  chunks: Uint8Array[],
  options: { error?: Error | undefined; onRead?: () => void } = {},
): ReadableStream<Uint8Array> {
  let i = 0;
  const pull = async (controller: ReadableStreamDefaultController<Uint8Array>) => {
    await new Promise((resolve) => setTimeout(resolve, 0));
    const chunk = chunks[i++];
    if (chunk) {
      options.onRead?.();
      return controller.enqueue(chunk.slice());
    }
    if (options.error) controller.error(options.error);
    else controller.close();
  };
  if (kind === "chunks") return new ReadableStream({ pull }, { highWaterMark: 0 });
  return new ReadableStream({
    type: "bytes",
    async pull(controller) {
      await pull(controller as unknown as ReadableStreamDefaultController<Uint8Array>);
      // A byte source that closes completes the pending BYOB read with no bytes, as Deno's do.
      if (i > chunks.length && !options.error) controller.byobRequest?.respond(0);
    },
  }) as ReadableStream<Uint8Array>;
}

Deno.test("writeStream() writes every byte in order, in buffer-sized writes", async () => {
  const cases: {
    name: string;
    sizes: number[];
    maxTake?: number;
    calls: string[];
    chunkCalls?: string[];
  }[] = [
    { name: "empty", sizes: [], calls: [] },
    { name: "one small chunk: synchronous", sizes: [10], calls: ["sync 10"] },
    { name: "small chunks: one synchronous write", sizes: [10, 20, 30], calls: ["sync 60"] },
    { name: "ends below a buffer: synchronous", sizes: [40, 40, 40], calls: ["sync 120"] },
    {
      name: "fills buffers, the rest after (other streams: each chunk)",
      sizes: [200, 200, 200, 200],
      calls: ["async 256", "async 256", "async 256", "async 32"],
      chunkCalls: ["async 200", "async 200", "async 200", "async 200"],
    },
    {
      name: "short writes are continued",
      sizes: [200, 200],
      maxTake: 100,
      calls: ["async 100", "async 100", "async 56", "async 100", "async 44"],
      chunkCalls: ["async 100", "async 100", "async 100", "async 100"],
    },
  ];
  for (const kind of ["bytes", "chunks"] as const) {
    for (const { name, sizes, maxTake, calls: byteCalls, chunkCalls } of cases) {
      const calls = kind === "chunks" && chunkCalls ? chunkCalls : byteCalls;
      const target = new RecordingTarget(maxTake);
      const chunks = chunksOf(sizes);
      await writeStream(streamOf(kind, chunks), target, { bufferBytes: 256 });
      const expected = chunks.flatMap((chunk) => [...chunk]);
      assert.deepEqual(target.bytes, expected, `${kind}: ${name}`);
      assert.deepEqual(target.calls, calls, `${kind}: ${name}`);
      assert.ok(target.maxWriting <= 1, `${kind}: ${name}: writes never overlap`);
    }
  }
  // Chunks past the synchronous size are written as they come.
  const target = new RecordingTarget();
  await writeStream(streamOf("chunks", chunksOf([10, 256, 5])), target, { bufferBytes: 256 });
  assert.deepEqual(target.calls, ["async 10", "async 256", "async 5"]);
});

Deno.test("writeStream() takes no large buffer for a small body", async () => {
  // Buffers of 256 bytes, bodies up to 100 written synchronously.
  const cases: { sizes: number[]; bytes: string[]; chunks: string[] }[] = [
    { sizes: [60, 30], bytes: ["sync 90"], chunks: ["sync 90"] },
    // A byte stream's first buffer holds 100 bytes; a held first chunk is written as it is.
    { sizes: [150], bytes: ["async 100", "async 50"], chunks: ["async 150"] },
    {
      sizes: [200, 200, 200, 200],
      bytes: ["async 100", "async 256", "async 256", "async 188"],
      chunks: ["async 200", "async 200", "async 200", "async 200"],
    },
  ];
  for (const { sizes, ...expected } of cases) {
    for (const kind of ["bytes", "chunks"] as const) {
      const target = new RecordingTarget();
      const chunks = chunksOf(sizes);
      await writeStream(streamOf(kind, chunks), target, { bufferBytes: 256, syncMaxBytes: 100 });
      assert.deepEqual(target.bytes, chunks.flatMap((chunk) => [...chunk]), `${kind} ${sizes}`);
      assert.deepEqual(target.calls, expected[kind], `${kind} ${sizes}`);
    }
  }
});

Deno.test("writeStream() reads a byte stream on while a buffer is written, other streams not", async () => {
  // 40 chunks of 64 bytes through 256-byte buffers: 10 writes of 10 ms each.
  const cases: [Kind, (overlapped: number) => boolean, number][] = [
    ["bytes", (overlapped) => overlapped >= 20, 10],
    ["chunks", (overlapped) => overlapped === 0, 40],
  ];
  for (const [kind, expected, writes] of cases) {
    const target = new RecordingTarget(Infinity, undefined, 10);
    let overlapped = 0;
    const onRead = () => {
      if (target.writing > 0) overlapped++;
    };
    await writeStream(streamOf(kind, chunksOf(Array(40).fill(64)), { onRead }), target, {
      bufferBytes: 256,
    });
    assert.equal(target.calls.length, writes, kind);
    assert.ok(expected(overlapped), `${kind}: ${overlapped} of 40 reads overlapped a write`);
  }
});

Deno.test("writeStream() rejects with the body's or the write's error, after writes settle", async () => {
  for (const kind of ["bytes", "chunks"] as const) {
    const cases: { name: string; target: RecordingTarget; error?: Error; expected: RegExp }[] = [
      {
        name: "body fails",
        target: new RecordingTarget(),
        error: new Error("cut off"),
        expected: /cut off/,
      },
      {
        name: "write fails",
        target: new RecordingTarget(Infinity, new Error("disk full")),
        expected: /disk full/,
      },
    ];
    for (const { name, target, error, expected } of cases) {
      const body = streamOf(kind, chunksOf([200, 200, 200, 200]), { error });
      await assert.rejects(
        writeStream(body, target, { bufferBytes: 256 }),
        expected,
        `${kind}: ${name}`,
      );
      assert.equal(target.writing, 0, `${kind}: ${name}: no write left in flight`);
    }
  }
});
