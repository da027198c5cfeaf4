/**
 * `GET /files`: streams a file from disk (`file.readable`, never buffered), with envd's headers:
 * `Content-Type` by extension or sniffing, `Content-Length`, `Last-Modified`,
 * `Content-Disposition: inline`, single-range requests, and gzip when the client asks for it
 * alone (see `accept_encoding.ts`). Range requests are always served uncompressed, as in envd.
 *
 * Responses carry `Cache-Control: no-transform` so that `Deno.serve` does not compress them on
 * its own: the coding is chosen here.
 *
 * The file is looked up and opened as the requesting user ({@linkcode UserFs}); only then is it
 * streamed, through the descriptor. A file or a path the user may not read is refused with
 * **403** and envd's JSON error body (envd itself runs every request as root and has no such
 * answer; 403 is HTTP's "forbidden", and Connect's `permission_denied`, which the filesystem RPCs
 * answer for the same case, maps to 403 too). The SDKs raise it as a `SandboxError` carrying
 * the message.
 *
 * @module
 */
import { posix } from "@kruise-agents/shared/std";
import { EnvdHttpError } from "../errors.ts";
import { negotiateEncoding } from "./accept_encoding.ts";
import { contentTypeFor } from "./content_type.ts";
import type { UserFs } from "../filesystem/user_fs.ts";

const SNIFF_BYTES = 512;

/** A `Content-Disposition` that survives non-ASCII names (headers are Latin-1 only). */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "\\$&");
  if (/^[\x20-\x7e]*$/.test(name)) return `inline; filename="${ascii}"`;
  return `inline; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** A parsed `Range: bytes=...` for a file of `size` bytes: `[start, end]` inclusive. */
export function parseRange(header: string, size: number): [number, number] | "invalid" | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined; // multiple or unknown ranges: serve the whole file
  const [, from = "", to = ""] = m;
  if (from === "" && to === "") return undefined;
  if (from === "") {
    const suffix = Number(to);
    if (suffix === 0) return "invalid";
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(from);
  const end = to === "" ? size - 1 : Math.min(Number(to), size - 1);
  if (start >= size || end < start) return "invalid";
  return [start, end];
}

/** `length` bytes of `file` from its current position, closing it at the end or on cancel. */
function slice(file: Deno.FsFile, length: number): ReadableStream<Uint8Array> {
  let left = length;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const buf = new Uint8Array(Math.min(left, 64 * 1024));
      const n = left > 0 ? await file.read(buf) : null;
      if (n === null || n === 0) {
        file.close();
        controller.close();
        return;
      }
      left -= n;
      controller.enqueue(buf.subarray(0, n));
      if (left === 0) {
        file.close();
        controller.close();
      }
    },
    cancel() {
      file.close();
    },
  });
}

/** Serves the file at the absolute `path` for `req`, read as `fs`'s user. */
export async function download(req: Request, path: string, fs: UserFs): Promise<Response> {
  let info: Deno.FileInfo;
  try {
    info = fs.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      throw new EnvdHttpError(404, `path '${path}' does not exist`);
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new EnvdHttpError(403, `error checking if path exists '${path}': permission denied`);
    }
    throw new EnvdHttpError(500, `error checking if path exists '${path}': ${error}`);
  }
  if (info.isDirectory) throw new EnvdHttpError(400, `path '${path}' is a directory`);
  const rangeHeader = req.headers.get("range");
  let encoding = negotiateEncoding(req.headers.get("accept-encoding"));
  if (encoding === undefined) {
    throw new EnvdHttpError(406, "no acceptable encoding found, supported: [gzip]");
  }
  if (rangeHeader) encoding = "identity";

  let file: Deno.FsFile;
  try {
    file = fs.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new EnvdHttpError(403, `error opening file '${path}': permission denied`);
    }
    throw new EnvdHttpError(500, `error opening file '${path}': ${error}`);
  }
  const head = new Uint8Array(SNIFF_BYTES);
  const sniffed = (await file.read(head)) ?? 0;
  await file.seek(0, Deno.SeekMode.Start);

  const headers = new Headers({
    "content-type": contentTypeFor(path, head.subarray(0, sniffed)),
    "content-disposition": contentDisposition(posix.basename(path)),
    "accept-ranges": "bytes",
    "cache-control": "no-transform",
    vary: "Accept-Encoding",
  });
  if (info.mtime) headers.set("last-modified", info.mtime.toUTCString());

  if (encoding === "gzip") {
    headers.set("content-encoding", "gzip");
    return new Response(file.readable.pipeThrough(new CompressionStream("gzip")), { headers });
  }
  const size = info.size;
  const range = rangeHeader ? parseRange(rangeHeader, size) : undefined;
  if (range === "invalid") {
    file.close();
    headers.set("content-range", `bytes */${size}`);
    return new Response(null, { status: 416, headers });
  }
  if (range) {
    const [start, end] = range;
    await file.seek(start, Deno.SeekMode.Start);
    headers.set("content-range", `bytes ${start}-${end}/${size}`);
    headers.set("content-length", String(end - start + 1));
    return new Response(slice(file, end - start + 1), { status: 206, headers });
  }
  headers.set("content-length", String(size));
  return new Response(file.readable, { headers });
}
