/**
 * The data-plane proxy: one fetch handler that carries SDK traffic (envd Connect streams, file
 * transfers, code-interpreter NDJSON, any user port, WebSockets) to `http://{sandboxIp}:{port}`.
 *
 * - Streams both ways without buffering: the request body is passed as a stream
 *   (`duplex: "half"`), the response body is piped through; backpressure and client aborts
 *   propagate (the upstream fetch uses the request's signal).
 * - Hop-by-hop headers (RFC 9110 §7.6.1, plus those the `Connection` header names) are
 *   stripped in both directions; the routing headers are kept (harmless to the runtime).
 * - Only sandboxes that are running and Ready are reachable; anything else (unknown, paused,
 *   killed, expired) gets E2B's 502 JSON, which the SDKs read as "not running". A paused
 *   sandbox created with `autoResume` is resumed first, for a request that carries its token.
 * - Every in-flight exchange is registered under its sandbox; when the cache sees the sandbox
 *   deleted or no longer serving (kill, pause, expiry, on this replica or another), the
 *   exchanges are aborted, which tears the client's connection down rather than ending the
 *   stream cleanly, as E2B's SDK tests expect.
 * - envd (port 49983) requires the sandbox's access token (`X-Access-Token`, compared in
 *   constant time), except `/health` (open in envd too), CORS preflights and `/files` requests
 *   that carry a signature and no token, which the runtime itself verifies against the same
 *   token (it was put there by `/init`). The token is the data-plane credential in E2B: it is
 *   what keeps one team's clients out of another team's sandbox. Other ports are public, as in
 *   E2B (the code interpreter checks the token itself).
 *
 * @module
 */
import type { Sandbox } from "@kruise-agents/shared/api";
import { sandboxUrl } from "@kruise-agents/shared/envd/http";
import type { Clock } from "@kruise-agents/shared/std";
import type { SandboxIndex } from "../sandboxes/sandbox_index.ts";
import { e2bState, isServing, sandboxIdOf } from "../sandboxes/state.ts";
import { parseRoute, type ProxyRoute } from "./route.ts";
import { accessDenial } from "./access.ts";
import type { SandboxTokens } from "../sandboxes/tokens.ts";

/** Options of {@linkcode SandboxProxy}. */
export interface SandboxProxyOptions {
  /** Current time. */
  clock: Clock;
  /** The fetch used upstream (tests inject one). @default {globalThis.fetch} */
  fetch?: typeof fetch | undefined;
  /** The sandboxes' tokens, checked before anything reaches a sandbox. */
  tokens: SandboxTokens;
  /**
   * Resumes a paused sandbox created with `autoResume` (`Lifecycle.autoResume`); it answers
   * `undefined` for one that does not resume by traffic. Absent: paused sandboxes get the 502.
   */
  autoResume?: ((sandbox: Sandbox) => Promise<Sandbox | undefined>) | undefined;
}

const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
];

/** Copies `headers` without hop-by-hop headers (and those `Connection` lists). */
export function stripHopByHop(headers: Headers): Headers {
  const out = new Headers(headers);
  for (const name of (headers.get("connection") ?? "").split(",")) {
    const n = name.trim().toLowerCase();
    if (n) out.delete(n);
  }
  for (const name of HOP_BY_HOP) out.delete(name);
  return out;
}

/** E2B's 502 body for a sandbox that cannot be reached. */
export function sandboxNotFoundResponse(sandboxId: string): Response {
  return json(502, { sandboxId, message: "The sandbox was not found", code: 502 });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}

/** Base URL of `port` on the sandbox's address. */
function targetBase(sandbox: Sandbox, port: number, scheme: "http" | "ws"): string {
  return sandboxUrl(sandbox.status?.sandboxIp ?? "", port, scheme);
}

/** The data-plane proxy. */
export class SandboxProxy implements Disposable {
  readonly #index: SandboxIndex;
  readonly #options: SandboxProxyOptions;
  readonly #fetch: typeof fetch;
  readonly #inFlight = new Map<string, Set<AbortController>>();
  readonly #unsubscribe: () => void;

