/**
 * A streaming `multipart/form-data` reader over web streams. `request.formData()` would hold every
 * uploaded file in memory; this yields each part as soon as its headers are read, with its body
 * as a `ReadableStream` that ends at the next boundary, so a 1 GB upload flows straight to disk.
 *
 * The delimiter (`CRLF--boundary`) is searched for across chunk borders by keeping the last
 * `delimiter.length - 1` unmatched bytes back until more input arrives. Malformed input
 * (no opening boundary, a missing final boundary, headers too large) raises
 * {@linkcode MultipartError}.
 *
 * @module
 */

/** A malformed multipart body; the upload handler answers 400 for it. */
export class MultipartError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "MultipartError";
  }
}

/** One part of a multipart body. */
export interface MultipartPart {
  /** The part's headers. */
  headers: Headers;
  /** `name` of its `Content-Disposition`, if any. */
  name: string | undefined;
  /** `filename` (or decoded `filename*`) of its `Content-Disposition`, if any. */
  filename: string | undefined;
  /**
   * The part's content. Read it to the end (or cancel it) before asking for the next part;
   * whatever is left unread is skipped.
   */
  body: ReadableStream<Uint8Array>;
}

/** Options of {@linkcode parseMultipart}. */
export interface MultipartOptions {
  /** Largest header block of one part, in bytes. @default {16384} */
  maxHeaderBytes?: number;
}

const CRLF = new Uint8Array([13, 10]);

/** Index of `needle` in `haystack` at or after `from`, or -1. */
export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  if (first === undefined) return from;
  const last = haystack.length - needle.length;
  for (
    let i = haystack.indexOf(first, from);
    i !== -1 && i <= last;
    i = haystack.indexOf(first, i + 1)
  ) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/** The `boundary` parameter of a `multipart/form-data` content type, or `undefined`. */
export function multipartBoundary(contentType: string | null): string | undefined {
  if (!contentType) return undefined;
  const [type, ...params] = splitParams(contentType);
  if (type?.toLowerCase() !== "multipart/form-data") return undefined;
  for (const [key, value] of params) if (key === "boundary" && value) return value;
  return undefined;
}

/** Splits `value; a=1; b="x; y"` into the value and its lowercased-key parameters. */
function splitParams(header: string): [string, ...[string, string][]] {
  const semi = header.indexOf(";");
  const head = (semi < 0 ? header : header.slice(0, semi)).trim();
  const params: [string, string][] = [];
  const re = /;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (const m of header.slice(Math.max(semi, 0)).matchAll(re)) {
    const key = (m[1] ?? "").toLowerCase();
    const value = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : (m[3] ?? "").trim();
    params.push([key, value]);
  }
  return [head, ...params];
}

