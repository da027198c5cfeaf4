import assert from "node:assert/strict";
import {
  ANNOTATION_TEMPLATE_ALIASES,
  API_VERSION,
  parseSandboxSet,
  type SandboxSet,
} from "@kruise-agents/shared/api";
import { ApiError } from "../errors.ts";
import {
  chooseTemplate,
  matchTemplates,
  parseAliases,
  parseTemplateRef,
  resolveTemplate,
  templateAliases,
} from "./template_choice.ts";

function set(namespace: string, name: string, aliases?: string): SandboxSet {
  return parseSandboxSet({
    apiVersion: API_VERSION,
    kind: "SandboxSet",
    metadata: {
      name,
      namespace,
      ...(aliases === undefined ? {} : { annotations: { [ANNOTATION_TEMPLATE_ALIASES]: aliases } }),
    },
    spec: { replicas: 1, template: { spec: { containers: [{ name: "main", image: "img" }] } } },
  });
}

function status(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiError) return error.status;
    throw error;
  }
  return undefined;
}

Deno.test("parseTemplateRef() reads E2B's [namespace/]name[:tag]", () => {
  assert.deepEqual(parseTemplateRef("base"), { name: "base" });
  assert.deepEqual(parseTemplateRef(" Code-Interpreter-V1 "), { name: "code-interpreter-v1" });
  assert.deepEqual(parseTemplateRef("ns/base"), { namespace: "ns", name: "base" });
  // `default` (any case) is the template itself, as no tag is.
  assert.deepEqual(parseTemplateRef("base:default"), { name: "base" });
  assert.deepEqual(parseTemplateRef("base:DEFAULT"), { name: "base" });
  assert.deepEqual(parseTemplateRef("ns/base:v1.2"), {
    namespace: "ns",
    name: "base",
    tag: "v1.2",
  });
  for (const bad of ["", "  ", ":v1", "/base", "ns/", "base:", "base:a b", "base:x:y"]) {
    assert.equal(status(() => parseTemplateRef(bad)), 400, JSON.stringify(bad));
  }
});

Deno.test("parseAliases() keeps E2B-shaped names, lowercased, in order, once", () => {
  assert.deepEqual(parseAliases(undefined), []);
  assert.deepEqual(parseAliases("code-interpreter-v1, CI ,ci,,bad!name, x_y  z"), [
    "code-interpreter-v1",
    "ci",
    "x_y",
    "z",
  ]);
  assert.deepEqual(templateAliases(set("ns", "code-interpreter", "code-interpreter-v1")), [
    "code-interpreter-v1",
    "code-interpreter",
  ]);
  assert.deepEqual(templateAliases(set("ns", "base")), ["base"]);
  assert.deepEqual(templateAliases(set("ns", "base", "base,b")), ["base", "b"]);
});

Deno.test("matchTemplates() prefers a template's own name over another's alias", () => {
  const own = set("a", "x");
  const aliasing = set("a", "y", "x");
  const elsewhere = set("b", "z", "x");
  assert.deepEqual(matchTemplates({ name: "x" }, [aliasing, own, elsewhere]), [own]);
  assert.deepEqual(matchTemplates({ name: "x" }, [aliasing, elsewhere]), [aliasing, elsewhere]);
  assert.deepEqual(matchTemplates({ namespace: "b", name: "x" }, [aliasing, elsewhere]), [
    elsewhere,
  ]);
  assert.deepEqual(matchTemplates({ name: "nope" }, [own, aliasing]), []);
});

Deno.test("resolveTemplate() picks by stock and answers E2B's 404s for names and tags", () => {
  const a = set("a", "code-interpreter", "code-interpreter-v1");
  const b = set("b", "code-interpreter", "code-interpreter-v1");
  const stock = (s: SandboxSet) => (s.metadata.namespace === "b" ? 2 : 1);
  assert.equal(resolveTemplate({ name: "code-interpreter-v1" }, [a, b], stock), b);
  assert.equal(resolveTemplate({ name: "code-interpreter" }, [a, b]), a); // tie: first namespace
  const message = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return (error as ApiError).message;
    }
    return undefined;
  };
  assert.equal(message(() => resolveTemplate({ name: "nope" }, [a])), "template 'nope' not found");
  assert.equal(
    message(() => resolveTemplate({ name: "nope", tag: "v2" }, [a])),
    "template 'nope' not found",
  );
  assert.equal(
    message(() => resolveTemplate({ name: "code-interpreter-v1", tag: "v2" }, [a])),
    "template 'code-interpreter-v1' (code-interpreter) with tag 'v2' not found",
  );
  assert.equal(
    message(() => resolveTemplate({ namespace: "a", name: "code-interpreter", tag: "v2" }, [a])),
    "template 'a/code-interpreter' (code-interpreter) with tag 'v2' not found",
  );
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
