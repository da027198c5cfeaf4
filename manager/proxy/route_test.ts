import assert from "node:assert/strict";
import { isDataPlaneRequest, parseRoute } from "./route.ts";

Deno.test("parseRoute() routes by path, then headers, then host", () => {
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
});
