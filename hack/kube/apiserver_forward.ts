/**
 * The real node's way for pods to reach the API server (hack/kube/node.sh starts it): kube-apiserver
 * listens on loopback only (nothing on this machine may listen on its LAN address, and a pod's
 * loopback is its own), so this forwards TCP from the node's bridge address to it. The `kubernetes`
 * Service's endpoint is that bridge address, so in-cluster clients (the chart's controller and
 * manager) dial `https://kubernetes.default.svc` (10.0.0.1:443) as on any cluster: kube-proxy
 * rewrites it to here, and TLS runs end to end between the pod and kube-apiserver (its certificate
 * names 10.0.0.1).
 *
 *   deno run --allow-net=LISTEN,TARGET hack/kube/apiserver_forward.ts LISTEN TARGET
 *   (LISTEN and TARGET as HOST:PORT)
 *
 * @module
 */

/** Splits `HOST:PORT`; throws `TypeError` on anything else. */
export function parseAddress(text: string): { hostname: string; port: number } {
  const match = /^([0-9.]+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) throw new TypeError(`Not an IPv4 HOST:PORT: ${text}`);
  return { hostname: match[1]!, port };
}

/** Pipes one accepted connection to a new connection to `target`, both ways, until either ends. */
async function forward(conn: Deno.Conn, target: { hostname: string; port: number }) {
  let upstream: Deno.Conn | undefined;
  try {
    upstream = await Deno.connect(target);
    await Promise.race([
      conn.readable.pipeTo(upstream.writable),
      upstream.readable.pipeTo(conn.writable),
    ]);
  } catch {
    // A peer went away: nothing to report, both sides are closed below.
  } finally {
    for (const c of [conn, upstream]) {
      try {
        c?.close();
      } catch {
        // Already closed by its stream.
      }
    }
  }
}

if (import.meta.main) {
  const [listen, target] = Deno.args.map(parseAddress);
  if (!listen || !target) {
    console.error("usage: apiserver_forward.ts LISTEN_HOST:PORT TARGET_HOST:PORT");
    Deno.exit(2);
  }
  const listener = Deno.listen(listen);
  console.error(`forwarding ${Deno.args[0]} to ${Deno.args[1]}`);
  for await (const conn of listener) forward(conn, target);
}
