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

/**
 * Writes every byte of `body` to `target`, in order, in writes of `bufferBytes` (a copied chunk at
 * least that large is written as it is). Resolves once every byte is written; rejects with the
 * first failure of the body or of a write, after any write in flight has settled (so the caller
 * may close the file at once) and with the body cancelled.
 */
export async function writeStream(
  body: ReadableStream<Uint8Array>,
  target: WriteTarget,
  bufferBytes = COALESCE_BYTES,
): Promise<void> {
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream: read its chunks.
  }
  const chain = new WriteChain(target);
  try {
    if (byob) await writeByob(byob, chain, bufferBytes);
    else await writeCopied(body, chain, bufferBytes);
  } catch (error) {
    await chain.drain();
    if (byob) await byob.cancel(error).catch(() => {});
    throw error;
  }
}

/** Reads a byte stream into two buffers in turn, writing one while the other fills. */
async function writeByob(
  reader: ReadableStreamBYOBReader,
  chain: WriteChain,
  bufferBytes: number,
): Promise<void> {
  let buffer = new ArrayBuffer(bufferBytes);
  let spare: ArrayBuffer | undefined;
  for (let done = false; !done;) {
    let filled = 0;
    while (filled < bufferBytes) {
      // A BYOB read transfers the buffer it fills: carry on with the one it hands back.
      const read = await reader.read(new Uint8Array(buffer, filled, bufferBytes - filled));
      if (read.value) buffer = read.value.buffer as ArrayBuffer;
      if (read.done) {
        done = true;
        break;
      }
      filled += read.value.length;
    }
    const data = new Uint8Array(buffer, 0, filled);
    if (done && !chain.started && filled <= SYNC_WRITE_MAX_BYTES) {
      return writeAllSync(chain.target, data);
    }
    if (filled === 0) continue;
    await chain.start(data);
    // `spare` was the buffer of the write that `start` waited for: free to fill now.
    [buffer, spare] = [spare ?? new ArrayBuffer(bufferBytes), buffer];
  }
  await chain.settle();
}

/** Copies a stream's chunks into one buffer, writing it (and waiting) each time it fills. */
async function writeCopied(
  body: ReadableStream<Uint8Array>,
  chain: WriteChain,
  bufferBytes: number,
): Promise<void> {
  let buffer: Uint8Array | undefined;
  let filled = 0;
  const flush = async () => {
    if (filled === 0 || buffer === undefined) return;
    await chain.start(buffer.subarray(0, filled));
    await chain.settle();
    filled = 0;
  };
  for await (let chunk of body) {
    if (chunk.length >= bufferBytes) {
      await flush();
      await chain.start(chunk);
      await chain.settle();
      continue;
    }
    while (chunk.length > 0) {
      buffer ??= new Uint8Array(bufferBytes);
      const take = Math.min(chunk.length, bufferBytes - filled);
      buffer.set(chunk.subarray(0, take), filled);
      filled += take;
      chunk = chunk.subarray(take);
      if (filled === bufferBytes) await flush();
    }
  }
  if (!chain.started && filled <= SYNC_WRITE_MAX_BYTES) {
    return writeAllSync(chain.target, buffer?.subarray(0, filled) ?? new Uint8Array(0));
  }
  await flush();
}
