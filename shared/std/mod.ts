/**
 * Small std-style helpers standing in for `jsr:@std/*` packages, which cannot be fetched on the
 * project's machines, and the few seams every program shares: the {@linkcode Clock}, the
 * {@linkcode Logger}, and the capped body reader. Each concept lives here once.
 *
 * @module
 */
export * from "./async.ts";
export * from "./clock.ts";
export * from "./coded_error.ts";
export * from "./http_error.ts";
export * from "./json.ts";
export * from "./path_exists.ts";
export * from "./logger.ts";
export * from "./posix_path.ts";
export * from "./read_json.ts";
export * from "./safe_equal.ts";
export * from "./shell_quote.ts";
export * from "./text_line_stream.ts";
export * from "./time.ts";
