import assert from "node:assert/strict";
import { shellQuote } from "@kruise-agents/shared/std";
import { devExports, parseDevConfig, sdkDomain } from "./dev.ts";
import { parseExport } from "./e2e/dev_harness.ts";

Deno.test("parseDevConfig() defaults to E2B's scheme on e2b.localhost:3443", () => {
  const config = parseDevConfig(["--data-dir", "/d"]);
  assert.equal(config.domain, "e2b.localhost");
  assert.equal(config.tlsPort, 3443);
  assert.equal(config.port, 3000);
  assert.equal(config.proxyPort, 3001);
  assert.equal(config.urlExports, false);
  const urls = parseDevConfig(["--url-exports", "--tls-port", "0", "--domain", "sandbox.test"]);
  assert.equal(urls.urlExports, true);
  assert.equal(urls.tlsPort, 0);
  assert.equal(urls.domain, "sandbox.test");
});

Deno.test("parseDevConfig() refuses a domain whose wildcard certificate no client accepts", () => {
  assert.throws(
    () => parseDevConfig(["--domain", "localhost"]),
    (e) => e instanceof RangeError && /--domain.*"e2b\.localhost"/.test(e.message),
  );
  assert.throws(() => parseDevConfig(["--tls-port", "70000"]), RangeError);
});

Deno.test("sdkDomain() carries the port unless it is https' own", () => {
  assert.equal(sdkDomain("e2b.localhost", 3443), "e2b.localhost:3443");
  assert.equal(sdkDomain("e2b.localhost", 443), "e2b.localhost");
});

const ENDPOINTS = {
  domain: "e2b.localhost:3443",
  apiKey: "e2b_0123",
  apiUrl: "http://127.0.0.1:3000",
  sandboxUrl: "http://127.0.0.1:3001",
  caFile: "/var/lib/kruise-agents/dev/tls/ca.pem",
  bundleFile: "/var/lib/kruise-agents/dev/tls/ca-bundle.pem",
};

Deno.test("devExports() in the domain mode: the domain, the key and the CA, no URL or debug variable", () => {
  const lines = devExports(ENDPOINTS, "domain");
  assert.deepEqual(lines, [
    "unset E2B_API_URL E2B_SANDBOX_URL E2B_DEBUG",
    "export E2B_DOMAIN=e2b.localhost:3443",
    "export E2B_API_KEY=e2b_0123",
    "export NODE_EXTRA_CA_CERTS=/var/lib/kruise-agents/dev/tls/ca.pem",
    "export DENO_CERT=/var/lib/kruise-agents/dev/tls/ca.pem",
    "export SSL_CERT_FILE=/var/lib/kruise-agents/dev/tls/ca-bundle.pem",
    "export REQUESTS_CA_BUNDLE=/var/lib/kruise-agents/dev/tls/ca-bundle.pem",
    "export CURL_CA_BUNDLE=/var/lib/kruise-agents/dev/tls/ca-bundle.pem",
  ]);
});

Deno.test("devExports() in the URL mode: both URLs, and the CA for getHost()", () => {
  const names = devExports(ENDPOINTS, "urls").map((l) => parseExport(l)?.[0] ?? l);
  assert.deepEqual(names, [
    "unset E2B_DEBUG",
    "E2B_API_URL",
    "E2B_SANDBOX_URL",
    "E2B_API_KEY",
    "E2B_DOMAIN",
    "NODE_EXTRA_CA_CERTS",
    "DENO_CERT",
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
  ]);
});

Deno.test("shellQuote() quotes what a shell would split, and the harness reads it back", async () => {
  for (const value of ["/plain/path.pem", "/with space/ca.pem", "it's", "a'b'c", "$HOME"]) {
    const line = `export X=${shellQuote(value)}`;
    assert.deepEqual(parseExport(line), ["X", value]);
    const out = await new Deno.Command("sh", {
      args: ["-c", `${line}; printf %s "$X"`],
      stdout: "piped",
    }).output();
    assert.equal(new TextDecoder().decode(out.stdout), value);
  }
  assert.equal(
    shellQuote("/var/lib/kruise-agents/dev/tls/ca.pem"),
    "/var/lib/kruise-agents/dev/tls/ca.pem",
  );
});

Deno.test("parseDevConfig() runs against a cluster given --kubeconfig, else KUBECONFIG", () => {
  assert.equal(parseDevConfig([], {}).kubeconfig, undefined);
  assert.equal(parseDevConfig([], { KUBECONFIG: "/k/a:/k/b" }).kubeconfig, "/k/a");
  assert.equal(parseDevConfig(["--kubeconfig", "/k/c"], { KUBECONFIG: "/k/a" }).kubeconfig, "/k/c");
});
