/**
 * `filesystem.Filesystem` (placeholder until the filesystem service lands).
 *
 * @module
 */
import type { ConnectRouter } from "@connectrpc/connect";
import type { RuntimeDeps } from "../deps.ts";

/** Registers the filesystem service on `router`. */
export function filesystemRoutes(_router: ConnectRouter, _deps: RuntimeDeps): void {}
