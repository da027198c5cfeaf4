import assert from "node:assert/strict";
import { leaderIdentity, podNamespace, SERVICE_ACCOUNT_NAMESPACE_FILE } from "./own_pod.ts";

Deno.test("podNamespace(): POD_NAMESPACE, else the service account's file, else default", async () => {
  const files = (content: string | undefined) => (path: string) =>
    Promise.resolve(path === SERVICE_ACCOUNT_NAMESPACE_FILE ? content : undefined);
  const env = (value: string | undefined) => (name: string) =>
    name === "POD_NAMESPACE" ? value : undefined;
  assert.equal(
    await podNamespace({ env: env("from-env"), readFile: files("from-file\n") }),
    "from-env",
  );
  assert.equal(
    await podNamespace({ env: env(undefined), readFile: files("from-file\n") }),
    "from-file",
  );
  assert.equal(await podNamespace({ env: env(" "), readFile: files(undefined) }), "default");
});

Deno.test("leaderIdentity(): the host name and a random suffix, different every time", () => {
  const env = (name: string) => name === "HOSTNAME" ? "controller-7d9f" : undefined;
  const a = leaderIdentity({ env });
  const b = leaderIdentity({ env });
  assert.match(a, /^controller-7d9f_[0-9a-f]{16}$/);
  assert.notEqual(a, b);
  assert.match(leaderIdentity({ env: () => undefined }), /^controller_[0-9a-f]{16}$/);
});
