import assert from "node:assert/strict";
import { isKubeApiError } from "./_test_util.ts";
import { parseLabelSelector } from "./_label_selector.ts";

const LABELS = { app: "web", tier: "front", "agents.kruise.io/pool": "p1" };

Deno.test("parseLabelSelector() matches each operator as the API server does", () => {
  const cases: [string, boolean][] = [
    ["", true],
    ["app=web", true],
    ["app==web", true],
    ["app=db", false],
    ["app!=db", true],
    ["app!=web", false],
    ["missing!=x", true],
    ["app", true],
    ["missing", false],
    ["!missing", true],
    ["!app", false],
    ["app in (db, web)", true],
    ["app in (db)", false],
    ["app notin (db)", true],
    ["missing notin (db)", true],
    ["app=web,tier=front", true],
    ["app=web,tier=back", false],
    ["agents.kruise.io/pool=p1, app in (web,x)", true],
  ];
  for (const [selector, expected] of cases) {
    assert.equal(parseLabelSelector(selector)(LABELS), expected, selector);
  }
  assert.equal(parseLabelSelector("app")(undefined), false);
  assert.equal(parseLabelSelector("!app")(undefined), true);
});

Deno.test("parseLabelSelector() rejects bad syntax with 400 BadRequest", () => {
  for (const selector of ["a=b=c", "=b", "a,", "a in (x", "a=(x)", "bad key=1"]) {
    assert.throws(() => parseLabelSelector(selector), isKubeApiError(400, "BadRequest"), selector);
  }
});