  /** Creates the proxy; it follows `index` to tear down streams of sandboxes that stop. */
  constructor(index: SandboxIndex, options: SandboxProxyOptions) {
    this.#index = index;
    this.#options = options;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#unsubscribe = index.onSandboxChange((sandbox, deleted) => {
      const id = sandboxIdOf(sandbox);
      if (!id || !this.#inFlight.has(id)) return;
      if (deleted || !isServing(sandbox, this.#options.clock.now())) this.abort(id);
    });
  }

  /** Aborts every in-flight exchange with sandbox `id`. */
  abort(id: string): void {
    const set = this.#inFlight.get(id);
    this.#inFlight.delete(id);
    for (const c of set ?? []) c.abort(new Error(`sandbox ${id} stopped`));
  }

  /** Number of in-flight exchanges with sandbox `id` (for tests and metrics). */
  inFlight(id: string): number {
    return this.#inFlight.get(id)?.size ?? 0;
  }

  /** Serves one data-plane request. */
  async fetch(request: Request): Promise<Response> {
    const route = parseRoute(request);
    if (!route) {
      return json(400, {
        code: 400,
        message: "Cannot route request: no valid sandbox ID and port",
      });
    }
    let sandbox = this.#index.cached(route.sandboxId) ??
      await this.#index.find(route.sandboxId).catch(() => undefined);
    if (sandbox && e2bState(sandbox, this.#options.clock.now()) === "paused") {
      sandbox = await this.#resumeByTraffic(request, route, sandbox);
    }
    if (!sandbox || !isServing(sandbox, this.#options.clock.now())) {
      return sandboxNotFoundResponse(route.sandboxId);
    }
    const denial = accessDenial(request, route, await this.#options.tokens.of(sandbox));
    if (denial !== undefined) return json(401, { code: 401, message: denial });
    if ((request.headers.get("upgrade") ?? "").toLowerCase() === "websocket") {
      return this.#webSocket(request, sandbox, route);
    }
    return await this.#http(request, sandbox, route);
  }

  /**
   * A paused sandbox that resumes by traffic, resumed for a request that carries its token (a
   * request that would be refused anyway resumes nothing); `undefined` when it stays paused.
   */
  async #resumeByTraffic(
    request: Request,
    route: ProxyRoute,
    sandbox: Sandbox,
  ): Promise<Sandbox | undefined> {
    const resume = this.#options.autoResume;
    if (!resume) return undefined;
    if (accessDenial(request, route, await this.#options.tokens.of(sandbox)) !== undefined) {
      return undefined;
    }
    return await resume(sandbox).catch(() => undefined);
  }

  #register(id: string): { controller: AbortController; release: () => void } {
    const controller = new AbortController();
    let set = this.#inFlight.get(id);
    if (!set) this.#inFlight.set(id, set = new Set());
    set.add(controller);
    const release = () => {
      const s = this.#inFlight.get(id);
      s?.delete(controller);
      if (s?.size === 0) this.#inFlight.delete(id);
    };
    return { controller, release };
  }

  async #http(request: Request, sandbox: Sandbox, route: ProxyRoute): Promise<Response> {
    const { controller, release } = this.#register(route.sandboxId);
    const onClientAbort = () => {
      controller.abort(request.signal.reason);
      release();
    };
    const done = () => {
      request.signal.removeEventListener("abort", onClientAbort);
      release();
    };
    request.signal.addEventListener("abort", onClientAbort, { once: true });
    let upstream: Response;
    try {
      upstream = await this.#fetch(`${targetBase(sandbox, route.port, "http")}${route.path}`, {
        method: request.method,
        headers: upstreamRequestHeaders(request.headers),
        body: request.body,
        redirect: "manual",
        signal: controller.signal,
        // @ts-ignore: `duplex` is required by fetch for streamed request bodies.
        duplex: "half",
      });
    } catch {
      done();
      if (controller.signal.aborted && !request.signal.aborted) {
        return sandboxNotFoundResponse(route.sandboxId);
      }
      return json(502, {
        sandboxId: route.sandboxId,
        message: "The sandbox is running but port is not open",
        port: route.port,
        code: 502,
      });
    }
    let body: ReadableStream<Uint8Array> | null = null;
    if (upstream.body) body = abortableBody(upstream.body, controller.signal, done);
    else done();
    return new Response(body, {
      status: upstream.status,
      statusText: upstream.statusText,
      headers: downstreamResponseHeaders(upstream.headers),
    });
  }

