import assert from "node:assert/strict";
import { parseConfig } from "./config.ts";

Deno.test("parseConfig() applies defaults and reads every flag", () => {
  assert.deepEqual(parseConfig([]), {
    host: "0.0.0.0",
    port: 49983,
    interpreterPort: 49999,
    defaultUser: "user",
    accessTokenFile: undefined,
  });
  assert.equal(parseConfig(["--interpreter-port", "auto"]).interpreterPort, "auto");
  assert.deepEqual(
    parseConfig([
      "--host",
      "127.0.0.5",
      "--port",
      "0",
      "--interpreter-port",
      "0",
      "--user",
      "root",
      "--access-token-file",
      "/run/token",
    ]),
    {
      host: "127.0.0.5",
      port: 0,
      interpreterPort: 0,
      defaultUser: "root",
      accessTokenFile: "/run/token",
    },
  );
});

Deno.test("parseConfig() rejects unknown flags and bad ports", () => {
  assert.throws(() => parseConfig(["--nope"]), TypeError);
  assert.throws(() => parseConfig(["--port"]), TypeError);
  assert.throws(() => parseConfig(["stray"]), TypeError);
  assert.equal(parseConfig(["--port=1234"]).port, 1234);
  assert.throws(() => parseConfig(["--port", "99999"]), RangeError);
  assert.throws(() => parseConfig(["--port", "abc"]), RangeError);
});
