/**
 * Runs one command through the runtime's own fetch handler at start-up (no socket), so that a
 * warm pool's sandbox has compiled its command path (Connect routing, protobuf JSON, spawning,
 * streaming) before its first real request. Without it, the first `commands.run` of a freshly
 * claimed sandbox paid about 20 ms of lazy compilation that later ones do not.
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
