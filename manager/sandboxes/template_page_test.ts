import assert from "node:assert/strict";
import { ApiError } from "../errors.ts";
import {
  decodeTemplateToken,
  encodeTemplateToken,
  parseTemplatePageQuery,
  templatePage,
} from "./template_page.ts";

const q = (s: string) => parseTemplatePageQuery(new URLSearchParams(s));

Deno.test("parseTemplatePageQuery() reads limit and nextToken, 400 for bad values", () => {
  assert.deepEqual(q(""), { limit: 100 });
  assert.deepEqual(q("limit=2"), { limit: 2 });
  assert.deepEqual(q(`nextToken=${encodeTemplateToken("base")}`), { limit: 100, after: "base" });
  for (
    const bad of ["limit=0", "limit=101", "limit=x", "limit=1.5", "nextToken=%%%", "nextToken=_w"]
  ) {
    assert.throws(() => q(bad), (e: unknown) => e instanceof ApiError && e.status === 400, bad);
  }
});

Deno.test("templatePage() pages sorted IDs without gaps or repeats", () => {
  const ids = ["c", "a", "b", "e", "d", "a"];
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = templatePage(ids, q(`limit=2${token ? `&nextToken=${token}` : ""}`));
    seen.push(...page.ids);
    token = page.nextToken;
    pages++;
  } while (token);
  assert.deepEqual(seen, ["a", "b", "c", "d", "e"]);
  assert.equal(pages, 3);
  assert.equal(templatePage(ids, q("limit=5")).nextToken, undefined);
  assert.equal(decodeTemplateToken(encodeTemplateToken("code-interpreter")), "code-interpreter");
});
