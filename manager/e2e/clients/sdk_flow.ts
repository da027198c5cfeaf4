/**
 * A user's session with the published JS SDKs under Deno against `deno task dev` in E2B's domain
 * scheme, run with only the variables dev printed (manager/e2e/dev_domain_test.ts): the SDKs
 * build `https://api.{domain}` and `https://{port}-{id}.{domain}` themselves, and Deno's fetch
 * (theirs and the plain ones here) trusts dev's CA through `DENO_CERT`. No client is told to skip
 * verification. Prints one JSON object.
 *
 * @module
 */
import { Sandbox } from "e2b";
import { Sandbox as CodeSandbox } from "@e2b/code-interpreter";

const out: Record<string, unknown> = {};
const sbx = await Sandbox.create("base", { timeoutMs: 300_000 });
out.sandboxId = sbx.sandboxId;
out.command = (await sbx.commands.run("echo hello from $E2B_SANDBOX_ID")).stdout;

await sbx.files.write("/home/user/signed.txt", "signed download");
out.download = await (await fetch(await sbx.downloadUrl("/home/user/signed.txt"))).text();
const form = new FormData();
form.append("file", new Blob(["signed upload"]), "uploaded.txt");
const upload = await fetch(await sbx.uploadUrl("/home/user/uploaded.txt"), {
  method: "POST",
  body: form,
});
await upload.body?.cancel();
out.uploadStatus = upload.status;
out.uploaded = await sbx.files.read("/home/user/uploaded.txt");

await sbx.commands.run(
  "cd /tmp && echo served from the sandbox > index.html && exec python3 -m http.server 8000",
  { background: true },
);
const host = sbx.getHost(8000);
out.host = host;
let served: Response | undefined;
for (let i = 0; i < 150; i++) {
  served = await fetch(`https://${host}/index.html`);
  if (served.status === 200) break;
  await served.body?.cancel();
  await new Promise((r) => setTimeout(r, 200));
}
out.hostStatus = served!.status;
out.hostBody = await served!.text();

out.killed = await sbx.kill();
const gone = await fetch(`https://${host}/index.html`);
out.afterKill = { status: gone.status, body: await gone.json() };

const ci = await CodeSandbox.create("code-interpreter", { timeoutMs: 300_000 });
out.code = (await ci.runCode("x = 20\nx * 2 + 2")).text;
await ci.kill();

console.log(JSON.stringify(out));
