import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { renderCrdFiles, REPO_ROOT, sandboxCrd, sandboxSetCrd } from "./crd_gen.ts";

Deno.test("committed CRDs in charts/ match what crd_gen.ts renders from the models", async () => {
  const files = renderCrdFiles();
  assert.equal(files.size, 2);
  for (const [path, expected] of files) {
    let actual: string;
    try {
      actual = await Deno.readTextFile(new URL(path, REPO_ROOT));
    } catch (error) {
      throw new Error(
        `${path} is missing; run: deno run --allow-read --allow-write shared/api/crd_gen.ts`,
        {
          cause: error,
        },
      );
    }
    assert.equal(
      actual,
      expected,
      `${path} drifted from the models; run: deno run --allow-read --allow-write shared/api/crd_gen.ts`,
    );
  }
});

Deno.test("renderCrdFiles() writes YAML that reads back as the CRD objects", () => {
  const files = [...renderCrdFiles().values()].map((text) => parseYaml(text));
  assert.deepEqual(files, [
    JSON.parse(JSON.stringify(sandboxCrd())),
    JSON.parse(JSON.stringify(sandboxSetCrd())),
  ]);
});

Deno.test("sandboxSetCrd() has the scale subresource kubectl scale and autoscalers use", () => {
  const version = sandboxSetCrd().spec.versions[0];
  assert.deepEqual(version?.subresources.scale, {
    specReplicasPath: ".spec.replicas",
    statusReplicasPath: ".status.replicas",
    labelSelectorPath: ".status.selector",
  });
  assert.deepEqual(sandboxSetCrd().spec.names.shortNames, ["sbs"]);
  assert.deepEqual(sandboxCrd().spec.names.shortNames, ["sbx"]);
  assert.equal(sandboxCrd().spec.versions[0]?.subresources.scale, undefined);
});
