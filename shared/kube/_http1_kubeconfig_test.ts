import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { CoreV1Api } from "@kubernetes/client-node";
import { Http1KubeConfig } from "./_http1_kubeconfig.ts";

/** A plain HTTP stand-in for the API server that counts the connections made to it. */
async function countingServer() {
  let connections = 0;
  const server = createServer((req, res) => {
    const name = req.url?.split("?")[0]?.split("/").at(-1);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name, namespace: "default", resourceVersion: "1" },
    }));
  });
  // As kube-apiserver (Go) does: no idle limit, and no Keep-Alive header hinting one.
  server.keepAliveTimeout = 0;
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    connections: () => connections,
    drop: () => server.closeAllConnections(),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

Deno.test("the Kubernetes backend keeps its connection between requests and through 5 s idle, and survives its reset", async () => {
  const server = await countingServer();
  const config = new Http1KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: "c", server: `http://127.0.0.1:${server.port}`, skipTLSVerify: true }],
    users: [{ name: "u", token: "t" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  const api = config.makeApiClient(CoreV1Api);
  const read = async (name: string) =>
    (await api.readNamespacedSecret({ name, namespace: "default" })).metadata?.name;
  try {
    for (let i = 0; i < 10; i++) assert.equal(await read(`s${i}`), `s${i}`);
    // One agent: its pool may open a second socket while the first is still being released
    // (seen here); a new agent per request, as client-node builds them, made ten.
    const kept = server.connections();
    assert.ok(kept <= 2, `ten requests took ${kept} connections`);
    // Past undici's default idle limit (4 s): the connection is still there.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    assert.equal(await read("idle"), "idle");
    assert.equal(server.connections(), kept, "a connection idle for 5 s is reused");
    server.drop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(await read("after"), "after");
    assert.equal(server.connections(), kept + 1, "a dropped connection is replaced once");
  } finally {
    await server.close();
  }
});
