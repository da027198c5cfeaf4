/**
 * In-place image upgrade (issue 13, the seed's §2.2.1) through the published SDKs against
 * `deno task dev`: a create from the `base` pool with `e2b.agents.kruise.io/image` naming the
 * code-interpreter image answers with a sandbox whose container runs that image (the local node
 * restarted the pod's container on the new image's root filesystem; its neighbour from the same
 * pool still runs the base image), the token and `/init`'s env vars in force; an image that is not
 * built here fails the create with a 400 naming the reason, and no sandbox is left behind. And
 * the in-place CPU resize of `cpu-limit` (`cpu_resize_flow.ts`).
 */
import assert from "node:assert/strict";
import { Sandbox } from "e2b";
import { Sandbox as CodeSandbox } from "@e2b/code-interpreter";
import { createMetadata } from "@kruise-agents/shared/api";
import { eventually, poolManifest, startDevWithPools } from "./dev_harness.ts";
import { cpuResizeFlow, RESIZE_POOL_RESOURCES } from "./cpu_resize_flow.ts";

/** Whether the sandbox's root filesystem has Jupyter Server (only the code-interpreter image). */
async function hasJupyter(sbx: Sandbox): Promise<boolean> {
  const out = await sbx.commands.run("python3 -c 'import jupyter_server' 2>/dev/null", {
    envs: {},
  }).catch((e) => e);
  return out.exitCode === 0;
}

Deno.test("in-place upgrade through the SDKs: the claimed sandbox runs the image the create names", async (t) => {
  await using dev = await startDevWithPools([
    poolManifest("base", 2),
    poolManifest("sized", 2, undefined, RESIZE_POOL_RESOURCES),
  ]);
  const figures: Record<string, string> = {};
  try {
    await t.step(
      "the create answers with the new image running, token and env in force",
      async () => {
        const plain = await Sandbox.create("base", dev.sdkOptions);
        let sbx: CodeSandbox | undefined;
        try {
          assert.equal(await hasJupyter(plain), false, "the pool's image has no Jupyter");
          const started = performance.now();
          // The first use of an image on a node unpacks it (the code-interpreter image is large),
          // as a kubelet pulls it: more than the SDK's default 60 s on a loaded 2-core machine.
          sbx = await CodeSandbox.create("base", {
            ...dev.sdkOptions,
            requestTimeoutMs: 600_000,
            envs: { FROM_CREATE: "kept" },
            metadata: createMetadata({ image: "kruise-agents/sandbox-code-interpreter:0.1.0" }),
          });
          const ms = () => `${(performance.now() - started).toFixed(0)} ms`;
          figures["create with an in-place upgrade (first use of the image)"] = ms();
          assert.equal(await hasJupyter(sbx), true, "the new image's root filesystem");
          const env = await sbx.commands.run("echo $FROM_CREATE");
          assert.equal(env.stdout, "kept\n", "/init ran in the new container");
          // The new image's code interpreter comes up behind the runtime.
          const upgraded = sbx;
          let answer = "";
          const answered = await eventually(async () => {
            try {
              answer = (await upgraded.runCode("6 * 7")).text ?? "";
              return true;
            } catch {
              return false;
            }
          }, 60_000);
          assert.ok(answered, "run_code on the upgraded sandbox");
          assert.equal(answer, "42");
          figures["create to first run_code"] = ms();
          // Again, the image now unpacked on this node: what an upgrade itself costs.
          const again = performance.now();
          const second = await Sandbox.create("base", {
            ...dev.sdkOptions,
            metadata: createMetadata({ image: "kruise-agents/sandbox-code-interpreter:0.1.0" }),
          });
          figures["create with an in-place upgrade (image unpacked)"] = `${
            (performance.now() - again).toFixed(0)
          } ms`;
          assert.equal(await hasJupyter(second), true);
          await second.kill();
          const info = await Sandbox.getInfo(sbx.sandboxId, dev.sdkOptions);
          assert.equal(info.metadata["e2b.agents.kruise.io/image"], undefined, "an option");
        } finally {
          await sbx?.kill();
          await plain.kill();
        }
      },
    );

    await t.step("cpu-limit resizes the claimed sandbox's CPU in place", async () => {
      const ms = await cpuResizeFlow(dev.sdkOptions, "sized");
      figures["create with an in-place CPU resize"] = `${ms.toFixed(0)} ms`;
    });

    await t.step("an image that is not built here: 400, nothing left behind", async () => {
      await assert.rejects(
        Sandbox.create("base", {
          ...dev.sdkOptions,
          metadata: createMetadata({ image: "kruise-agents/no-such-image:0.1.0" }),
        }),
        (error: unknown) => {
          assert.match(String(error), /400/);
          assert.match(String(error), /no-such-image.*cannot run: ErrImageNeverPull/);
          return true;
        },
      );
      assert.deepEqual(await Sandbox.list(dev.sdkOptions).nextItems(), []);
    });
  } finally {
    await dev.stop();
    console.log(JSON.stringify(figures, null, 2));
  }
});
