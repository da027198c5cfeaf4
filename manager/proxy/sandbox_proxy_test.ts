/**
 * The proxy on a real socket (streaming, WebSocket and abort need one), in front of a real
 * runtime: token gate, 502 shapes, streamed bodies, WebSocket relay, teardown on kill.
 */
import assert from "node:assert/strict";
import { type KubeObject, SANDBOXES } from "@kruise-agents/shared/kube";
import { LABEL_SANDBOX_ID } from "@kruise-agents/shared/api";
import { managerWithPool } from "../testing/fixtures.ts";
import { stripHopByHop } from "./sandbox_proxy.ts";
import { accessDenial, type AccessTokens } from "./access.ts";

Deno.test("stripHopByHop() drops hop-by-hop headers and those Connection names", () => {
  const h = stripHopByHop(
    new Headers({
      connection: "x-secret, keep-alive",
      "x-secret": "1",
      te: "trailers",
      "x-keep": "2",
      upgrade: "h2c",
    }),
  );
  assert.deepEqual([...h.keys()], ["x-keep"]);
});

Deno.test("accessDenial() gates envd and /execute on the token, other ports on the traffic token", () => {
  const open: AccessTokens = { envd: "tok", traffic: null };
  const closed: AccessTokens = { envd: "tok", traffic: "traf" };
  const cases: [string, Record<string, string>, string, number, AccessTokens, boolean][] = [
    // method, headers, path, port, tokens, denied
    ["GET", {}, "/envs", 49983, open, true],
    ["GET", { "x-access-token": "bad" }, "/envs", 49983, open, true],
    ["GET", { "x-access-token": "tok" }, "/envs", 49983, open, false],
    ["GET", {}, "/health", 49983, open, false],
    ["GET", {}, "/files?path=a&signature=v1_x", 49983, open, false],
    ["GET", { "x-access-token": "bad" }, "/files?signature=v1_x", 49983, open, true],
    ["OPTIONS", {}, "/envs", 49983, open, false],
    ["POST", {}, "/execute", 49999, open, true],
    ["POST", { "x-access-token": "tok" }, "/execute", 49999, open, false],
    ["POST", {}, "/contexts", 49999, open, false],
    ["DELETE", {}, "/contexts/abc", 49999, open, false],
    ["GET", {}, "/health", 49999, open, false],
    ["GET", {}, "/", 8080, open, false],
    ["GET", {}, "/", 8080, closed, true],
    ["GET", { "e2b-traffic-access-token": "traf" }, "/", 8080, closed, false],
    ["POST", { "x-access-token": "tok" }, "/execute", 49999, closed, true],
    [
      "POST",
      { "x-access-token": "tok", "e2b-traffic-access-token": "traf" },
      "/execute",
      49999,
      closed,
      false,
    ],
    ["GET", { "x-access-token": "tok" }, "/envs", 49983, closed, false],
  ];
  for (const [method, headers, path, port, tokens, denied] of cases) {
    const request = new Request("http://gw/", { method, headers });
    const why = accessDenial(request, { sandboxId: "s", port, path }, tokens);
    assert.equal(why !== undefined, denied, `${method} ${port}${path} ${JSON.stringify(headers)}`);
  }
});

Deno.test("the proxy streams to the sandbox, relays WebSockets and tears down on kill", async () => {
  await using world = await managerWithPool(1);
  const { kube, runtimes, manager, keys: { a } } = world;
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, manager.api);
  // A user "port" in the sandbox: an echo WebSocket and an endless stream, on the runtime's address.
  const ip = runtimes.ips[0]!;
  await using app = Deno.serve({ hostname: ip, port: 0, onListen() {} }, (req) => {
    if (req.headers.get("upgrade") === "websocket") {
      const { socket, response } = Deno.upgradeWebSocket(req);
      socket.onmessage = (e) => socket.send(`echo:${e.data}`);
      return response;
    }
    let n = 0;
    return new Response(
      new ReadableStream({
        async pull(c) {
          await new Promise((r) => setTimeout(r, 5));
          c.enqueue(new TextEncoder().encode(`${n++}\n`));
        },
      }),
    );
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const created = await (await fetch(`${base}/sandboxes`, {
    method: "POST",
    headers: { "x-api-key": a },
    body: JSON.stringify({ templateID: "base" }),
  })).json();
  const id: string = created.sandboxID;
  const viaHeaders = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { headers: { "e2b-sandbox-id": id, ...headers } });

  assert.equal((await viaHeaders("/health")).status, 204);
  const denied = await viaHeaders("/envs");
  assert.equal(denied.status, 401);
  assert.equal((await denied.json()).code, 401);
  const envs = await viaHeaders("/envs", { "x-access-token": created.envdAccessToken });
  assert.equal(envs.status, 200);
  assert.equal((await envs.json()).E2B_SANDBOX_ID, id);

  const ws = new WebSocket(`ws://127.0.0.1:${server.addr.port}/kruise/${id}/${app.addr.port}/ws`);
  const reply = await new Promise<string>((resolve, reject) => {
    ws.onopen = () => ws.send("hi");
    ws.onmessage = (e) => resolve(String(e.data));
    ws.onerror = () => reject(new Error("websocket failed"));
  });
  assert.equal(reply, "echo:hi");
  const wsClosed = new Promise((r) => ws.onclose = r);

  const stream = await fetch(`${base}/kruise/${id}/${app.addr.port}/stream`);
  const reader = stream.body!.getReader();
  assert.equal(new TextDecoder().decode((await reader.read()).value), "0\n");

  assert.equal(
    (await fetch(`${base}/sandboxes/${id}`, { method: "DELETE", headers: { "x-api-key": a } }))
      .status,
    204,
  );
  await assert.rejects(async () => {
    while (!(await reader.read()).done) { /* drain until the teardown */ }
  });
  await wsClosed;
  const gone = await viaHeaders("/health");
  assert.equal(gone.status, 502);
  assert.deepEqual(await gone.json(), {
    sandboxId: id,
    message: "The sandbox was not found",
    code: 502,
  });
  const claimed = await kube.list<KubeObject>(SANDBOXES, {
    labelSelector: `${LABEL_SANDBOX_ID}=${id}`,
  });
  assert.equal(claimed.items.length, 0);
  assert.equal(created.envdAccessToken.length > 0, true);
});
