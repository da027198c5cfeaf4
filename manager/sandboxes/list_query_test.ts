import assert from "node:assert/strict";
import { ApiError } from "../errors.ts";
import {
  decodeNextToken,
  encodeNextToken,
  type ListEntry,
  listPage,
  parseListQuery,
  parseMetadataQuery,
} from "./list_query.ts";

const entry = (id: string, startedAt: number, extra: Partial<ListEntry> = {}): ListEntry => ({
  sandboxId: id,
  templateIds: ["base"],
  startedAt,
  state: "running",
  metadata: {},
  ...extra,
});

/** The `metadata` parameter as the JS SDK (2.51) builds it, before the HTTP client encodes it. */
function sdkMetadataParam(metadata: Record<string, string>): string {
  const encoded = Object.fromEntries(
    Object.entries(metadata).map(([k, v]) => [encodeURIComponent(k), encodeURIComponent(v)]),
  );
  return new URLSearchParams(encoded).toString();
}

Deno.test("parseMetadataQuery() decodes the SDKs' encoding of free-form keys and values", () => {
  const metadata = { "a b.c": "x&y=z %+", k: "v", "dotted.key/with slash": "é".repeat(300) };
  // What a server's query parser hands over: the HTTP client's own layer already undone.
  const wire = new URLSearchParams({ metadata: sdkMetadataParam(metadata) }).toString();
  const value = new URLSearchParams(wire).get("metadata")!;
  assert.deepEqual(parseMetadataQuery(value), metadata);
  // The Python SDK's form (quote each, then urlencode), captured from e2b 2.63.
  assert.deepEqual(parseMetadataQuery("a%2520b.c=x%2526y%253Dz%2520%2525&k=v"), {
    "a b.c": "x&y=z %",
    k: "v",
  });
  assert.deepEqual(parseMetadataQuery("plain=value"), { plain: "value" });
  assert.throws(() => parseMetadataQuery("novalue"), ApiError);
  assert.throws(() => parseMetadataQuery("a=%zz"), ApiError);
  assert.throws(() => parseMetadataQuery("a=%252zz"), ApiError);
});

Deno.test("parseListQuery() accepts E2B's forms and refuses bad values with 400", () => {
  const q = (s: string) => parseListQuery(new URLSearchParams(s));
  assert.deepEqual([...q("").states].sort(), ["paused", "running"]);
  assert.deepEqual([...q("state=paused").states], ["paused"]);
  assert.deepEqual([...q("state=running,paused").states].sort(), ["paused", "running"]);
  assert.deepEqual([...q("state=running&state=paused").states].sort(), ["paused", "running"]);
  assert.equal(q("").order, "desc");
  assert.equal(q("limit=7").limit, 7);
  assert.equal(q("startedAfter=2026-01-01T00:00:00.000Z").startedAfter, Date.UTC(2026, 0, 1));
  assert.deepEqual([...parseListQuery(new URLSearchParams("state=paused"), { v1: true }).states], [
    "running",
  ]);
  for (
    const bad of [
      "state=dead",
      "order=up",
      "limit=0",
      "limit=101",
      "limit=x",
      "startedAfter=x",
      "nextToken=%%%",
    ]
  ) {
    assert.throws(() => q(bad), (e: unknown) => e instanceof ApiError && e.status === 400, bad);
  }
});

Deno.test("next tokens round-trip and refuse another order", () => {
  const token = encodeNextToken(entry("abc", 123), "asc");
  assert.deepEqual(decodeNextToken(token, "asc"), { startedAt: 123, sandboxId: "abc" });
  assert.throws(() => decodeNextToken(token, "desc"), ApiError);
  assert.throws(() => decodeNextToken("garbage", "asc"), ApiError);
});

Deno.test("listPage() filters, orders by start time then ID, and pages without gaps", () => {
  const entries = [
    entry("c", 3, { metadata: { k: "v" } }),
    entry("a", 1, { metadata: { k: "v", x: "y" } }),
    entry("b", 1, { state: "paused" }),
    entry("d", 4, { templateIds: ["other"] }),
  ];
  const q = (s: string) => parseListQuery(new URLSearchParams(s));
  const ids = (s: string) => listPage(entries, q(s)).items.map((e) => e.sandboxId);
  assert.deepEqual(ids(""), ["d", "c", "b", "a"]);
  assert.deepEqual(ids("order=asc"), ["a", "b", "c", "d"]);
  assert.deepEqual(ids("state=paused"), ["b"]);
  assert.deepEqual(ids("template=other"), ["d"]);
  assert.deepEqual(ids(`metadata=${encodeURIComponent("k=v")}`), ["c", "a"]);
  assert.deepEqual(ids(`metadata=${encodeURIComponent("k=v&x=y")}`), ["a"]);
  assert.deepEqual(ids(`startedAfter=${new Date(3).toISOString()}`), ["d", "c"]);

  for (const order of ["asc", "desc"]) {
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = listPage(
        entries,
        q(`order=${order}&limit=3${token ? `&nextToken=${token}` : ""}`),
      );
      seen.push(...page.items.map((e) => e.sandboxId));
      token = page.nextToken;
    } while (token);
    assert.deepEqual(seen, ids(`order=${order}`));
  }
  assert.equal(listPage(entries, q("limit=4")).nextToken, undefined);
});
