import { assertEquals, assertThrows } from "./machinery/_assert.ts";
import { parseConfig } from "./config.ts";

Deno.test("parseConfig() defaults to in-cluster, all namespaces, 4 workers", () => {
  assertEquals(parseConfig([]), { workers: 4, help: false });
});

Deno.test("parseConfig() reads --flag value and --flag=value", () => {
  assertEquals(parseConfig(["--kubeconfig", "/k/config", "--namespace=team-a", "--workers", "8"]), {
    kubeconfig: "/k/config",
    namespace: "team-a",
    workers: 8,
    help: false,
  });
  assertEquals(parseConfig(["--help"]).help, true);
});

Deno.test("parseConfig() rejects unknown flags, missing values and bad numbers", () => {
  assertThrows(() => parseConfig(["--kubconfig", "x"]), TypeError, "unknown flag");
  assertThrows(() => parseConfig(["--kubeconfig"]), TypeError, "value is required");
  assertThrows(() => parseConfig(["--workers", "0"]), TypeError, "--workers");
  assertThrows(() => parseConfig(["--workers=two"]), TypeError, "--workers");
  assertThrows(() => parseConfig(["stray"]), TypeError, "not a flag");
});
