/**
 * `hack/kube.sh` on a state folder of its own (its ports follow from the folder, so it runs
 * beside the shared control plane of the other tests): `up` starts a real control plane that
 * `kubectl get ns` answers through the printed kubeconfig, and `down` leaves no process and no
 * state behind.
 */
import assert from "node:assert/strict";
import { processesNaming } from "@kruise-agents/shared/testing";

const SCRIPT = new URL("./kube.sh", import.meta.url).pathname;

async function kube(command: string, state: string) {
  const out = await new Deno.Command("bash", {
    args: [SCRIPT, command],
    env: { KRUISE_AGENTS_KUBE_STATE: state },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("kube.sh up answers kubectl get ns; kube.sh down leaves no process and no state", async () => {
  const parent = await Deno.makeTempDir();
  const state = `${parent}/kube`;
  try {
    const up = await kube("up", state);
    assert.equal(up.code, 0, up.stderr);
    const kubeconfig = /^export KUBECONFIG=(.+)$/m.exec(up.stdout)?.[1];
    assert.equal(kubeconfig, `${state}/kubeconfig`);
    const bin = (await kube("build", state)).stdout.trim().split("\n").at(-1)!;
    const ns = await new Deno.Command(`${bin}/kubectl`, {
      args: ["--kubeconfig", kubeconfig!, "get", "ns", "-o", "name"],
      stdout: "piped",
    }).output();
    assert.equal(ns.code, 0);
    assert.match(new TextDecoder().decode(ns.stdout), /namespace\/default/);
    assert.ok((await processesNaming(state)).length >= 3, "etcd, apiserver, controller-manager");

    const down = await kube("down", state);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await processesNaming(state), []);
    await assert.rejects(Deno.stat(state), Deno.errors.NotFound);
  } finally {
    await kube("down", state);
    await Deno.remove(parent, { recursive: true }).catch(() => {});
  }
});
