import assert from "node:assert/strict";
import { parseConfig } from "./config.ts";

Deno.test("parseConfig() applies defaults and flags, env as fallback", () => {
  assert.deepEqual(parseConfig(["--keys-file", "k.yaml", "--token-key-file", "t.key"]), {
    port: 3000,
    proxyPort: 3001,
    hostname: "0.0.0.0",
    domain: "localhost",
    keysFile: "k.yaml",
    tokenKeyFile: "t.key",
    maxTimeoutSeconds: 3600,
    envdVersion: "0.6.13",
    watchTimeoutSeconds: 300,
    pausedTtlSeconds: 86400,
    healthPort: 8082,
  });
  const c = parseConfig(["--port", "8080", "--proxy-port", "8080", "--max-timeout", "86400"], {
    MANAGER_KEYS_FILE: "/etc/keys.json",
    MANAGER_TOKEN_KEY_FILE: "/etc/token.key",
    MANAGER_DOMAIN: "e2b.example.com",
    KUBECONFIG: "/kc",
  });
  assert.equal(c.port, 8080);
  assert.equal(c.proxyPort, 8080);
  assert.equal(c.maxTimeoutSeconds, 86400);
  assert.equal(c.domain, "e2b.example.com");
  assert.equal(c.kubeconfig, "/kc");
  const tls = parseConfig(["--tls-cert", "c.pem", "--tls-key", "k.pem"], {
    MANAGER_KEYS_FILE: "k",
    MANAGER_TOKEN_KEY_FILE: "t",
  });
  assert.equal(tls.tlsCertFile, "c.pem");
  assert.equal(tls.tlsKeyFile, "k.pem");
});

Deno.test("parseConfig() refuses bad input with TypeError", () => {
  for (
    const args of [
      [],
      ["--keys-file", "k", "--token-key-file", "t", "--port", "x"],
      ["--keys-file", "k", "--token-key-file", "t", "--max-timeout", "0"],
      ["--keys-file", "k", "--token-key-file", "t", "--envd-version", "latest"],
      ["--keys-file", "k", "--token-key-file", "t", "--bogus"],
      ["--keys-file", "k"], // no token key
      ["--keys-file", "k", "--token-key-file", "t", "--tls-cert", "c.pem"], // no key
    ]
  ) {
    assert.throws(() => parseConfig(args), TypeError, args.join(" "));
  }
});
