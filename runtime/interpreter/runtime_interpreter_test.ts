/**
 * The code interpreter as the runtime serves it on 49999 (a real runtime process, as root, with a
 * token from birth), through the published code-interpreter SDKs: `/execute` needs the token,
 * `/contexts*` and `/health` stay open (the SDKs send no token there), and Jupyter Server and its
 * kernels run as the sandbox's user `user`, with its home, groups and environment, and never see
 * the token. Needs a root test process and the account `user` (`hack/setup.sh`), whose Python
 * must be able to run Jupyter.
 */
import assert from "node:assert/strict";
import { Sandbox } from "@e2b/code-interpreter";
import { runPython, startRuntime } from "../testing/harness.ts";
import { UserDirectory } from "../users.ts";
import { descendantsOf, listProcesses } from "./process_tree.ts";

const asRoot = Deno.uid() === 0;

/** The real uid of process `pid`. */
async function uidOf(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
}

Deno.test({
  name: "the runtime's code interpreter needs the token for /execute and runs kernels as user",
  ignore: !asRoot,
  fn: async (t) => {
    const user = new UserDirectory().byName("user");
    assert.ok(user, "this test needs the account `user`");
    await using rt = await startRuntime({ interpreter: true });
    const url = rt.interpreterUrl!;
    const token = rt.accessToken!;
    const execute = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${url}/execute`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(body),
      });

    await t.step("/execute: 401 without the token, runs with it", async () => {
      for (const headers of [{}, { "x-access-token": "wrong" }]) {
        const denied = await execute({ code: "1 + 1" }, headers);
        assert.equal(denied.status, 401);
        assert.equal(await denied.text(), "Unauthorized");
      }
      const ran = await execute({ code: "1 + 1" }, { "x-access-token": token });
      assert.equal(ran.status, 200);
      assert.match(await ran.text(), /"text":"2"/);
    });

    await t.step("/health and /contexts stay open, as the SDKs send no token there", async () => {
      assert.equal((await fetch(`${url}/health`)).status, 200);
      const listed = await fetch(`${url}/contexts`);
      assert.equal(listed.status, 200);
      const languages = (await listed.json() as { language: string }[]).map((c) => c.language);
      assert.deepEqual(languages, ["python", "javascript"]);
      const unknown = await fetch(`${url}/nope`);
      assert.equal(unknown.status, 401, "other routes need the token");
      await unknown.body?.cancel();
    });

    const sbx = await Sandbox.create(rt.sdkOptions);

    await t.step(
      "python runs as user, in its home, without the token in its environment",
      async () => {
        const execution = await sbx.runCode(
          "import os\n(os.getuid(), os.getgid(), os.environ['HOME'], os.getcwd(), " +
            `'${token}' in open('/proc/self/environ').read(), ` +
            "'KRUISE_AGENTS_ACCESS_TOKEN' in os.environ)",
        );
        assert.equal(execution.error, undefined);
        assert.equal(
          execution.text,
          `(${user.uid}, ${user.gid}, '${user.home}', '${user.home}', False, False)`,
        );
        const shadow = await sbx.runCode("open('/etc/shadow').read()");
        assert.equal(shadow.error?.name, "PermissionError");
        const written = await sbx.runCode("open('kernel_file.txt', 'w').write('x')");
        assert.equal(written.error, undefined);
        assert.equal((await Deno.stat(`${user.home}/kernel_file.txt`)).uid, user.uid);
        await Deno.remove(`${user.home}/kernel_file.txt`);
      },
    );

    await t.step(
      "Jupyter Server runs as user; Deno's kernel starts only for javascript",
      async () => {
        const below = () => listProcesses().then((all) => descendantsOf(rt.pid, all));
        const before = await below();
        const server = before.find((p) => p.cmdline.includes("--ServerApp.ip=127.0.0.1"));
        assert.ok(server, "Jupyter Server runs");
        assert.equal(await uidOf(server.pid), user.uid);
        assert.ok(
          !before.some((p) => /deno jupyter --kernel/.test(p.cmdline)),
          "no Deno kernel yet",
        );

        const js = await sbx.runCode("Deno.cwd()", { language: "javascript" });
        assert.equal(js.error, undefined);
        assert.equal(js.text, user.home);
        const kernel = (await below()).find((p) => /deno jupyter --kernel/.test(p.cmdline));
        assert.ok(kernel, "javascript started Deno's kernel");
        assert.equal(await uidOf(kernel.pid), user.uid);
        const ts = await sbx.runCode("const n: number = 2; n * 21", { language: "ts" });
        assert.equal(ts.text, "42");
      },
    );

    await t.step("createCodeContext and runCode in it", async () => {
      const context = await sbx.createCodeContext({ language: "python" });
      const execution = await sbx.runCode("import os; os.getuid()", { context });
      assert.equal(execution.text, String(user.uid));
      await sbx.removeCodeContext(context.id);
    });

    await t.step("Python SDK: run_code and create_code_context", async () => {
      const out = await runPython(
        `
import json
from e2b_code_interpreter import Sandbox
sbx = Sandbox.create()
context = sbx.create_code_context(language="python")
out = {
    "uid": sbx.run_code("import os; os.getuid()").text,
    "in_context": sbx.run_code("import os; os.getcwd()", context=context).text,
    "js": sbx.run_code("1 + 2", language="javascript").text,
}
sbx.remove_code_context(context)
print(json.dumps(out))
`,
        rt.sdkEnv,
      );
      assert.equal(out.code, 0, out.stderr);
      assert.deepEqual(JSON.parse(out.stdout), {
        uid: String(user.uid),
        in_context: user.home,
        js: "3",
      });
    });
  },
});
