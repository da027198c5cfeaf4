import assert from "node:assert/strict";
import { parseConfig } from "./config.ts";

Deno.test("parseConfig() applies defaults and flags, env as fallback", () => {
  assert.deepEqual(parseConfig(["--keys-file", "k.yaml"]), {
    port: 3000,
    proxyPort: 3001,
    hostname: "0.0.0.0",
    domain: "localhost",
    keysFile: "k.yaml",
    maxTimeoutSeconds: 3600,
    envdVersion: "0.6.13",
    watchTimeoutSeconds: 300,
    healthPort: 8082,
  });
  const c = parseConfig(["--port", "8080", "--proxy-port", "8080", "--max-timeout", "86400"], {
    MANAGER_KEYS_FILE: "/etc/keys.json",
    MANAGER_DOMAIN: "e2b.example.com",
    KUBECONFIG: "/kc",
  });
  assert.equal(c.port, 8080);
  assert.equal(c.proxyPort, 8080);
  assert.equal(c.maxTimeoutSeconds, 86400);
  assert.equal(c.domain, "e2b.example.com");
  assert.equal(c.kubeconfig, "/kc");
});

Deno.test("parseConfig() refuses bad input with TypeError", () => {
  for (
    const args of [
      [],
      ["--keys-file", "k", "--port", "x"],
      ["--keys-file", "k", "--max-timeout", "0"],
      ["--keys-file", "k", "--envd-version", "latest"],
      ["--keys-file", "k", "--bogus"],
    ]
  ) {
    assert.throws(() => parseConfig(args), TypeError, args.join(" "));
  }
});
