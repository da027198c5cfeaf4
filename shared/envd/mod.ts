/**
 * The envd contract: protobuf messages and service descriptors of E2B's `process.Process` and
 * `filesystem.Filesystem`, generated from `proto/` by `deno task gen` and committed, so that the
 * runtime that serves them and every test client that calls them agree on one wire format.
 *
 * @module
 */
export * from "./gen/process/process_pb.ts";
export * from "./gen/filesystem/filesystem_pb.ts";
