import assert from "node:assert/strict";
import { addressFree, allocateLoopback } from "./loopback.ts";
import { LocalNodeError } from "./errors.ts";

Deno.test("allocateLoopback picks the lowest free address and skips .0 and .255", () => {
  assert.equal(allocateLoopback(new Set()), "127.77.0.1");
  assert.equal(allocateLoopback(new Set(["127.77.0.1", "127.77.0.3"])), "127.77.0.2");
  const full = new Set<string>();
  for (let d = 1; d < 255; d++) full.add(`127.77.0.${d}`);
  assert.equal(allocateLoopback(full), "127.77.1.1");
});

Deno.test("allocateLoopback throws AddressesExhausted when the range is full", () => {
  const all = new Set<string>();
  for (let c = 0; c < 256; c++) for (let d = 1; d < 255; d++) all.add(`127.77.${c}.${d}`);
  assert.throws(
    () => allocateLoopback(all),
    (e) => e instanceof LocalNodeError && e.code === "AddressesExhausted",
  );
});

Deno.test("an allocated address is bindable on this machine", () => {
  const listener = Deno.listen({ hostname: allocateLoopback(new Set(["127.77.0.1"])), port: 0 });
  assert.equal(listener.addr.hostname, "127.77.0.2");
  listener.close();
});

Deno.test("allocateLoopback skips an address that something else already listens on", () => {
  const taken = Deno.listen({ hostname: "127.77.0.1", port: 0 });
  const port = taken.addr.port;
  try {
    assert.equal(addressFree("127.77.0.1", port), false);
    assert.equal(allocateLoopback(new Set(), (ip) => addressFree(ip, port)), "127.77.0.2");
  } finally {
    taken.close();
  }
  assert.equal(addressFree("127.77.0.1", port), true);
});
