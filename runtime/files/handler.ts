/**
 * `GET`/`POST /files` (placeholder until the files handler lands).
 *
 * @module
 */
import type { RuntimeDeps } from "../deps.ts";
import { errorResponse } from "../errors.ts";

/** Builds the `/files` handler. */
export function filesHandler(_deps: RuntimeDeps): (req: Request) => Promise<Response> {
  return () => Promise.resolve(errorResponse(501, "not implemented"));
}
