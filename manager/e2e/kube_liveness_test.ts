/**
 * The programs keep hearing the cluster (issue: "on a real API server the programs go deaf after
 * 30 quiet seconds"). On a control plane of its own, whose kube-apiserver ends watches after a
 * few seconds (`--min-request-timeout`) and which this test restarts, the controller, the manager
 * and the local node run as the separate programs they are (`main.ts` each, their own flags),
 * with watch timeouts to match. After idle periods of several watch lifetimes, and after an API
 * server restart, a deleted pool member is replaced, its pod gets Running, and an SDK create is
 * answered from the pool. Then the manager and the controller are started ten times, one second
 * after the CRDs are applied, and must come up and serve without a crash.
 */
import assert from "node:assert/strict";
import { Sandbox } from "e2b";
import {
  LABEL_SANDBOX_CLAIMED,
  LABEL_SANDBOX_ID,
  parsePod,
  parseSandbox,
} from "@kruise-agents/shared/api";
import { createKubernetesClient, NAMESPACES, PODS, SANDBOXES } from "@kruise-agents/shared/kube";
import {
  CRD_DIR,
  kubectlOk,
  kubeDown,
  type KubeEnv,
  kubeEnv,
  restartApiServer,
} from "@kruise-agents/shared/testing";
import { delay, poll } from "@kruise-agents/shared/std";
import { stringify } from "yaml";
import { generateApiKey } from "../auth/api_keys.ts";
import {
  basePool,
  controllerProgram,
  freePort,
  get,
  managerProgram,
  poolFull,
  ready,
  startSystem,
  stopSystem,
  type System,
  watchRestarts,
  writeTokenKey,
} from "./kube_system.ts";

/** Seconds after which the API server (and our clients) end each watch. */
const WATCH_TIMEOUT = 4;
/** The longest a watch lives: the clients jitter the timeout up to twice its value. */
const WATCH_LIFETIME_MS = 2 * WATCH_TIMEOUT * 1000;

let liveness: Promise<KubeEnv> | undefined;
function controlPlane(): Promise<KubeEnv> {
  liveness ??= (async () => {
    const env = await kubeEnv({ name: "liveness", minRequestTimeout: WATCH_TIMEOUT });
    await applyCrds(env);
    return env;
  })();
  return liveness;
}

async function applyCrds(env: KubeEnv): Promise<void> {
  await kubectlOk(env, ["apply", "--server-side", "--force-conflicts", "-f", CRD_DIR]);
}

/** The three things a deaf program breaks: replacement, a pod getting Running, a warm create. */
async function stillHears(system: System, when: string): Promise<void> {
  const before = await poolFull(system, `a full pool ${when}`);
  const victim = before[0]!;
  await system.kube.delete(SANDBOXES, system.namespace, victim.metadata.name!);
  const after = await poolFull(system, `the deleted member replaced ${when}`);
  const replacement = after.find((s) => !before.some((b) => b.metadata.uid === s.metadata.uid));
  assert.ok(replacement, `a new member ${when}`);
  const pod = parsePod(await system.kube.get(PODS, system.namespace, replacement.metadata.name!));
  assert.equal(pod.status?.phase, "Running", `the new pod runs ${when}`);
  const warm = after.map((s) => s.metadata.name);
  const started = Date.now();
  const sbx = await Sandbox.create("base", { ...system.sdk, timeoutMs: 60_000 });
  const tookMs = Date.now() - started;
  const claimed = (await system.kube.list(SANDBOXES, {
    namespace: system.namespace,
    labelSelector: `${LABEL_SANDBOX_CLAIMED}=true`,
  })).items.map(parseSandbox).find((s) => s.metadata.labels?.[LABEL_SANDBOX_ID] === sbx.sandboxId);
  assert.ok(claimed && warm.includes(claimed.metadata.name), `answered from the pool ${when}`);
  assert.ok(tookMs < 5000, `the warm create took ${tookMs} ms ${when}`);
  assert.equal((await sbx.commands.run("echo hears")).stdout, "hears\n");
  assert.equal(await sbx.kill(), true);
}

