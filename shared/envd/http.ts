/**
 * envd's plain HTTP contract on its own, without the generated protobuf code: what the manager
 * and the local node need to reach a runtime (ports, version, token header, URL helper, `/init`
 * and `/metrics` bodies). A program that does not speak Connect imports this and does not load
 * the protobuf runtime.
 *
 * @module
 */
export * from "./init_request.ts";
export * from "./metrics.ts";
export * from "./ports.ts";
