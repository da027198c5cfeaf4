/**
 * The code-interpreter HTTP API (§D.1 of the protocol notes) as a Hono app over a
 * {@linkcode ContextManager}. Errors are rendered in one place, as upstream's FastAPI server
 * renders them: plain text for 400/404/500, `{"detail": [...]}` JSON for 422.
 *
 * Access: while the sandbox has an access token, every route needs it in `X-Access-Token`
 * (else 401 `Unauthorized` in plain text, upstream's answer) except `GET /health` and
 * `/contexts*`. `/contexts*` stays open, as in E2B, because the code-interpreter SDKs
 * (`@e2b/code-interpreter` 2.8, `e2b-code-interpreter` 2.11) send the token only with
 * `/execute`: create, list, restart and remove a context carry none. What an open `/contexts`
 * allows is bookkeeping (start, restart or stop a kernel); running code needs the token.
 *
 * @module
 */
import { Hono, type MiddlewareHandler } from "hono";
import { ACCESS_TOKEN_HEADER } from "@kruise-agents/shared/envd/http";
import { BodyTooLargeError, readJson as readJsonBody, safeEqual } from "@kruise-agents/shared/std";
import type { CodeContext } from "./context.ts";
import type { ContextManager } from "./context_manager.ts";
import { InterpreterHttpError, KernelNotInstalledError, RequestValidationError } from "./errors.ts";
import { ndjsonStream } from "./ndjson_stream.ts";
import type { OutputMessage } from "./output.ts";
import { type ExecuteRequest, parseCreateContextRequest, parseExecuteRequest } from "./requests.ts";

/** Where the interpreter's startup is; `restarting` while a dead Jupyter Server is replaced. */
export type StartupState =
  | { state: "starting" }
  | { state: "ready" }
  | { state: "restarting" }
  | { state: "failed"; error: Error };

/** Options of {@linkcode createRoutes}. */
export interface RoutesOptions {
  /** The contexts. */
  contexts: ContextManager;
  /** Startup state, for `/health`. */
  startup: () => StartupState;
  /** Resolves when the startup contexts exist; `GET /contexts` waits for it. */
  ready: Promise<void>;
  /** The sandbox's access token, if it has one (read per request). */
  accessToken: () => string | undefined;
  /**
   * Milliseconds of silence after which `/execute` writes a keepalive line.
   * @default {5000}
   */
  keepaliveMs?: number | undefined;
}

/** Whether `path` is open without the access token (see the module doc). */
function isOpenRoute(method: string, path: string): boolean {
  if (path === "/health") return method === "GET" || method === "HEAD";
  return path === "/contexts" || path.startsWith("/contexts/");
}

/** The middleware that refuses requests without the access token (see the module doc). */
function accessTokenGate(accessToken: () => string | undefined): MiddlewareHandler {
  return async function accessTokenGate(c, next) {
    const token = accessToken();
    if (token === undefined || isOpenRoute(c.req.method, c.req.path)) return await next();
    const given = c.req.header(ACCESS_TOKEN_HEADER);
    if (given !== undefined && safeEqual(given, token)) return await next();
    await c.req.raw.body?.cancel();
    return c.text("Unauthorized", 401);
  };
}

/** Largest `/execute` or `/contexts` body: code cells can be big, but not unbounded. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

async function readJson(request: Request): Promise<unknown> {
  try {
    return await readJsonBody(request, { maxBytes: MAX_BODY_BYTES });
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      throw new InterpreterHttpError(413, error.message, { cause: error });
    }
    if (!(error instanceof SyntaxError)) throw error;
    throw new RequestValidationError([
      { loc: ["body"], msg: "JSON decode error", type: "json_invalid" },
    ]);
  }
}

/**
 * The lines of an `/execute` request. A language without an installed kernel is answered as an
 * execution that failed (an `error` line naming the language and the kernelspecs looked for),
 * not as a 500: the SDKs show an execution's error to the user, but of a failed request only its
 * status (the JS SDK drops the body).
 */
async function executionOf(
  contexts: ContextManager,
  request: ExecuteRequest,
): Promise<ReadableStream<OutputMessage>> {
  let context: CodeContext;
  try {
    context = await contexts.forExecute({
      contextId: request.contextId,
      language: request.language,
    });
  } catch (error) {
    if (!(error instanceof KernelNotInstalledError)) throw error;
    return ReadableStream.from<OutputMessage>([
      { type: "error", name: error.name, value: error.message, traceback: "" },
      { type: "end_of_execution" },
    ]);
  }
  // A client that goes away cancels the body, which cancels the stream and interrupts the
  // kernel. (Not `request.signal`: Deno.serve also aborts it after every successful response.)
  return context.execute(request.code, { envVars: request.envVars });
}

/** Builds the app; serve its `fetch`. */
export function createRoutes(options: RoutesOptions): Hono {
  const { contexts } = options;
  const app = new Hono();

  app.onError((error, c) => {
    if (error instanceof RequestValidationError) {
      return c.json({ detail: error.issues }, 422);
    }
    const status = error instanceof InterpreterHttpError ? error.status : 500;
    return new Response(error.message, {
      status,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  });

  app.notFound((c) => c.json({ detail: "Not Found" }, 404));

  app.use(accessTokenGate(options.accessToken));

  app.get("/health", (c) => {
    const startup = options.startup();
    switch (startup.state) {
      case "ready":
        return c.json("OK");
      case "starting":
        return c.text("Starting", 503);
      case "restarting":
        return c.text("Restarting Jupyter Server", 503);
      case "failed":
        return c.text(`Startup failed: ${startup.error.message}`, 500);
    }
  });

  app.post("/execute", async (c) => {
    const request = parseExecuteRequest(await readJson(c.req.raw));
    const outputs = await executionOf(contexts, request);
    const body = ndjsonStream(outputs, { keepaliveMs: options.keepaliveMs });
    return new Response(body, {
      headers: {
        "content-type": "application/x-ndjson",
        // Streamed lines must not wait in a compressor: Deno.serve compresses unless told not to.
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
      },
    });
  });

  app.post("/contexts", async (c) => {
    const request = parseCreateContextRequest(await readJson(c.req.raw));
    const context = await contexts.create(request);
    return c.json(context.info());
  });

  app.get("/contexts", async (c) => {
    await options.ready.catch(() => {});
    return c.json(contexts.list());
  });

  app.delete("/contexts/:id", async (c) => {
    await contexts.remove(c.req.param("id"));
    return c.json(null);
  });

  app.post("/contexts/:id/restart", async (c) => {
    await contexts.restart(c.req.param("id"));
    return c.json(null);
  });

  return app;
}
