import assert from "node:assert/strict";
import { ACCESS_TOKEN_ENV } from "@kruise-agents/shared/envd/http";
import { takeAccessToken, templateEnvVars, withoutLauncherEnv } from "./startup_env.ts";
import { RUNTIME_ENV, runtimeEnvFor } from "./permissions.ts";

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

Deno.test("runtimeEnvFor() adds the allocator settings a template lacks, and names what it added", () => {
  const cases: [string, Record<string, string>, Record<string, string>][] = [
    ["nothing set", {}, {
      ...RUNTIME_ENV,
      KRUISE_AGENTS_OWN_ENV: Object.keys(RUNTIME_ENV).join(" "),
    }],
    ["the template sets one", { MALLOC_ARENA_MAX: "4" }, {
      MALLOC_MMAP_THRESHOLD_: "65536",
      KRUISE_AGENTS_OWN_ENV: "MALLOC_MMAP_THRESHOLD_",
    }],
    ["the template sets both", { MALLOC_ARENA_MAX: "4", MALLOC_MMAP_THRESHOLD_: "1" }, {}],
  ];
  for (const [name, env, want] of cases) assert.deepEqual(runtimeEnvFor(env), want, name);
});

Deno.test("templateEnvVars() leaves out what the launcher added, and keeps what the template set", () => {
  const cases: [string, Record<string, string>, Record<string, string>][] = [
    ["added by the launcher", { TEAM: "a", ...runtimeEnvFor({}) }, { TEAM: "a" }],
    ["the template's own value", {
      MALLOC_ARENA_MAX: "4",
      ...runtimeEnvFor({ MALLOC_ARENA_MAX: "4" }),
    }, {
      MALLOC_ARENA_MAX: "4",
    }],
    ["no marker: all the template's", { MALLOC_ARENA_MAX: "4" }, { MALLOC_ARENA_MAX: "4" }],
  ];
  for (const [name, env, want] of cases) assert.deepEqual(templateEnvVars(env), want, name);
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

Deno.test("withoutLauncherEnv() drops what the launcher named, and its marker, for Jupyter", () => {
  const cases: [string, Record<string, string>, Record<string, string>][] = [
    ["launcher vars and marker", {
      DENO_DIR: "/usr/local/lib/agent-runtime/deno-dir",
      MALLOC_ARENA_MAX: "2",
      KRUISE_AGENTS_OWN_ENV: "MALLOC_ARENA_MAX DENO_DIR",
      LANG: "C.UTF-8",
    }, { LANG: "C.UTF-8" }],
    ["no marker: the environment as it is", { DENO_DIR: "/d", LANG: "C" }, {
      DENO_DIR: "/d",
      LANG: "C",
    }],
    ["an empty marker", { KRUISE_AGENTS_OWN_ENV: "", PATH: "/bin" }, { PATH: "/bin" }],
  ];
  for (const [name, env, want] of cases) assert.deepEqual(withoutLauncherEnv(env), want, name);
});
