/**
 * Writes an upload's body to a file in few, large writes. One asynchronous file write per HTTP
 * chunk (16 to 64 KiB) pays a round trip to the I/O thread pool each: about 3,200 of them for
 * 200 MB. Here a plain body's bytes gather in a buffer of {@linkcode COALESCE_BYTES}, and a 200 MB
 * upload costs about 400 writes. Memory stays bounded whatever the file's size: two buffers at most.
 *
 * How the buffer fills depends on the body:
 *
 * - **A byte stream** (a plain request body, the SDKs' octet-stream upload) is read straight into
 *   the buffer (a BYOB reader: no chunk is allocated, nothing is copied), and each full buffer is
 *   written while the next one fills, so the socket and the disk work at the same time.
 * - **Any other stream** (a multipart part, a gzip-decoded body) yields chunks that are already
 *   allocated; each is written as it comes, and reading waits for each write. Gathering them, or
 *   reading ahead, only let the chunks' garbage pile up faster than V8 collects it, which raised
 *   the peak memory of a 200 MB multipart upload by up to 60 MB when tried.
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
 * Writes every byte of `body` to `target`, in order: a byte stream in writes of `bufferBytes`,
 * any other stream chunk by chunk. Resolves once every byte is written; rejects with the
 * first failure of the body or of a write, after any write in flight has settled (so the caller
 * may close the file at once) and with the body cancelled.
 *
 * A small body costs no large buffer: a byte stream's first buffer is `syncMaxBytes` (the larger
 * ones come once it fills), and another stream's chunks are held as they are until they pass
 * `syncMaxBytes`.
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
    else await writeCopied(body, chain, syncMaxBytes);
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
 * Writes another stream's chunks as they come, each awaited before the next is read: its chunks
 * are allocated already, and gathering them into big writes read them faster than V8 collected
 * them (a 200 MB multipart upload's peak RSS grew by up to 60 MB). Only the first
 * `syncMaxBytes` are gathered, so that a small body is one synchronous write.
 */
async function writeCopied(
  body: ReadableStream<Uint8Array>,
  chain: WriteChain,
  syncMaxBytes: number,
): Promise<void> {
  let held: Uint8Array[] | undefined = [];
  let heldBytes = 0;
  const write = async (chunk: Uint8Array) => {
    await chain.start(chunk);
    await chain.settle();
  };
  for await (const chunk of body) {
    if (chunk.length === 0) continue;
    if (held === undefined) {
      await write(chunk);
      continue;
    }
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes <= syncMaxBytes) continue;
    const gathered: Uint8Array[] = held;
    held = undefined;
    for (const piece of gathered) await write(piece);
  }
  if (held === undefined) return;
  const data = new Uint8Array(heldBytes);
  let at = 0;
  for (const piece of held) {
    data.set(piece, at);
    at += piece.length;
  }
  writeAllSync(chain.target, data);
}
