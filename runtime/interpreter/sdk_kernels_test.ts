/**
 * The kernels E2B's template has besides Python and JavaScript, through the published SDKs
 * against the runtime as it runs in a sandbox (its own process, as root, kernels as `user`):
 * bash (`bash_kernel`), R (IRkernel) and Java (JJava, PyPI `jjava`), each started only when its
 * language is first asked for. The cells are those of the SDKs' own tests (`env_vars/*`, `cwd`):
 * sandbox env vars (`Sandbox.create({envs})`), per-execution ones that do not persist, overrides
 * that revert, the cwd `/home/user`, and state kept between cells. Needs a root test process, the
 * account `user` and the kernels of `hack/setup_kernels.sh`.
 */
import assert from "node:assert/strict";
import { type Execution, Sandbox } from "@e2b/code-interpreter";
import { runPython, startRuntime } from "../testing/harness.ts";
import { UserDirectory } from "../users.ts";
import { descendantsOf, listProcesses } from "./process_tree.ts";

const asRoot = Deno.uid() === 0;

/** Kernel starts (a JVM) can take long on a loaded machine: no SDK timeout cuts them short. */
const SLOW = { timeoutMs: 180_000, requestTimeoutMs: 180_000 };

/** How a language's cells read: the SDK tests read bash from stdout, R and Java from the result. */
interface KernelCase {
  language: "bash" | "r" | "java";
  /** What identifies the kernel's process. */
  process: RegExp;
  /** Prints or returns `TEST_ENV_VAR`, `FOO`, `FOO` or "default", and the cwd. */
  code: { global: string; foo: string; fooOrDefault: string; cwd: string };
  /** The printed or returned text of a value. */
  read(execution: Execution): string | undefined;
  /** How `value` reads. */
  shown(value: string): string;
  /** Sets state, then reads it back as `42`. */
  state: [string, string];
}

const CASES: KernelCase[] = [
  {
    language: "bash",
    process: /bash_kernel/,
    code: {
      global: "echo $TEST_ENV_VAR",
      foo: "echo $FOO",
      fooOrDefault: "echo ${FOO:-default}",
      cwd: "pwd",
    },
    read: (e) => e.logs.stdout.join(""),
    shown: (value) => `${value}\n`,
    state: ["X=41", "echo $((X + 1))"],
  },
  {
    language: "r",
    process: /IRkernel/,
    code: {
      global: 'Sys.getenv("TEST_ENV_VAR")',
      foo: 'Sys.getenv("FOO")',
      fooOrDefault: 'Sys.getenv("FOO", unset = "default")',
      cwd: "getwd()",
    },
    read: (e) => e.results[0]?.text?.trim(),
    shown: (value) => `[1] "${value}"`,
    state: ["x <- 41", "as.character(x + 1)"],
  },
  {
    language: "java",
    process: /jjava/,
    code: {
      global: 'System.getProperty("TEST_ENV_VAR")',
      foo: 'System.getProperty("FOO")',
      fooOrDefault: 'System.getProperty("FOO", "default")',
      cwd: 'System.getProperty("user.dir")',
    },
    read: (e) => e.results[0]?.text?.trim(),
    shown: (value) => value,
    state: ["int x = 41;", "x + 1"],
  },
];

