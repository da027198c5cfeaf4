/**
 * Issue 13's in-place image upgrade on the real node of `kube.sh up-node`, for
 * `real_node_test.ts`: a create from the `base` pool with `e2b.agents.kruise.io/image` naming the
 * code-interpreter image answers with a sandbox whose Pod is the same object (same UID), its main
 * container restarted once by the kubelet on the new image; the code interpreter of the new image
 * answers. An image the node cannot get fails the create with a 400 and leaves no Sandbox: its
 * name points at a registry on 127.0.0.1 port 1 (nothing listens), so the kubelet's pull attempt
 * never leaves loopback.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Sandbox } from "e2b";
import { Sandbox as CodeSandbox } from "@e2b/code-interpreter";
import { createMetadata } from "@kruise-agents/shared/api";
import { poll } from "@kruise-agents/shared/std";
import type { DevUnderTest } from "./dev_harness.ts";
import { available, type RealNode, sandboxOf } from "./real_node.ts";

const CODE_INTERPRETER_IMAGE = "kruise-agents/sandbox-code-interpreter:0.1.0";

interface PodView {
  metadata: { uid: string };
  spec: { containers: { name: string; image: string }[] };
  status: { containerStatuses?: { name: string; image: string; restartCount: number }[] };
}

async function podOf(node: RealNode, sandboxId: string): Promise<[string, PodView]> {
  const object = await sandboxOf(node.kube, sandboxId);
  const name = object?.metadata.name;
  assert.ok(name, `no Sandbox for ${sandboxId}`);
  const pod = JSON.parse(await node.kubectl(["-n", "default", "get", "pod", name, "-o", "json"]));
  return [name, pod as PodView];
}

/** The upgrade and the refusal; returns the figures. */
export async function upgradeOnRealNode(
  node: RealNode,
  dev: DevUnderTest,
): Promise<Record<string, string>> {
  const figures: Record<string, string> = {};
  // The pods the create can take: the warm members of `base`, before the claim.
  // The base pool fills beside the code-interpreter one, which is all the earlier steps wait for.
  const members = await poll("a warm base sandbox", async () => {
    const found = await available(node.kube, "base");
    return found.length > 0 ? found : undefined;
  }, { timeoutMs: 120_000, intervalMs: 250 });
  const warm = new Set(members.map((s) => s.status?.podInfo?.podUID));
  const started = performance.now();
  const sbx = await CodeSandbox.create("base", {
    ...dev.sdkOptions,
    requestTimeoutMs: 300_000,
    envs: { FROM_CREATE: "kept" },
    metadata: createMetadata({ image: CODE_INTERPRETER_IMAGE }),
  });
  figures["in-place upgrade create (real node)"] = `${(performance.now() - started).toFixed(0)} ms`;
  try {
    const [name, pod] = await podOf(node, sbx.sandboxId);
    assert.equal(pod.spec.containers[0]!.image, CODE_INTERPRETER_IMAGE);
    const status = pod.status.containerStatuses?.find((c) =>
      c.name === pod.spec.containers[0]!.name
    );
    assert.equal(status?.restartCount, 1, "the kubelet restarted the container once");
    assert.match(status?.image ?? "", /sandbox-code-interpreter:0\.1\.0$/);
    // The same Pod object: one of the warm members' pods, not a new one.
    assert.ok(warm.has(pod.metadata.uid), `pod ${name} was replaced`);
    assert.equal((await sbx.commands.run("echo $FROM_CREATE")).stdout, "kept\n");
    let answer = "";
    await poll("run_code on the upgraded sandbox", async () => {
      try {
        answer = (await sbx.runCode("6 * 7")).text ?? "";
        return true;
      } catch {
        return undefined;
      }
    }, { timeoutMs: 60_000, intervalMs: 500 });
    assert.equal(answer, "42");
  } finally {
    await sbx.kill();
  }

  await assert.rejects(
    Sandbox.create("base", {
      ...dev.sdkOptions,
      requestTimeoutMs: 300_000,
      metadata: createMetadata({ image: "127.0.0.1:1/kruise-agents/no-such-image:0.1.0" }),
    }),
    (error: unknown) => {
      assert.match(String(error), /400/);
      assert.match(String(error), /no-such-image.*cannot run: (ErrImagePull|ImagePullBackOff)/);
      return true;
    },
  );
  const left = await Sandbox.list(dev.sdkOptions).nextItems();
  assert.deepEqual(left.filter((s) => s.templateId === "base"), [], "no base sandbox is left");
  return figures;
}
