/**
 * The runtime's envd-compatible API as one fetch handler: Connect routes (`process.Process`,
 * `filesystem.Filesystem`) first, then envd's plain HTTP routes (`/health`, `/init`, `/envs`,
 * `/metrics`, `/files`), else a JSON 404. It is a pure function of its dependencies, so tests
 * call it without a socket; `main.ts` puts it on `Deno.serve`.
 *
 * Access: once the runtime has an access token (from birth: see `state.ts`), every request needs
 * it in `X-Access-Token` (else envd's 401) except `GET /health`, `OPTIONS` (CORS preflights carry
 * no credentials) and `/files` with a valid signed URL; `/init` needs it too. A runtime started
 * without a token is open until an `/init` sets one.
 *
 * Request bodies are capped: Connect messages at `MAX_RPC_MESSAGE_BYTES` (`resource_exhausted`),
 * `/init` at `readJson`'s 1 MiB (413); `/files` uploads are streamed to disk, never held.
 *
 * Shutting down ({@linkcode Runtime.shutdown}) ends every open Connect stream with the error
 * E2B's SDKs report as the sandbox being killed (`stream_end.ts`).
 *
 * @module
 */
import { BodyTooLargeError, readJson } from "@kruise-agents/shared/std";
import { hasValidToken } from "./auth.ts";
import { connectFetch } from "./connect_routes.ts";
import type { RuntimeDeps } from "./deps.ts";
import { EnvdHttpError, errorResponse, UNAUTHORIZED_MESSAGE } from "./errors.ts";
import { filesHandler } from "./files/handler.ts";
import { filesystemRoutes } from "./filesystem/service.ts";
import { MetricsSampler } from "./metrics.ts";
import { ProcessTable } from "./process/process_table.ts";
import { processRoutes } from "./process/service.ts";
import { RuntimeState } from "./state.ts";
import { shutdownError } from "./stream_end.ts";
import {
  ACCESS_TOKEN_HEADER,
  type InitRequest,
  parseInitRequest,
} from "@kruise-agents/shared/envd";
import { UserDirectory } from "./users.ts";

/** Options of {@linkcode createRuntime}. */
export interface RuntimeOptions {
  /** Sandbox-wide state; a fresh one by default. */
  state?: RuntimeState;
  /** Account directory; the system's by default. */
  users?: UserDirectory;
}

/** A running runtime: its fetch handler and what it owns. */
export interface Runtime extends AsyncDisposable {
  /** Serves one request. */
  fetch(req: Request): Promise<Response>;
  /** Sandbox-wide state (env vars, token, default user). */
  readonly state: RuntimeState;
  /** Shared dependencies, for the code interpreter and tests. */
  readonly deps: RuntimeDeps;
  /** Running and recently finished processes. */
  readonly processes: ProcessTable;
  /**
   * Ends every open Connect stream with `unavailable` and the sandbox-was-killed words
   * (`SHUTDOWN_MESSAGE`), and every stream opened from now on. Call it when the runtime is told
   * to stop, before the processes are killed, whose `end` events would otherwise read as
   * ordinary exits.
   */
  shutdown(): void;
}

const CORS_HEADERS: Record<string, string> = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "HEAD, GET, POST, PUT, PATCH, DELETE",
  "access-control-allow-headers": "*",
  "access-control-expose-headers":
    "connect-content-encoding, connect-accept-encoding, grpc-status, grpc-message, content-encoding",
  "access-control-max-age": "7200",
};

/** Builds the runtime. */
export function createRuntime(options: RuntimeOptions = {}): Runtime {
  const state = options.state ?? new RuntimeState();
  const users = options.users ?? new UserDirectory();
  const deps: RuntimeDeps = { state, users };
  const processes = new ProcessTable();
  const stopping = new AbortController();
  const connect = connectFetch((router) => {
    processRoutes(router, deps, processes);
    filesystemRoutes(router, deps);
  }, { shutdownSignal: stopping.signal });
  const files = filesHandler(deps);
  const metrics = new MetricsSampler();

  async function route(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const path = url.pathname;
    if (req.method === "OPTIONS") return new Response(null, { status: 204 });
    if (path === "/health") {
      return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
    }
    if (path === "/files") return await files(req);
    if (path === "/init" && req.method === "POST") return await init(req);
    if (!hasValidToken(req, state)) return errorResponse(401, UNAUTHORIZED_MESSAGE);
    const rpc = req.method === "POST" ? connect(req) : undefined;
    if (rpc) return await rpc;
    if (path === "/envs" && req.method === "GET") return Response.json(state.envVars);
    if (path === "/metrics" && req.method === "GET") return Response.json(await metrics.sample());
    return errorResponse(404, `${req.method} ${path} not found`);
  }

  async function init(req: Request): Promise<Response> {
    // Once the runtime has a token (from birth, or from the first /init of a runtime started
    // without one), /init needs it, and cannot name another one or clear it.
    if (!hasValidToken(req, state)) return errorResponse(401, UNAUTHORIZED_MESSAGE);
    let body: unknown;
    try {
      body = await readJson(req);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return errorResponse(413, error.message);
      return errorResponse(400, "invalid init request: body is not valid JSON");
    }
    let request: InitRequest;
    try {
      request = parseInitRequest(body);
    } catch (error) {
      return errorResponse(400, (error as Error).message);
    }
    if (state.refuseInit(req.headers.get(ACCESS_TOKEN_HEADER), request)) {
      return errorResponse(401, "access token is already set and cannot be changed");
    }
    state.apply(request);
    return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
  }

  return {
    state,
    deps,
    processes,
    async fetch(req) {
      let res: Response;
      try {
        res = await route(req);
      } catch (error) {
        res = error instanceof EnvdHttpError
          ? errorResponse(error.status, error.message)
          : errorResponse(500, error instanceof Error ? error.message : String(error));
      }
      for (const [k, v] of Object.entries(CORS_HEADERS)) res.headers.set(k, v);
      return res;
    },
    shutdown() {
      if (!stopping.signal.aborted) stopping.abort(shutdownError());
    },
    async [Symbol.asyncDispose]() {
      this.shutdown();
      await processes.killAll();
    },
  };
}
