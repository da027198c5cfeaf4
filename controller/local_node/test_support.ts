/**
 * Helpers the local node's tests share: a node on a network, cgroup and name prefix of its own
 * (so tests never meet `deno task dev`'s sandboxes), the sandbox images built once per run, a
 * command run through envd's Connect API (the way the SDKs run commands), and bounded polling.
 *
 * @module
 */
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { Process } from "@kruise-agents/shared/envd";
import { ENVD_PORT, sandboxUrl } from "@kruise-agents/shared/envd/http";
export { healthy } from "@kruise-agents/shared/testing";
import type { KubeClient } from "@kruise-agents/shared/kube";
import { silentLogger } from "@kruise-agents/shared/std";
import { buildImages } from "./image_layout.ts";
import { type LocalNode, startLocalNode } from "./node.ts";

/** The base sandbox image. */
export const BASE_IMAGE = "kruise-agents/sandbox-base:0.1.0";

let layout: Promise<string> | undefined;

/** Builds (or finds current) the sandbox images, once per test process. */
export function testImages(): Promise<string> {
  layout ??= buildImages();
  return layout;
}

/** A local node for tests: prefix `kan`, its own subnet, cgroup parent and runtime state. */
export async function testNode(kube: KubeClient, dataDir: string): Promise<LocalNode> {
  return await startLocalNode({
    kube,
    dataDir,
    imageLayout: await testImages(),
    logger: silentLogger,
    monitorIntervalMs: 200,
    containers: {
      prefix: "kan",
      subnet: "10.215.0.0/24",
      cgroupParent: "/kruise-agents-test-node",
      stateDir: `${dataDir}/state`,
    },
  });
}

/** Runs `bash -c script` in the sandbox through envd; resolves with stdout and exit code. */
export async function run(
  ip: string,
  script: string,
  user = "user",
): Promise<{ stdout: string; exitCode: number | undefined }> {
  const client = createClient(
    Process,
    createConnectTransport({ baseUrl: sandboxUrl(ip, ENVD_PORT), useBinaryFormat: false }),
  );
  let stdout = "";
  let exitCode: number | undefined;
  for await (
    const res of client.start(
      { process: { cmd: "/bin/bash", args: ["-c", script] }, stdin: false },
      { headers: { authorization: `Basic ${btoa(`${user}:`)}` } },
    )
  ) {
    const event = res.event?.event;
    if (event?.case === "data" && event.value.output.case === "stdout") {
      stdout += new TextDecoder().decode(event.value.output.value);
    }
    if (event?.case === "end") exitCode = event.value.exitCode;
  }
  return { stdout, exitCode };
}

/** Polls `check` every 50 ms for up to `ms`; true as soon as it holds. */
export async function eventually(check: () => Promise<boolean>, ms = 60_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
