/**
 * The envd contract, both halves of it in one place so that the runtime that serves it and the
 * manager that calls it agree:
 *
 * - the protobuf messages and service descriptors of E2B's `process.Process` and
 *   `filesystem.Filesystem`, generated from `proto/` by `deno task gen` and committed;
 * - the plain HTTP contract: the ports, the envd version, the access-token header and the URL
 *   helper (`ports.ts`), the `/init` body and its parser (`init_request.ts`), and the `/metrics`
 *   body and its parser (`metrics.ts`).
 *
 * @module
 */
export * from "./gen/process/process_pb.ts";
export * from "./gen/filesystem/filesystem_pb.ts";
export * from "./http.ts";
