/**
 * Where a data-plane request goes: which sandbox, which port, which path. Three addressing
 * modes, tried in this order:
 *
 * 1. host `{port}-{id}.{domain}` (E2B's own scheme, which `deno task dev` serves over TLS and an
 *    Ingress for `*.{domain}` sends), split on the first `-` (IDs never contain one); a `:port`
 *    suffix is ignored, and HTTP/2 requests, which carry no `Host` header, are read from their
 *    authority (the request URL). It comes first, as in E2B's proxy, because such a host names
 *    its target whatever the request carries: a server of the user's inside the sandbox, reached
 *    through `getHost()`, sees its own paths and headers untouched;
 * 2. path `/kruise/{id}/{port}/{rest}` (the reference's "private protocol", for clients without
 *    wildcard DNS), forwarded as `/{rest}`;
 * 3. headers `E2b-Sandbox-Id` and `E2b-Sandbox-Port` (default 49983), which the SDKs send on
 *    every data-plane call and which `E2B_SANDBOX_URL` mode relies on.
 *
 * @module
 */
import { ENVD_PORT } from "@kruise-agents/shared/envd/http";

/** A parsed data-plane target. */
export interface ProxyRoute {
  /** E2B sandbox ID. */
  sandboxId: string;
  /** Port inside the sandbox. */
  port: number;
  /** Path (with query) to request from the sandbox. */
  path: string;
}

const ID = "[a-z0-9]{1,63}";
const KRUISE_PATH = new RegExp(`^/kruise/(${ID})/(\\d{1,5})(/.*)?$`);
const HOST = new RegExp(`^(\\d{1,5})-(${ID})\\.`);

function port(text: string | null | undefined): number | undefined {
  if (text === null || text === undefined || !/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/**
 * Parses the target of `request`, or returns `undefined` when it addresses no sandbox (an API
 * request on a shared port). A malformed port in an otherwise sandbox-addressed request is
 * `undefined` as well, which the proxy answers with 400.
 */
export function parseRoute(request: Request): ProxyRoute | undefined {
  const url = new URL(request.url);
  const path = url.pathname;
  const byHost = HOST.exec(hostOf(request, url));
  if (byHost) {
    const p = port(byHost[1]);
    return p === undefined
      ? undefined
      : { sandboxId: byHost[2]!, port: p, path: `${path}${url.search}` };
  }
  const byPath = KRUISE_PATH.exec(path);
  if (byPath) {
    const p = port(byPath[2]);
    return p === undefined
      ? undefined
      : { sandboxId: byPath[1]!, port: p, path: `${byPath[3] ?? "/"}${url.search}` };
  }
  const id = request.headers.get("e2b-sandbox-id");
  if (id !== null) {
    const header = request.headers.get("e2b-sandbox-port");
    const p = header === null ? ENVD_PORT : port(header);
    return p === undefined ? undefined : { sandboxId: id, port: p, path: `${path}${url.search}` };
  }
  return undefined;
}

/**
 * Whether `request` addresses the data plane at all, so that one listener serves both planes
 * (dev's TLS port, or one Ingress for `api.{domain}` and `*.{domain}`): a `{port}-{id}.` host;
 * else not when the host is `api.` something (E2B's API host, a service of its own there, whatever
 * headers come along); else a `/kruise/{id}/...` path other than `/kruise/api/...`, or an
 * `E2b-Sandbox-Id` header.
 */
export function isDataPlaneRequest(request: Request): boolean {
  const url = new URL(request.url);
  const host = hostOf(request, url);
  if (HOST.test(host)) return true;
  if (host.startsWith("api.")) return false;
  if (url.pathname.startsWith("/kruise/") && !url.pathname.startsWith("/kruise/api/")) return true;
  return request.headers.has("e2b-sandbox-id");
}

/** The request's host, lowercase, with any `:port`: the `Host` header (HTTP/1.1), else the URL's
 * authority (HTTP/2's `:authority`, which `Deno.serve` puts in the URL). */
function hostOf(request: Request, url: URL): string {
  return (request.headers.get("host") ?? url.host).toLowerCase();
}
