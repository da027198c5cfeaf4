/**
 * `Content-Type` of a download, as Go's `http.ServeContent` picks it: by extension first, else by
 * sniffing the first 512 bytes (`http.DetectContentType`'s common signatures, then text versus
 * binary).
 *
 * @module
 */
import { posix } from "@kruise-agents/shared/std";

const BY_EXTENSION: Record<string, string> = {
  ".avif": "image/avif",
  ".css": "text/css; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".gif": "image/gif",
  ".gz": "application/gzip",
  ".htm": "text/html; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".jpeg": "image/jpeg",
  ".jpg": "image/jpeg",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".md": "text/markdown; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".mp3": "audio/mpeg",
  ".mp4": "video/mp4",
  ".pdf": "application/pdf",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".tar": "application/x-tar",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
  ".webp": "image/webp",
  ".xml": "text/xml; charset=utf-8",
  ".zip": "application/zip",
};

const SIGNATURES: [number[], string][] = [
  [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "image/png"],
  [[0xff, 0xd8, 0xff], "image/jpeg"],
  [[0x47, 0x49, 0x46, 0x38], "image/gif"],
  [[0x25, 0x50, 0x44, 0x46, 0x2d], "application/pdf"],
  [[0x50, 0x4b, 0x03, 0x04], "application/zip"],
  [[0x1f, 0x8b, 0x08], "application/x-gzip"],
  [[0x00, 0x61, 0x73, 0x6d], "application/wasm"],
];

/** Sniffs `head` (the first bytes of a file) as `http.DetectContentType` would, roughly. */
export function sniffContentType(head: Uint8Array): string {
  for (const [magic, type] of SIGNATURES) {
    if (magic.every((byte, i) => head[i] === byte)) return type;
  }
  const text = new TextDecoder().decode(head.subarray(0, 64)).trimStart().toLowerCase();
  if (text.startsWith("<!doctype html") || text.startsWith("<html")) {
    return "text/html; charset=utf-8";
  }
  if (text.startsWith("<?xml")) return "text/xml; charset=utf-8";
  // Go's rule: any byte that never occurs in text makes it binary.
  for (const byte of head) {
    if (
      byte <= 0x08 || byte === 0x0b || (byte >= 0x0e && byte <= 0x1a) ||
      (byte >= 0x1c && byte <= 0x1f)
    ) {
      return "application/octet-stream";
    }
  }
  return "text/plain; charset=utf-8";
}

/** The content type for `path` whose first bytes are `head`. */
export function contentTypeFor(path: string, head: Uint8Array): string {
  return BY_EXTENSION[posix.extname(path).toLowerCase()] ?? sniffContentType(head);
}
