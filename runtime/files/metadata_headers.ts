/**
 * File metadata arrives as `X-Metadata-<key>: <value>` request headers (the SDKs' `metadata`
 * write option) and is stored as `user.e2b.<key>` xattrs. The limits are envd's, set by what an
 * xattr can hold: the full attribute name within 255 bytes, all of it within 4 KiB.
 *
 * @module
 */
import { EnvdHttpError } from "../errors.ts";
import { METADATA_PREFIX } from "../filesystem/xattr.ts";

const HEADER_PREFIX = "x-metadata-";
const MAX_KEY_BYTES = 255 - METADATA_PREFIX.length;
const MAX_TOTAL_BYTES = 4096;

/** Reads and checks the metadata headers; bad ones are a 400 `EnvdHttpError`. */
export function parseMetadataHeaders(headers: Headers): Record<string, string> {
  const metadata: Record<string, string> = {};
  let total = 0;
  for (const [name, value] of headers) {
    if (!name.startsWith(HEADER_PREFIX)) continue;
    // Header names arrive lowercased, which is also how envd stores keys.
    const key = name.slice(HEADER_PREFIX.length);
    if (key === "" || !/^[\x21-\x7e]+$/.test(key)) {
      throw new EnvdHttpError(400, `invalid metadata key '${key}': must be printable ASCII`);
    }
    if (key.length > MAX_KEY_BYTES) {
      throw new EnvdHttpError(400, `metadata key '${key}' is longer than ${MAX_KEY_BYTES} bytes`);
    }
    total += key.length + new TextEncoder().encode(value).length;
    metadata[key] = value;
  }
  if (total > MAX_TOTAL_BYTES) {
    throw new EnvdHttpError(400, `metadata is larger than ${MAX_TOTAL_BYTES} bytes`);
  }
  return metadata;
}
