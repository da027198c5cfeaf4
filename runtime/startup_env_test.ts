import assert from "node:assert/strict";
import { ACCESS_TOKEN_ENV } from "@kruise-agents/shared/envd/http";
import { takeAccessToken, templateEnvVars } from "./startup_env.ts";

Deno.test("templateEnvVars() keeps the template's variables, not the runtime's own", () => {
  assert.deepEqual(
    templateEnvVars({
      HOME: "/root",
      USER: "root",
      PATH: "/usr/bin",
      PWD: "/",
      SHLVL: "1",
      LANG: "C.UTF-8",
      TEAM: "a",
      KRUISE_AGENTS_ANYTHING: "x",
    }),
    { LANG: "C.UTF-8", TEAM: "a" },
  );
});

Deno.test("takeAccessToken() removes the env var, and prefers an explicit file", async () => {
  Deno.env.set(ACCESS_TOKEN_ENV, "from-env");
  assert.equal(takeAccessToken(undefined), "from-env");
  assert.equal(Deno.env.get(ACCESS_TOKEN_ENV), undefined);
  assert.equal(takeAccessToken(undefined), undefined);

  const file = await Deno.makeTempFile();
  await Deno.writeTextFile(file, "from-file\n");
  Deno.env.set(ACCESS_TOKEN_ENV, "from-env");
  assert.equal(takeAccessToken(file), "from-file");
  assert.equal(Deno.env.get(ACCESS_TOKEN_ENV), undefined);
  await Deno.writeTextFile(file, "\n");
  assert.throws(() => takeAccessToken(file), /is empty/);
  await Deno.remove(file);
});
