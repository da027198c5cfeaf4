/**
 * Writes an upload's body to a file in few, large writes. One asynchronous file write per HTTP
 * chunk (16 to 64 KiB) pays a round trip to the I/O thread pool each: about 3,200 of them for
 * 200 MB. Here the bytes gather in a buffer of {@linkcode COALESCE_BYTES}, and a 200 MB upload
 * costs about 400 writes. Memory stays bounded whatever the file's size: two buffers at most.
 *
 * How the buffer fills depends on the body:
 *
 * - **A byte stream** (a plain request body, the SDKs' octet-stream upload) is read straight into
 *   the buffer (a BYOB reader: no chunk is allocated, nothing is copied), and each full buffer is
 *   written while the next one fills, so the socket and the disk work at the same time.
 * - **Any other stream** (a multipart part, a gzip-decoded body) yields chunks that are already
 *   allocated; they are copied into the buffer, and reading waits for each write as before. Read
 *   ahead there would only let the chunks' garbage pile up faster than V8 collects it, which
 *   raised the peak memory of a 200 MB multipart upload by up to 60 MB when tried.
 *
 * A body that ends before anything was written, and is small, is written with one synchronous
 * call: for a small upload that saves the thread-pool round trip, most of its cost.
 *
 * @module
 */

/** The size of each write buffer, bytes. */
export const COALESCE_BYTES = 512 * 1024;

/** Largest final write done synchronously when nothing was written before it, bytes. */
export const SYNC_WRITE_MAX_BYTES = 64 * 1024;

/** The part of `Deno.FsFile` that {@linkcode writeStream} writes through. */
export type WriteTarget = Pick<Deno.FsFile, "write" | "writeSync">;

/** Writes all of `data` (a write may take less than it is given). */
async function writeAll(target: WriteTarget, data: Uint8Array): Promise<void> {
  while (data.length > 0) data = data.subarray(await target.write(data));
}

/** Writes all of `data` synchronously. */
function writeAllSync(target: WriteTarget, data: Uint8Array): void {
  while (data.length > 0) data = data.subarray(target.writeSync(data));
}

/** One write at a time, started in order; a failure surfaces at the next `start` or `settle`. */
class WriteChain {
  #inFlight: Promise<void> | undefined;
  /** Whether any write was started. */
  started = false;
  constructor(readonly target: WriteTarget) {}
  /** Waits for the write in flight (rethrowing its failure), then starts writing `data`. */
  async start(data: Uint8Array): Promise<void> {
    await this.#inFlight;
    this.#inFlight = writeAll(this.target, data);
    this.#inFlight.catch(() => {}); // awaited later; this only keeps it from counting as unhandled
    this.started = true;
  }
  /** Waits for the write in flight; rethrows its failure. */
  async settle(): Promise<void> {
    await this.#inFlight;
  }
  /** Waits for the write in flight, ignoring its failure (the caller is failing already). */
  async drain(): Promise<void> {
    await this.#inFlight?.catch(() => {});
  }
}

/** Options of {@linkcode writeStream}. */
export interface WriteStreamOptions {
  /** Size of each write buffer. @default {COALESCE_BYTES} */
  bufferBytes?: number;
  /** Largest body written synchronously. @default {SYNC_WRITE_MAX_BYTES} */
  syncMaxBytes?: number;
}

/**
 * Writes every byte of `body` to `target`, in order, in writes of `bufferBytes` (a copied chunk at
 * least that large is written as it is). Resolves once every byte is written; rejects with the
 * first failure of the body or of a write, after any write in flight has settled (so the caller
 * may close the file at once) and with the body cancelled.
 *
 * A small body costs no large buffer: a byte stream's first buffer is `syncMaxBytes` (the larger
 * ones come once it fills), and another stream's first chunk is held as it is until a second one
 * comes.
 */
