// The Kubernetes backend's watch request, on Deno's own `fetch` instead of client-node's `Watch`.
//
// Why: client-node 2.0.1's `Watch` runs on npm `undici` with a 30 s inactivity timer. Under Deno,
// when that timer aborts a quiet watch, the abort never reaches the stream's handlers: the `done`
// callback is never called, no error surfaces, and the program stops hearing from the API server
// without a word (`kubernetes_client_watch_test.ts` shows it on the library's own `Watch`). Deno's
// `fetch` ends a body read with an error when its signal aborts, so a deadline can always end a
// watch. Everything else of the backend (auth, TLS, every other request) stays client-node's:
// this file takes the credentials from the same `KubeConfig` (`applyToHTTPSOptions`, re-read per
// request so rotated tokens apply) and only replaces the transport of the one long request.
import type { KubeConfig } from "@kubernetes/client-node";
import { TextLineStream } from "../std/text_line_stream.ts";
import { isRecord } from "../std/json.ts";
import type { KubeObject, Resource, WatchEvent } from "./client.ts";
import { kubeApiErrorFromStatus } from "./_status.ts";

/** Opens watch requests against one API server. */
export interface WatchTransport {
  /**
   * GETs `pathAndQuery` on the API server (the response body is the event stream), or makes the
   * request `init` describes (`kubeFetch`'s other verbs) with the same credentials.
   */
  open(
    pathAndQuery: string,
    signal: AbortSignal | undefined,
    init?: { method: string; body?: string; contentType?: string },
  ): Promise<Response>;
}

interface TlsMaterial {
  caCerts?: string[];
  cert?: string;
  key?: string;
}

function pem(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  if (Array.isArray(value)) return value.map(pem).join("\n");
  return undefined;
}

/**
 * The watch transport of `config`'s current context: Deno's `fetch` with an HTTP client holding the
 * cluster's CA and the user's client certificate, and the user's auth headers on every request.
 *
 * @throws {TypeError} for `insecure-skip-tls-verify` (Deno's fetch cannot skip verification for
 * one client) or a context without a cluster.
 */
export function fetchWatchTransport(config: KubeConfig): WatchTransport {
  const cluster = config.getCurrentCluster();
  if (cluster === null) throw new TypeError("Cannot watch: the kubeconfig has no current cluster");
  if (cluster.skipTLSVerify) {
    throw new TypeError(
      "Cannot watch: insecure-skip-tls-verify is not supported; give the cluster's CA instead",
    );
  }
  const server = cluster.server.replace(/\/+$/, "");
  let client: Deno.HttpClient | undefined;
  let clientKey = "";
  return {
    async open(pathAndQuery, signal, request) {
      const options: Record<string, unknown> & { headers?: Record<string, unknown> } = {};
      await config.applyToHTTPSOptions(options);
      const tls: TlsMaterial = {};
      const ca = pem(options.ca), cert = pem(options.cert), key = pem(options.key);
      if (ca) tls.caCerts = [ca];
      if (cert && key) Object.assign(tls, { cert, key });
      const material = JSON.stringify(tls);
      if (server.startsWith("https:") && (client === undefined || material !== clientKey)) {
        client?.close();
        client = Deno.createHttpClient(tls);
        clientKey = material;
      }
      const headers = new Headers({ accept: "application/json" });
      for (const [name, value] of Object.entries(options.headers ?? {})) {
        if (value !== undefined) headers.set(name, String(value));
      }
      if (request?.contentType) headers.set("content-type", request.contentType);
      const init: RequestInit & { client?: Deno.HttpClient } = { headers };
      if (request) init.method = request.method;
      if (request?.body !== undefined) init.body = request.body;
      if (signal !== undefined) init.signal = signal;
      if (client !== undefined) init.client = client;
      return await fetch(`${server}${pathAndQuery}`, init);
    },
  };
}

/**
 * The events of a watch response body, one JSON object per line. `ERROR` events (a `Status`, e.g.
 * 410 Gone) end the stream with the matching `KubeApiError`; a clean end of the body ends it
 * normally; an aborted request ends it with the abort's error.
 */
export async function* readWatchEvents<T extends KubeObject>(
  response: Response,
  resource: Resource,
): AsyncGenerator<WatchEvent<T>> {
  if (response.body === null) return;
  const lines = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(
    new TextLineStream(),
  );
  for await (const line of lines) {
    if (line.trim() === "") continue;
    const event: unknown = JSON.parse(line);
    if (!isRecord(event) || typeof event.type !== "string" || !isRecord(event.object)) {
      throw new TypeError("Cannot read the watch: an event is not {type, object}");
    }
    const { type, object } = event;
    if (type === "ERROR") {
      const code = typeof object.code === "number" ? object.code : 500;
      throw kubeApiErrorFromStatus(code, object);
    }
    if (type !== "ADDED" && type !== "MODIFIED" && type !== "DELETED" && type !== "BOOKMARK") {
      throw new TypeError(`Cannot read the watch: unknown event type ${JSON.stringify(type)}`);
    }
    if (!isRecord(object.metadata)) {
      throw new TypeError("Cannot read the watch: an event's object has no metadata");
    }
    yield {
      type,
      object: { ...object, apiVersion: resource.apiVersion, kind: resource.kind } as T,
    };
  }
}