Deno.test({
  name:
    "on a real kube-apiserver the programs keep hearing it: after idle watch lifetimes and after an API server restart",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const env = await controlPlane();
    const namespace = `live-${crypto.randomUUID().slice(0, 6)}`;
    const dir = await Deno.makeTempDir({ prefix: "ka-liveness-" });
    const admin = createKubernetesClient({ kubeconfigPath: env.kubeconfig });
    await basePool(admin, namespace, 2);
    let system: System | undefined;
    try {
      system = await startSystem(env, dir, namespace, WATCH_TIMEOUT);
      await poolFull(system, "the pool to fill");
      // Quiet for three watch lifetimes: every watch of every program ends at least twice.
      await delay(3 * WATCH_LIFETIME_MS);
      for (const [name, port] of Object.entries(system.health)) {
        const restarts = await watchRestarts(port);
        assert.ok(
          Object.values(restarts).length > 0 && Object.values(restarts).every((n) => n >= 2),
          `${name}'s watches restarted while idle: ${JSON.stringify(restarts)}`,
        );
      }
      await stillHears(system, "after three idle watch lifetimes");

      // The API server restarts during a quiet spell: every watch reconnects.
      await delay(WATCH_LIFETIME_MS);
      await restartApiServer(env);
      await delay(WATCH_LIFETIME_MS);
      for (const [name, port] of Object.entries(system.health)) {
        assert.ok(await ready(port), `${name} is ready after the API server restart`);
      }
      await stillHears(system, "after an API server restart");
      for (const program of system.programs) {
        assert.ok(await program.alive(), `${program.name} is still running`);
        assert.doesNotMatch(program.output, /^error: Uncaught/m, program.name);
      }
      assert.match(
        system.programs.map((p) => p.output).join("\n"),
        /"msg":"watch (failed; reconnecting|ended by the server; resuming)"/,
        "watch restarts are logged",
      );
    } finally {
      await stopSystem(system);
      await admin.delete(NAMESPACES, "", namespace).catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name:
    "the manager and the controller start 1 s after the CRDs are applied, 10 times, without a crash",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const env = await controlPlane();
    const dir = await Deno.makeTempDir({ prefix: "ka-startup-" });
    const { record } = await generateApiKey({ team: "default", name: "startup" });
    await Deno.writeTextFile(`${dir}/keys.yaml`, stringify({ keys: [record] }));
    const tokenKeyFile = await writeTokenKey(dir);
    const rodeOut = new Set<string>(); // programs that met a not-yet-ready API and retried
    try {
      for (let round = 1; round <= 10; round++) {
        await kubectlOk(env, ["delete", "--wait=true", "--ignore-not-found", "-f", CRD_DIR]);
        await applyCrds(env);
        await delay(1000);
        const health = { controller: freePort(), manager: freePort() };
        const apiPort = freePort();
        const common = ["--kubeconfig", env.kubeconfig, "--token-key-file", tokenKeyFile];
        const programs = [
          controllerProgram(common, health.controller),
          managerProgram(common, {
            keysFile: `${dir}/keys.yaml`,
            apiPort,
            proxyPort: apiPort,
            healthPort: health.manager,
          }),
        ];
        try {
          for (const [name, port] of Object.entries(health)) {
            await poll(
              `${name} to be ready (round ${round})`,
              async () => await ready(port) || undefined,
              {
                timeoutMs: 60_000,
                intervalMs: 100,
              },
            );
          }
          const res = await get(`http://127.0.0.1:${apiPort}/health`);
          assert.equal(res.status, 204, `the manager serves (round ${round})`);
          for (const program of programs) {
            assert.ok(await program.alive(), `${program.name} runs (round ${round})`);
          }
        } finally {
          for (const program of programs) {
            const code = await program.stop();
            assert.equal(
              code,
              0,
              `${program.name} exits cleanly (round ${round}):\n${program.output}`,
            );
            assert.doesNotMatch(
              program.output,
              /^error: Uncaught/m,
              `${program.name} (round ${round}):\n${program.output}`,
            );
            if (/retrying|reconnecting/.test(program.output)) rodeOut.add(program.name);
          }
        }
      }
      console.log(`programs that retried a not-yet-ready API at least once: ${[...rodeOut]}`);
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await kubeDown(await controlPlane());
    }
  },
});
