/**
 * `POST /files`: writes uploaded files for the run-as user. Two body shapes, as envd takes them:
 * `multipart/form-data`, where every part named `file` is a file (target: the `path` parameter,
 * else the part's file name, resolved like any path) and other parts are skipped; and
 * `application/octet-stream`, the raw body written to the required `path`. Either may be
 * `Content-Encoding: gzip`. Everything is streamed: the multipart reader hands over each part as
 * it arrives and each file goes to disk through {@linkcode writeFileAtomic}, as the requesting
 * user: a place that user may not write is refused with 403 (see `download.ts` for the choice).
 *
 * The reply lists the written files in part order as `{path, name, type: "file"}`, plus
 * `metadata` only when there is some; the SDK tests compare it exactly.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { posix } from "@kruise-agents/shared/std";
import { EnvdHttpError } from "../errors.ts";
import { resolvePath } from "../paths.ts";
import type { UserFs } from "../filesystem/user_fs.ts";
import type { User } from "../users.ts";
import { GZIP } from "./accept_encoding.ts";
import { writeFileAtomic } from "./atomic_write.ts";
import { parseMetadataHeaders } from "./metadata_headers.ts";
import { multipartBoundary, MultipartError, parseMultipart } from "./multipart.ts";

/** One entry of the upload reply. */
export interface UploadedFile {
  /** Absolute path written. */
  path: string;
  /** Its base name. */
  name: string;
  /** Always `"file"`. */
  type: "file";
  /** The stored metadata, present only when non-empty. */
  metadata?: Record<string, string>;
}

/** Where an upload goes and as whom. */
export interface UploadTarget {
  /** Run-as user. */
  user: User;
  /** The filesystem as that user sees it. */
  fs: UserFs;
  /** The `path` query parameter, if given. */
  path: string | null;
  /** Default workdir from `/init`, for an empty path. */
  workdir: string | undefined;
}

function decoded(req: Request): ReadableStream<Uint8Array> {
  const body = req.body ?? ReadableStream.from<Uint8Array>([]);
  const header = req.headers.get("content-encoding");
  const coding = header?.split(";")[0]?.trim().toLowerCase();
  if (!coding || coding === "identity") return body;
  if (coding === GZIP) {
    return body.pipeThrough(
      new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
    );
  }
  throw new EnvdHttpError(400, `unsupported Content-Encoding: ${header}, supported: [gzip]`);
}

/** Maps a failure while writing `path` to the HTTP status envd would answer. */
function writeError(error: unknown, path: string): EnvdHttpError {
  if (error instanceof EnvdHttpError) return error;
  if (error instanceof MultipartError) return new EnvdHttpError(400, error.message);
  if (error instanceof ConnectError && error.code === Code.InvalidArgument) {
    return new EnvdHttpError(
      400,
      `error creating parent directories of '${path}': ${error.rawMessage}`,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Deno.errors.PermissionDenied) {
    return new EnvdHttpError(403, `error writing file '${path}': permission denied`);
  }
  if (error instanceof Deno.errors.NotADirectory || error instanceof Deno.errors.IsADirectory) {
    return new EnvdHttpError(400, `error writing file '${path}': ${message}`);
  }
  if (/no space left|os error 28/i.test(message)) {
    return new EnvdHttpError(507, `not enough disk space to write '${path}': ${message}`);
  }
  if (error instanceof TypeError || /corrupt|gzip|deflate/i.test(message)) {
    // A body that could not be decoded (bad gzip) is the client's fault.
    return new EnvdHttpError(400, `error reading request body for '${path}': ${message}`);
  }
  return new EnvdHttpError(500, `error writing file '${path}': ${message}`);
}

async function writeOne(
  path: string,
  body: ReadableStream<Uint8Array>,
  fs: UserFs,
  metadata: Record<string, string>,
): Promise<UploadedFile> {
  try {
    const { metadataStored } = await writeFileAtomic(path, body, fs, metadata);
    const entry: UploadedFile = { path, name: posix.basename(path), type: "file" };
    if (metadataStored && Object.keys(metadata).length > 0) entry.metadata = { ...metadata };
    return entry;
  } catch (error) {
    throw writeError(error, path);
  }
}

/** Handles an upload request; answers the JSON reply or throws an `EnvdHttpError`. */
export async function upload(req: Request, target: UploadTarget): Promise<Response> {
  const metadata = parseMetadataHeaders(req.headers);
  const contentType = req.headers.get("content-type") ?? "";
  const mediaType = contentType.split(";")[0]?.trim().toLowerCase();
  const resolve = (p: string) => resolvePath(p, target.user.home, target.workdir);

  if (mediaType === "application/octet-stream") {
    if (!target.path) throw new EnvdHttpError(400, "path is required for octet-stream upload");
    const path = resolve(target.path);
    return Response.json([await writeOne(path, decoded(req), target.fs, metadata)]);
  }

  if (mediaType === "multipart/form-data") {
    const boundary = multipartBoundary(contentType);
    if (!boundary) throw new EnvdHttpError(400, "multipart/form-data without a boundary");
    const written: UploadedFile[] = [];
    const seen = new Set<string>();
    try {
      for await (const part of parseMultipart(decoded(req), boundary)) {
        if (part.name !== "file") continue;
        const raw = target.path ?? part.filename;
        if (!raw) throw new EnvdHttpError(400, "missing path: no path parameter and no file name");
        const path = resolve(raw);
        if (seen.has(path)) {
          throw new EnvdHttpError(400, `cannot upload multiple files to the same path '${path}'`);
        }
        seen.add(path);
        written.push(await writeOne(path, part.body, target.fs, metadata));
      }
    } catch (error) {
      throw writeError(error, target.path ?? "");
    }
    return Response.json(written);
  }

  throw new EnvdHttpError(
    400,
    `unsupported Content-Type '${contentType}': use multipart/form-data or application/octet-stream`,
  );
}
