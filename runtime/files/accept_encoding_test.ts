import assert from "node:assert/strict";
import { negotiateEncoding } from "./accept_encoding.ts";

Deno.test("negotiateEncoding() gzips only when gzip is the one coding asked for", () => {
  const cases: [string | null, string | undefined][] = [
    [null, "identity"],
    ["", "identity"],
    ["gzip", "gzip"],
    ["GZIP;q=0.8", "gzip"],
    ["gzip, identity;q=0.5", "gzip"],
    // HTTP clients' defaults: identity stays fine, so do not spend CPU on it.
    ["gzip, br", "identity"],
    ["gzip, deflate", "identity"],
    ["gzip, deflate, br, zstd", "identity"],
    ["br", "identity"],
    ["gzip;q=0", "identity"],
    // Identity refused: gzip if acceptable, else nothing (406).
    ["br, gzip, identity;q=0", "gzip"],
    ["*;q=0", undefined],
    ["br, identity;q=0", undefined],
  ];
  for (const [header, want] of cases) assert.equal(negotiateEncoding(header), want, String(header));
});
