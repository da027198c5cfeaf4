/**
 * The code interpreter as E2B's template has it, through `deno task dev` (the manager, its proxy
 * and a code-interpreter sandbox as an OCI container on the local node) with the published
 * `@e2b/code-interpreter` SDK, unmodified (issue 10): bash and R cells with the sandbox's env vars,
 * per-execution ones and the cwd, as the SDKs' `env_vars` and `cwd` tests write them; a chart
 * extracted by E2B's chart code; and Jupyter Server killed with `kill -9` from a root command
 * (the SDKs' "restart after jupyter kill" test) coming back, the next cell running on a new kernel.
 * The same behaviours against the runtime alone, with every chart type and Java, are
 * runtime/interpreter/sdk_*_test.ts.
 */
import assert from "node:assert/strict";
import { Sandbox } from "@e2b/code-interpreter";
import { prepareDataDir, startDev } from "./dev_harness.ts";

/** Kernels start slowly (R) on a loaded machine: no SDK timeout cuts them short. */
const SLOW = { timeoutMs: 180_000 };

/** Jupyter Server killed with `kill -9` from a root command: restarted, the next cell runs. */
async function jupyterRestart(sbx: Sandbox): Promise<void> {
  assert.equal((await sbx.runCode("x = 1; x", SLOW)).text, "1");
  const pids = await sbx.commands.run("pgrep -f 'jupyter server'", { user: "root" });
  const server = pids.stdout.trim().split("\n")[0];
  assert.match(server ?? "", /^\d+$/, pids.stdout);
  await sbx.commands.run(`kill -9 ${server}`, { user: "root" });
  // Until the server is back, a cell fails (an error result, or a refused call).
  const deadline = Date.now() + 120_000;
  let last = "";
  let text: string | undefined;
  while (text !== "2" && Date.now() < deadline) {
    const result = await sbx.runCode("x = 2; x", SLOW).catch((error) => error as Error);
    if (result instanceof Error) last = String(result);
    else {
      text = result.text;
      last = JSON.stringify(result.error ?? result.results);
    }
    if (text !== "2") await new Promise((r) => setTimeout(r, 1_000));
  }
  assert.equal(text, "2", `no cell ran after the restart (last: ${last})`);
  const again = await sbx.commands.run("pgrep -f 'jupyter server'", { user: "root" });
  assert.doesNotMatch(again.stdout, new RegExp(`^${server}$`, "m"), "a new server");
}

Deno.test({
  name:
    "deno task dev: bash and R cells with env vars and cwd, a chart, Jupyter restarted after a kill",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dataDir = await Deno.makeTempDir();
    await prepareDataDir(dataDir);
    await using dev = await startDev(dataDir, { killSandboxesOnExit: true });
    try {
      const sbx = await Sandbox.create({
        ...dev.sdkOptions,
        envs: { TEST_ENV_VAR: "supertest" },
        timeoutMs: 600_000,
      });
      await t.step("bash: sandbox and per-execution env vars, cwd, state", async () => {
        const bash = { language: "bash", ...SLOW } as const;
        const global = await sbx.runCode("echo $TEST_ENV_VAR", bash);
        assert.equal(global.logs.stdout.join(""), "supertest\n");
        const local = await sbx.runCode("echo $FOO", { ...bash, envs: { FOO: "bar" } });
        assert.equal(local.logs.stdout.join(""), "bar\n");
        const after = await sbx.runCode("echo ${FOO:-default}", bash);
        assert.equal(after.logs.stdout.join(""), "default\n", "per-execution vars do not persist");
        assert.equal((await sbx.runCode("pwd", bash)).logs.stdout.join(""), "/home/user\n");
        await sbx.runCode("X=41", bash);
        assert.equal((await sbx.runCode("echo $((X + 1))", bash)).logs.stdout.join(""), "42\n");
      });
      await t.step("R: sandbox and per-execution env vars, cwd", async () => {
        const r = { language: "r", ...SLOW } as const;
        const text = async (code: string, envs?: Record<string, string>) =>
          (await sbx.runCode(code, { ...r, ...(envs ? { envs } : {}) })).results[0]?.text?.trim();
        assert.equal(await text('Sys.getenv("TEST_ENV_VAR")'), '[1] "supertest"');
        assert.equal(await text('Sys.getenv("FOO")', { FOO: "bar" }), '[1] "bar"');
        assert.equal(await text('Sys.getenv("FOO", unset = "default")'), '[1] "default"');
        assert.equal(await text("getwd()"), '[1] "/home/user"');
      });
      await t.step("a chart, extracted by E2B's chart code", async () => {
        const execution = await sbx.runCode(
          [
            "import matplotlib.pyplot as plt",
            "plt.bar(['A', 'B', 'C'], [10, 20, 30])",
            "plt.title('Sales')",
            "plt.xlabel('Author')",
            "plt.ylabel('Books')",
            "plt.show()",
          ].join("\n"),
          SLOW,
        );
        assert.equal(execution.error, undefined, execution.error?.traceback ?? "");
        const chart = execution.results.find((r) => r.chart !== undefined)?.chart as
          | { type: string; title: string; elements: { label: string; value: number }[] }
          | undefined;
        assert.ok(chart, "a result with a chart");
        assert.equal(chart.type, "bar");
        assert.equal(chart.title, "Sales");
        assert.deepEqual(chart.elements.map((e) => [e.label, e.value]), [
          ["A", 10],
          ["B", 20],
          ["C", 30],
        ]);
      });
      await t.step(
        "Jupyter Server killed: restarted, the next cell runs",
        () => jupyterRestart(sbx),
      );
      await sbx.kill();
    } finally {
      await dev.stop();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