Deno.test({
  name: "@e2b/code-interpreter runs bash, R and Java cells as E2B's tests do",
  ignore: !asRoot,
  fn: async (t) => {
    const user = new UserDirectory().byName("user");
    assert.ok(user, "this test needs the account `user`");
    await using rt = await startRuntime({ interpreter: true });
    const sbx = await Sandbox.create({ ...rt.sdkOptions, envs: { TEST_ENV_VAR: "supertest" } });
    const running = async (pattern: RegExp) =>
      descendantsOf(rt.pid, await listProcesses()).some((p) => pattern.test(p.cmdline));

    for (const c of CASES) {
      await t.step(`${c.language}: started on first use, env vars, cwd, state`, async () => {
        assert.ok(!(await running(c.process)), `no ${c.language} kernel before it is asked for`);
        const run = (code: string, envs?: Record<string, string>) =>
          sbx.runCode(code, { language: c.language, ...SLOW, ...(envs ? { envs } : {}) });
        assert.equal(c.read(await run(c.code.global)), c.shown("supertest"));
        assert.ok(await running(c.process), `the ${c.language} kernel runs now`);
        assert.equal(c.read(await run(c.code.foo, { FOO: "bar" })), c.shown("bar"));
        assert.equal(c.read(await run(c.code.fooOrDefault)), c.shown("default"), "FOO is gone");
        const overwritten = await run(c.code.global, { TEST_ENV_VAR: "overwrite" });
        assert.equal(c.read(overwritten), c.shown("overwrite"));
        assert.equal(c.read(await run(c.code.global)), c.shown("supertest"), "reverted");
        assert.equal(c.read(await run(c.code.cwd)), c.shown(user.home));
        await run(c.state[0]);
        const state = await run(c.state[1]);
        assert.equal(state.error, undefined);
        assert.equal(c.read(state), c.shown("42"));
      });
    }

    await t.step("a bash and an R context run in the cwd they were created with", async () => {
      const cwd = await Deno.makeTempDir({ dir: user.home, prefix: "kernels_test_" });
      await Deno.chown(cwd, user.uid, user.gid);
      try {
        const bash = await sbx.createCodeContext({ language: "bash", cwd, ...SLOW });
        assert.equal(bash.language, "bash");
        const pwd = await sbx.runCode("pwd", { context: bash, ...SLOW });
        assert.deepEqual(pwd.logs.stdout, [`${cwd}\n`]);
        const r = await sbx.createCodeContext({ language: "r", cwd, ...SLOW });
        // IRkernel sends values as display data, so they are results but not `execution.text`.
        const getwd = await sbx.runCode("getwd()", { context: r, ...SLOW });
        assert.equal(getwd.results[0]?.text, `[1] "${cwd}"`);
        await sbx.removeCodeContext(bash);
        await sbx.removeCodeContext(r);
      } finally {
        await Deno.remove(cwd, { recursive: true });
      }
    });

    await t.step("errors arrive as the execution's error", async () => {
      const r = await sbx.runCode('stop("boom")', { language: "r", ...SLOW });
      assert.match(r.error?.value ?? "", /boom/);
      const java = await sbx.runCode('throw new IllegalStateException("boom");', {
        language: "java",
        ...SLOW,
      });
      assert.match(`${java.error?.name} ${java.error?.value}`, /IllegalStateException/);
    });

    await t.step("a language without a kernel is an execution error naming why", async () => {
      const execution = await sbx.runCode("1", { language: "cobol" });
      assert.equal(execution.error?.name, "KernelNotInstalledError");
      assert.match(execution.error?.value ?? "", /no kernel for language "cobol" is installed/);
    });

    await t.step("Python SDK: bash, R and Java with per-execution env vars", async () => {
      const out = await runPython(
        `
import json
from e2b_code_interpreter import Sandbox
sbx = Sandbox.create()
out = {
    "bash": sbx.run_code("echo $FOO", language="bash", envs={"FOO": "bar"}).logs.stdout,
    "r": sbx.run_code('Sys.getenv("FOO")', language="r", envs={"FOO": "bar"}).results[0].text,
    "java": sbx.run_code('System.getProperty("FOO")', language="java", envs={"FOO": "bar"}).text,
    "r_after": sbx.run_code('Sys.getenv("FOO", unset = "none")', language="r").results[0].text,
    "bash_cwd": sbx.run_code("pwd", language="bash").logs.stdout,
}
print(json.dumps(out))
`,
        rt.sdkEnv,
      );
      assert.equal(out.code, 0, out.stderr);
      assert.deepEqual(JSON.parse(out.stdout), {
        bash: ["bar\n"],
        r: '[1] "bar"',
        java: "bar",
        r_after: '[1] "none"',
        bash_cwd: [`${user.home}\n`],
      });
    });
  },
});
