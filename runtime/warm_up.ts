/**
 * Runs one command through the runtime's own fetch handler at start-up (no socket), so that a
 * warm pool's sandbox has compiled its command path (Connect routing, protobuf JSON, spawning,
 * streaming) before its first real request. Without it, the first `commands.run` of a freshly
 * claimed sandbox paid about 20 ms of lazy compilation that later ones do not.
 *
 * Once the server listens, {@linkcode warmUpInit} sends an `/init` that changes nothing through
 * the socket: the claim's `/init` is the first request a warm sandbox serves, and it paid about
 * 6 ms (of a 15 ms warm create) for a first request body read from the network and a first JSON
 * answer path.
 *
 * @module
 */

/**
 * Runs `/bin/true` as the default user through `fetch` and drains the answer, with the
 * runtime's `accessToken` if it has one. Resolves with whether the command ran to
 * `exit status 0`.
 */
export async function warmUp(
  fetch: (req: Request) => Promise<Response>,
  accessToken?: string,
): Promise<boolean> {
  const body = new TextEncoder().encode(
    JSON.stringify({ process: { cmd: "/bin/true", args: [], envs: {} }, stdin: false }),
  );
  const envelope = new Uint8Array(5 + body.length);
  new DataView(envelope.buffer).setUint32(1, body.length);
  envelope.set(body, 5);
  const res = await fetch(
    new Request("http://runtime/process.Process/Start", {
      method: "POST",
      headers: {
        "content-type": "application/connect+json",
        "connect-protocol-version": "1",
        ...(accessToken ? { "x-access-token": accessToken } : {}),
      },
      body: envelope,
    }),
  );
  const text = new TextDecoder().decode(await res.arrayBuffer());
  return res.status === 200 && text.includes('"status":"exit status 0"');
}

/**
 * Sends `POST /init` with an empty body (no env vars, token, user or timestamp: nothing to apply)
 * to the runtime's own listening socket at `baseUrl`. Resolves with whether it answered 204;
 * never throws.
 */
export async function warmUpInit(baseUrl: string, accessToken?: string): Promise<boolean> {
  const client = Deno.createHttpClient({});
  try {
    const res = await fetch(`${baseUrl}/init`, {
      client,
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(accessToken ? { "x-access-token": accessToken } : {}),
      },
      body: "{}",
      signal: AbortSignal.timeout(5_000),
    });
    await res.body?.cancel();
    return res.status === 204;
  } catch {
    return false;
  } finally {
    client.close();
  }
}

/** The loopback address that reaches a server listening on `hostname` (a wildcard included). */
export function loopbackOf(hostname: string): string {
  if (hostname === "0.0.0.0") return "127.0.0.1";
  if (hostname === "::" || hostname === "[::]") return "::1";
  return hostname;
}