function dispositionParams(headers: Headers): { name?: string; filename?: string } {
  const value = headers.get("content-disposition");
  if (!value) return {};
  const [, ...params] = splitParams(value);
  const out: { name?: string; filename?: string } = {};
  for (const [key, v] of params) {
    if (key === "name") out.name = latin1ToUtf8(v);
    else if (key === "filename" && out.filename === undefined) out.filename = latin1ToUtf8(v);
    else if (key === "filename*") {
      // RFC 5987: charset'lang'percent-encoded; it wins over a plain filename.
      const m = /^[^']*'[^']*'(.*)$/.exec(v);
      try {
        out.filename = decodeURIComponent(m ? m[1] ?? "" : v);
      } catch {
        // Keep the plain filename.
      }
    }
  }
  return out;
}

/** Re-reads a Latin-1 view of header bytes as the UTF-8 that clients actually send. */
function latin1ToUtf8(value: string): string {
  const bytes = Uint8Array.from(value, (c) => c.charCodeAt(0));
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return value;
  }
}

/** Buffered reading of the source with delimiter search. */
class Scanner {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buf: Uint8Array;
  #done = false;

  constructor(source: ReadableStream<Uint8Array>, initial: Uint8Array) {
    this.#reader = source.getReader();
    this.#buf = initial;
  }

  get buffered(): Uint8Array {
    return this.#buf;
  }

  /** Reads one more chunk into the buffer; false at the end of the source. */
  async fill(): Promise<boolean> {
    if (this.#done) return false;
    const { value, done } = await this.#reader.read();
    if (done) {
      this.#done = true;
      return false;
    }
    if (value.length === 0) return true;
    // Buffers are never written after they are filled, so handing out views of them is safe;
    // avoiding copies keeps the garbage of a large upload (and so the peak RSS) small.
    if (this.#buf.length === 0) {
      this.#buf = value;
      return true;
    }
    const merged = new Uint8Array(this.#buf.length + value.length);
    merged.set(this.#buf);
    merged.set(value, this.#buf.length);
    this.#buf = merged;
    return true;
  }

  consume(n: number): void {
    this.#buf = this.#buf.subarray(n);
  }

  /** Reads until `needle` is buffered; returns its index, or -1 at the end of the source. */
  async find(needle: Uint8Array, limit = Infinity): Promise<number> {
    let from = 0;
    while (true) {
      const at = indexOfBytes(this.#buf, needle, from);
      if (at !== -1) return at;
      if (this.#buf.length > limit) return -2;
      from = Math.max(0, this.#buf.length - needle.length + 1);
      if (!await this.fill()) return -1;
    }
  }

  /** Makes sure at least `n` bytes are buffered; false if the source ends first. */
  async need(n: number): Promise<boolean> {
    while (this.#buf.length < n) if (!await this.fill()) return false;
    return true;
  }

  async cancel(reason?: unknown): Promise<void> {
    await this.#reader.cancel(reason).catch(() => {});
  }
}

/**
 * Reads the parts of a multipart `body` with `boundary`, one at a time.
 *
 * @example
 * ```ts
 * for await (const part of parseMultipart(req.body!, boundary)) {
 *   await part.body.pipeTo(sink);
 * }
 * ```
 */
export async function* parseMultipart(
  body: ReadableStream<Uint8Array>,
  boundary: string,
  options: MultipartOptions = {},
): AsyncGenerator<MultipartPart> {
  const maxHeaderBytes = options.maxHeaderBytes ?? 16 * 1024;
  const delimiter = new TextEncoder().encode(`\r\n--${boundary}`);
  // A leading CRLF lets the first boundary match the same delimiter as the others.
  const scanner = new Scanner(body, CRLF);
  try {
    const opening = await scanner.find(delimiter);
    if (opening < 0) throw new MultipartError("multipart: no opening boundary");
    scanner.consume(opening);
    while (true) {
      // At a delimiter: `--` ends the body; otherwise optional whitespace and CRLF.
      scanner.consume(delimiter.length);
      if (!await scanner.need(2)) throw new MultipartError("multipart: unexpected end of body");
      const buf = scanner.buffered;
      if (buf[0] === 45 && buf[1] === 45) return;
      const eol = await scanner.find(CRLF, 1024);
      if (eol < 0) throw new MultipartError("multipart: malformed boundary line");
      if (new TextDecoder().decode(scanner.buffered.subarray(0, eol)).trim() !== "") {
        throw new MultipartError("multipart: malformed boundary line");
      }
      scanner.consume(eol + 2);
      const headers = await readHeaders(scanner, maxHeaderBytes);
      const { name, filename } = dispositionParams(headers);
      let ended = false;
      let failure: unknown;
      const partBody = new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            // A pull must enqueue, close or fail; one that returns empty-handed stalls the stream.
            while (true) {
              const at = indexOfBytes(scanner.buffered, delimiter);
              if (at !== -1) {
                if (at > 0) controller.enqueue(scanner.buffered.subarray(0, at));
                scanner.consume(at);
                ended = true;
                controller.close();
                return;
              }
              const safe = scanner.buffered.length - (delimiter.length - 1);
              if (safe > 0) {
                controller.enqueue(scanner.buffered.subarray(0, safe));
                scanner.consume(safe);
              }
              if (!await scanner.fill()) {
                throw new MultipartError(
                  "multipart: unexpected end of body before the closing boundary",
                );
              }
              if (safe > 0) return;
            }
          } catch (error) {
            failure = error;
            controller.error(error);
          }
        },
      }, { highWaterMark: 0 });
      yield { headers, name, filename, body: partBody };
      if (failure !== undefined) throw failure;
      if (!ended) {
        // The caller left (part of) the body unread: skip to the next delimiter.
        await partBody.cancel().catch(() => {});
        const at = await scanner.find(delimiter);
        if (at < 0) throw new MultipartError("multipart: unexpected end of body");
        scanner.consume(at);
      }
    }
  } finally {
    // Done, failed, or abandoned by the caller: release the source (the epilogue is ignored).
    await scanner.cancel();
  }
}

async function readHeaders(scanner: Scanner, maxHeaderBytes: number): Promise<Headers> {
  const headers = new Headers();
  if (!await scanner.need(2)) {
    throw new MultipartError("multipart: unexpected end of body in part headers");
  }
  // A part without headers starts with the blank line at once.
  if (scanner.buffered[0] === 13 && scanner.buffered[1] === 10) {
    scanner.consume(2);
    return headers;
  }
  const end = await scanner.find(new Uint8Array([13, 10, 13, 10]), maxHeaderBytes);
  if (end === -2) throw new MultipartError("multipart: part headers too large");
  if (end === -1) throw new MultipartError("multipart: unexpected end of body in part headers");
  // Header bytes go into `Headers` as Latin-1 (a ByteString); UTF-8 file names are decoded
  // from it later.
  const text = String.fromCharCode(...scanner.buffered.subarray(0, end));
  scanner.consume(end + 4);
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new MultipartError(`multipart: malformed part header "${line}"`);
    try {
      headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    } catch {
      throw new MultipartError(`multipart: malformed part header "${line}"`);
    }
  }
  return headers;
}
