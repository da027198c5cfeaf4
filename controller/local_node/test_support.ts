/**
 * Helpers the local node's tests share: a command run through envd's Connect API (the way the
 * SDKs run commands, without the SDK's control-plane round trip), and bounded polling.
 *
 * @module
 */
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { Process } from "@kruise-agents/shared/envd";
import { ENVD_PORT } from "@kruise-agents/shared/envd/http";

/** Runs `bash -c script` in the sandbox through envd; resolves with stdout and exit code. */
export async function run(
  ip: string,
  script: string,
  user = "user",
): Promise<{ stdout: string; exitCode: number | undefined }> {
  const client = createClient(
    Process,
    createConnectTransport({ baseUrl: `http://${ip}:${ENVD_PORT}`, useBinaryFormat: false }),
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
