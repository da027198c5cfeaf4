import assert from "node:assert/strict";
import { chooseTemplate, parseTemplateId } from "./template_choice.ts";

Deno.test("parseTemplateId() splits an optional namespace", () => {
  assert.deepEqual(parseTemplateId("base"), { name: "base" });
  assert.deepEqual(parseTemplateId("ns/base"), { namespace: "ns", name: "base" });
});

Deno.test("chooseTemplate() takes the most stock, then the lexically first namespace", () => {
  const c = (namespace: string, available: number) => ({ namespace, name: "t", available });
  const cases: [ReturnType<typeof c>[], string | undefined][] = [
    [[], undefined],
    [[c("a", 0)], "a"],
    [[c("b", 1), c("a", 2)], "a"],
    [[c("a", 1), c("b", 2)], "b"],
    [[c("b", 2), c("a", 2)], "a"],
    [[c("c", 0), c("b", 0)], "b"],
  ];
  for (const [candidates, want] of cases) {
    assert.equal(chooseTemplate(candidates)?.namespace, want, JSON.stringify(candidates));
  }
});