  #webSocket(request: Request, sandbox: Sandbox, route: ProxyRoute): Response {
    const protocols = (request.headers.get("sec-websocket-protocol") ?? "").split(",")
      .map((p) => p.trim()).filter(Boolean);
    const { socket, response } = Deno.upgradeWebSocket(
      request,
      protocols[0] ? { protocol: protocols[0] } : {},
    );
    const upstream = new WebSocket(
      `${targetBase(sandbox, route.port, "ws")}${route.path}`,
      protocols,
    );
    socket.binaryType = "arraybuffer";
    upstream.binaryType = "arraybuffer";
    const { controller, release } = this.#register(route.sandboxId);
    const pending: (string | ArrayBuffer)[] = [];
    const closeBoth = (code = 1011, reason = "") => {
      release();
      for (const ws of [socket, upstream]) {
        if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
          try {
            ws.close(code, reason);
          } catch {
            ws.close();
          }
        }
      }
    };
    controller.signal.addEventListener("abort", () => closeBoth(1011, "sandbox stopped"), {
      once: true,
    });
    socket.onmessage = (e) => {
      if (upstream.readyState === WebSocket.OPEN) upstream.send(e.data);
      else pending.push(e.data);
    };
    upstream.onopen = () => {
      for (const m of pending.splice(0)) upstream.send(m);
    };
    upstream.onmessage = (e) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(e.data);
    };
    const forwardClose = (e: CloseEvent) => {
      // 1005/1006 are reserved and cannot be sent; report them as a normal or abnormal close.
      const code = e.code === 1005 ? 1000 : e.code === 1006 ? 1011 : e.code;
      closeBoth(code, e.reason);
    };
    socket.onclose = forwardClose;
    upstream.onclose = forwardClose;
    socket.onerror = () => closeBoth();
    upstream.onerror = () => closeBoth();
    return response;
  }

  /** Stops following the cache and aborts every in-flight exchange. */
  [Symbol.dispose](): void {
    this.#unsubscribe();
    for (const id of [...this.#inFlight.keys()]) this.abort(id);
  }
}

/** The client's headers as sent upstream: no hop-by-hop headers, no `host`, no length. */
function upstreamRequestHeaders(headers: Headers): Headers {
  const out = stripHopByHop(headers);
  out.delete("host");
  out.delete("content-length"); // the body is re-streamed; length framing is upstream's
  return out;
}

/** Upstream's response headers as sent to the client. */
function downstreamResponseHeaders(headers: Headers): Headers {
  const out = stripHopByHop(headers);
  if (out.has("content-encoding")) {
    // fetch has already decoded the body; the length and encoding no longer describe it.
    out.delete("content-encoding");
    out.delete("content-length");
  }
  // Stop Deno.serve from compressing (and so buffering) streamed responses.
  const cc = out.get("cache-control");
  if (!cc?.includes("no-transform")) {
    out.set("cache-control", cc ? `${cc}, no-transform` : "no-transform");
  }
  return out;
}

/**
 * A plain pull-based stream over the upstream reader: it ends when upstream ends and errors
 * (tearing the client's stream down, never ending it cleanly) when `signal` aborts, that is when
 * the sandbox is stopped. Cheaper per call than `pipeThrough` with a signal, and unlike handing
 * `upstream.body` over as is, an abort still reaches the client. `done` runs once the exchange
 * is over, however it ends.
 */
function abortableBody(
  upstream: ReadableStream<Uint8Array>,
  signal: AbortSignal,
  done: () => void,
): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  return new ReadableStream<Uint8Array>({
    start(stream) {
      signal.addEventListener("abort", () => {
        try {
          stream.error(signal.reason);
        } catch { /* already closed */ }
        reader.cancel(signal.reason).catch(() => {});
        done();
      }, { once: true });
    },
    async pull(stream) {
      try {
        const { done: end, value } = await reader.read();
        if (end) {
          stream.close();
          done();
        } else stream.enqueue(value);
      } catch (error) {
        stream.error(error);
        done();
      }
    },
    cancel(reason) {
      done();
      return reader.cancel(reason);
    },
  });
}
