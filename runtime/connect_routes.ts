/**
 * Serves Connect RPC on a plain fetch handler: a `createConnectRouter()` whose handlers are
 * looked up by request path and adapted with connect-es's universal fetch helpers, the same ~15
 * lines that connect-es uses for Cloudflare Workers. It works on `Deno.serve` with no Node
 * adapter, and in tests without a socket.
 *
 * @module
 */
import { type ConnectRouter, createConnectRouter } from "@connectrpc/connect";
import {
  type UniversalHandler,
  universalServerRequestFromFetch,
  universalServerResponseToFetch,
} from "@connectrpc/connect/protocol";

/**
 * Largest Connect request message: 16 MiB, the code interpreter's cap too. The biggest bodies the
 * SDKs send are `SendInput` chunks of a command's stdin (base64 in JSON); a larger message is
 * refused with Connect's `resource_exhausted` (HTTP 429 for unary calls) before it is read, when
 * its `Content-Length` says so, or as soon as it passes the cap.
 */
export const MAX_RPC_MESSAGE_BYTES = 16 * 1024 * 1024;

/** A fetch handler for Connect routes that answers `undefined` for paths it does not serve. */
export type ConnectFetch = (req: Request) => Promise<Response> | undefined;

/** Options of {@linkcode connectFetch}. */
export interface ConnectFetchOptions {
  /**
   * Aborts every call's `ctx.signal`, those open now and those to come, with its reason: the
   * runtime's shutdown, which ends open streams with that error (see `stream_end.ts`).
   */
  shutdownSignal?: AbortSignal | undefined;
}

/**
 * Builds a fetch handler from `routes`, which registers services on the router.
 *
 * Unknown JSON fields are ignored, as envd's Go server does, so newer SDKs that send more fields
 * keep working.
 */
export function connectFetch(
  routes: (router: ConnectRouter) => void,
  options: ConnectFetchOptions = {},
): ConnectFetch {
  const router = createConnectRouter({
    jsonOptions: { ignoreUnknownFields: true },
    readMaxBytes: MAX_RPC_MESSAGE_BYTES,
    ...(options.shutdownSignal ? { shutdownSignal: options.shutdownSignal } : {}),
  });
  routes(router);
  const handlers = new Map<string, UniversalHandler>(
    router.handlers.map((h) => [h.requestPath, h]),
  );
  return (req) => {
    const handler = handlers.get(new URL(req.url).pathname);
    if (!handler) return undefined;
    return handler(universalServerRequestFromFetch(req, {})).then(
      universalServerResponseToFetch,
    );
  };
}
