import assert from "node:assert/strict";
import { isDataPlaneRequest, parseRoute } from "./route.ts";

Deno.test("parseRoute() routes by host, then path, then headers", () => {
  const cases: [string, Record<string, string>, unknown][] = [
    ["http://gw/kruise/abc123/49999/execute?x=1", {}, {
      sandboxId: "abc123",
      port: 49999,
      path: "/execute?x=1",
    }],
    ["http://gw/kruise/abc123/8080", {}, { sandboxId: "abc123", port: 8080, path: "/" }],
    ["http://gw/files?path=a", { "e2b-sandbox-id": "abc", "e2b-sandbox-port": "49999" }, {
      sandboxId: "abc",
      port: 49999,
      path: "/files?path=a",
    }],
    ["http://gw/health", { "E2b-Sandbox-Id": "abc" }, {
      sandboxId: "abc",
      port: 49983,
      path: "/health",
    }],
    ["http://x/health", { host: "49983-abc123.sandbox.test" }, {
      sandboxId: "abc123",
      port: 49983,
      path: "/health",
    }],
    ["http://3000-zz9.example.com:8443/p", {}, { sandboxId: "zz9", port: 3000, path: "/p" }],
    ["http://gw/health", { "e2b-sandbox-id": "abc", "e2b-sandbox-port": "99999" }, undefined],
    ["http://gw/kruise/abc/0/x", {}, undefined],
    // E2B's scheme as dev serves it: a port on the host, and HTTP/2 (no Host header, the
    // authority in the URL); the host wins over the SDK's headers and over a /kruise path.
    ["https://x/files?path=a", { host: "49983-abc.e2b.localhost:3443" }, {
      sandboxId: "abc",
      port: 49983,
      path: "/files?path=a",
    }],
    ["https://8000-abc.e2b.localhost:3443/", {}, { sandboxId: "abc", port: 8000, path: "/" }],
    ["https://8000-abc.e2b.localhost:3443/p", { "e2b-sandbox-id": "zzz" }, {
      sandboxId: "abc",
      port: 8000,
      path: "/p",
    }],
    ["https://8000-ABC.E2B.localhost/kruise/x/1/y", {}, {
      sandboxId: "abc",
      port: 8000,
      path: "/kruise/x/1/y",
    }],
    ["https://99999-abc.e2b.localhost:3443/", { "e2b-sandbox-id": "abc" }, undefined],
    ["http://api.sandbox.test/sandboxes", {}, undefined],
  ];
  for (const [url, headers, want] of cases) {
    assert.deepEqual(parseRoute(new Request(url, { headers })), want, url);
  }
});

Deno.test("isDataPlaneRequest() tells sandbox traffic from API calls on a shared port", () => {
  assert.ok(isDataPlaneRequest(new Request("http://gw/kruise/abc/49983/health")));
  assert.ok(isDataPlaneRequest(new Request("http://gw/x", { headers: { "e2b-sandbox-id": "a" } })));
  assert.ok(isDataPlaneRequest(new Request("http://49983-abc.d.test/x")));
  assert.ok(!isDataPlaneRequest(new Request("http://gw/kruise/api/sandboxes")));
  assert.ok(!isDataPlaneRequest(new Request("http://api.d.test/v2/sandboxes")));
  // One TLS listener for E2B's scheme: the host decides, with or without its port.
  assert.ok(isDataPlaneRequest(new Request("https://49983-abc.e2b.localhost:3443/health")));
  assert.ok(
    isDataPlaneRequest(new Request("https://x/", { headers: { host: "8000-a.e2b.localhost:1" } })),
  );
  assert.ok(!isDataPlaneRequest(new Request("https://api.e2b.localhost:3443/v2/sandboxes")));
  assert.ok(
    !isDataPlaneRequest(
      new Request("https://api.e2b.localhost:3443/sandboxes", {
        headers: { "e2b-sandbox-id": "abc" },
      }),
    ),
  );
  // Loopback names and addresses keep the header and path modes (E2B_SANDBOX_URL).
  assert.ok(
    isDataPlaneRequest(
      new Request("https://localhost:3443/health", { headers: { "e2b-sandbox-id": "abc" } }),
    ),
  );
});