export async function writeStream(
  body: ReadableStream<Uint8Array>,
  target: WriteTarget,
  options: WriteStreamOptions = {},
): Promise<void> {
  const bufferBytes = options.bufferBytes ?? COALESCE_BYTES;
  const syncMaxBytes = Math.min(options.syncMaxBytes ?? SYNC_WRITE_MAX_BYTES, bufferBytes);
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream: read its chunks.
  }
  const chain = new WriteChain(target);
  try {
    if (byob) await writeByob(byob, chain, bufferBytes, syncMaxBytes);
    else await writeCopied(body, chain, bufferBytes, syncMaxBytes);
  } catch (error) {
    await chain.drain();
    if (byob) await byob.cancel(error).catch(() => {});
    throw error;
  }
}

/**
 * Reads a byte stream into two buffers in turn, writing one while the other fills; the first
 * buffer is a small one, so that a small body never allocates a large one.
 */
async function writeByob(
  reader: ReadableStreamBYOBReader,
  chain: WriteChain,
  bufferBytes: number,
  syncMaxBytes: number,
): Promise<void> {
  let buffer = new ArrayBuffer(syncMaxBytes);
  let spare: ArrayBuffer | undefined;
  for (let done = false; !done;) {
    const size = buffer.byteLength;
    let filled = 0;
    while (filled < size) {
      // A BYOB read transfers the buffer it fills: carry on with the one it hands back.
      const read = await reader.read(new Uint8Array(buffer, filled, size - filled));
      if (read.value) buffer = read.value.buffer as ArrayBuffer;
      if (read.done) {
        done = true;
        break;
      }
      filled += read.value.length;
    }
    const data = new Uint8Array(buffer, 0, filled);
    if (done && !chain.started && filled <= syncMaxBytes) {
      return writeAllSync(chain.target, data);
    }
    if (filled === 0) continue;
    await chain.start(data);
    // `spare` was the buffer of the write that `start` waited for: free to fill now. The small
    // first buffer is not kept.
    const kept = buffer.byteLength === bufferBytes ? buffer : undefined;
    [buffer, spare] = [spare ?? new ArrayBuffer(bufferBytes), kept];
  }
  await chain.settle();
}

/**
 * Copies a stream's chunks into one buffer, writing it (and waiting) each time it fills. The
 * first chunk is held uncopied until a second one comes: a one-chunk body needs no buffer.
 */
async function writeCopied(
  body: ReadableStream<Uint8Array>,
  chain: WriteChain,
  bufferBytes: number,
  syncMaxBytes: number,
): Promise<void> {
  let held: Uint8Array | undefined;
  let buffer: Uint8Array | undefined;
  let filled = 0;
  const flush = async () => {
    if (filled === 0 || buffer === undefined) return;
    await chain.start(buffer.subarray(0, filled));
    await chain.settle();
    filled = 0;
  };
  const add = async (chunk: Uint8Array) => {
    if (chunk.length >= bufferBytes) {
      await flush();
      await chain.start(chunk);
      return await chain.settle();
    }
    while (chunk.length > 0) {
      buffer ??= new Uint8Array(bufferBytes);
      const take = Math.min(chunk.length, bufferBytes - filled);
      buffer.set(chunk.subarray(0, take), filled);
      filled += take;
      chunk = chunk.subarray(take);
      if (filled === bufferBytes) await flush();
    }
  };
  for await (const chunk of body) {
    if (chunk.length === 0) continue;
    if (buffer === undefined && held === undefined && !chain.started) {
      held = chunk;
      continue;
    }
    if (held) await add(held);
    held = undefined;
    await add(chunk);
  }
  if (!chain.started && held === undefined && filled <= syncMaxBytes) {
    return writeAllSync(chain.target, buffer?.subarray(0, filled) ?? new Uint8Array(0));
  }
  if (!chain.started && held !== undefined && held.length <= syncMaxBytes) {
    return writeAllSync(chain.target, held);
  }
  if (held) {
    await chain.start(held);
    return await chain.settle();
  }
  await flush();
}
