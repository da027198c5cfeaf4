/**
 * Small std-style helpers standing in for `jsr:@std/*` packages, which cannot be fetched on the
 * project's machines. Each is a few lines with its own tests.
 *
 * @module
 */
export * from "./async.ts";
export * from "./text_line_stream.ts";
export * from "./posix_path.ts";
