/**
 * Reading a request's JSON body with a size cap, the one way every program reads one. A body is
 * read as a stream and abandoned as soon as it passes the cap, so a client cannot make a program
 * hold an arbitrarily large body in memory. Each program maps the two failures to its protocol's
 * own error: `BodyTooLargeError` to HTTP 413 or Connect `resource_exhausted`, `SyntaxError` to a
 * 400 or `invalid_argument`.
 *
 * @module
 */

/**
 * Default cap of {@linkcode readJson}: 1 MiB, far above any JSON body the E2B SDKs send.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_JSON_BYTES, readJson } from "@kruise-agents/shared/std";
 * const request = new Request("http://localhost/", { method: "POST", body: "{}" });
 * const body = await readJson(request, { maxBytes: DEFAULT_MAX_JSON_BYTES / 4 });
 * ```
 */
export const DEFAULT_MAX_JSON_BYTES = 1024 * 1024;

/**
 * A body longer than the cap of {@linkcode readJson} or {@linkcode readText}.
 *
 * @example
 * ```ts
 * import { BodyTooLargeError, readJson } from "@kruise-agents/shared/std";
 * const request = new Request("http://localhost/", { method: "POST", body: "[1,2,3]" });
 * const response = await readJson(request, { maxBytes: 4 }).then(
 *   () => new Response(null, { status: 204 }),
 *   (error) => new Response(null, { status: error instanceof BodyTooLargeError ? 413 : 400 }),
 * );
 * console.log(response.status); // 413
 * ```
 */
export class BodyTooLargeError extends RangeError {
  /** The cap that was passed, in bytes. */
  readonly limit: number;

  /** Creates the error. */
  constructor(limit: number) {
    super(`Cannot read the request body: it is larger than ${limit} bytes`);
    this.name = "BodyTooLargeError";
    this.limit = limit;
  }
}

/**
 * Options of {@linkcode readJson} and {@linkcode readText}.
 *
 * @example
 * ```ts
 * import { readText, type ReadBodyOptions } from "@kruise-agents/shared/std";
 * const options: ReadBodyOptions = { maxBytes: 64 * 1024 };
 * const text = await readText(new Response("hello"), options);
 * ```
 */
export interface ReadBodyOptions {
  /** Largest body accepted, in bytes. @default {DEFAULT_MAX_JSON_BYTES} */
  maxBytes?: number;
}

/**
 * The body of `message` as text, at most `options.maxBytes` bytes long.
 *
 * @throws {BodyTooLargeError} when the body (or its `Content-Length`) is longer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BodyTooLargeError, readText } from "@kruise-agents/shared/std";
 * const request = new Request("http://localhost/", { method: "POST", body: "hi" });
 * assert.equal(await readText(request), "hi");
 * await assert.rejects(readText(new Response("x".repeat(10)), { maxBytes: 5 }), BodyTooLargeError);
 * ```
 */
export async function readText(
  message: Request | Response,
  options: ReadBodyOptions = {},
): Promise<string> {
  const limit = options.maxBytes ?? DEFAULT_MAX_JSON_BYTES;
  const declared = Number(message.headers.get("content-length") ?? NaN);
  if (declared > limit) {
    await message.body?.cancel();
    throw new BodyTooLargeError(limit);
  }
  if (message.body === null) return "";
  const decoder = new TextDecoder();
  let text = "";
  let length = 0;
  for await (const chunk of message.body) {
    length += chunk.byteLength;
    if (length > limit) throw new BodyTooLargeError(limit); // leaving the loop cancels the body
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}

/**
 * The JSON body of `message`: `undefined` for an empty body.
 *
 * @throws {BodyTooLargeError} when the body is longer than `options.maxBytes`.
 * @throws {SyntaxError} when it is not JSON.
 *
 * @example
 * ```ts
 * import { readJson } from "@kruise-agents/shared/std";
 * const body = await readJson(new Request("http://x/", { method: "POST", body: '{"a":1}' }));
 * ```
 */
export async function readJson(
  message: Request | Response,
  options: ReadBodyOptions = {},
): Promise<unknown> {
  const text = await readText(message, options);
  if (text.trim() === "") return undefined;
  return JSON.parse(text);
}
