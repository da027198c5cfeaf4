import {
  ANNOTATION_E2B_LIFECYCLE,
  ANNOTATION_PAUSE_MEMORY,
  ANNOTATION_POD_FREEZE,
  CREATED_BY_SANDBOX,
  LABEL_CREATED_BY,
  LABEL_POD_TEMPLATE_HASH,
  LABEL_SANDBOX_NAME,
  parseSandbox,
  type Sandbox,
  SandboxConditionType,
  sandboxToken,
  TOKEN_SECRET_KEY,
  tokenSecretName,
} from "@kruise-agents/shared/api";
import { ACCESS_TOKEN_ENV } from "@kruise-agents/shared/envd/http";
import { isNotFound, type KubeClient, PODS, SANDBOXES, SECRETS } from "@kruise-agents/shared/kube";
import {
  controllerWorld,
  eventually,
  LaggingClient,
  standaloneSandbox,
  testTokenKey,
} from "../_test_kit.ts";
import assert from "node:assert/strict";
import { ManualClock } from "@kruise-agents/shared/std";
import { rfc3339Seconds } from "@kruise-agents/shared/std";
import { desiredPod, podTemplateHash } from "./desired_pod.ts";
import { parsePod } from "@kruise-agents/shared/api";

const NS = "team-a";

async function read(kube: KubeClient, name: string): Promise<Sandbox | undefined> {
  try {
    return parseSandbox(await kube.get(SANDBOXES, NS, name));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

Deno.test("Sandbox reconciler creates its Pod and mirrors it into the status", async () => {
  await using w = await controllerWorld();
  const created = parseSandbox(await w.store.create(SANDBOXES, { ...standaloneSandbox("s1") }));
  const running = await eventually("Running", async () => {
    const s = await read(w.store, "s1");
    return s?.status?.phase === "Running" && s;
  });
  const pod = parsePod(await w.store.get(PODS, NS, "s1"));
  assert.deepEqual(pod.metadata.ownerReferences?.[0]?.uid, created.metadata.uid);
  assert.deepEqual(pod.metadata.ownerReferences?.[0]?.controller, true);
  assert.deepEqual(pod.metadata.labels?.[LABEL_CREATED_BY], CREATED_BY_SANDBOX);
  assert.deepEqual(pod.metadata.labels?.[LABEL_SANDBOX_NAME], "s1");
  assert.deepEqual(pod.metadata.labels?.[LABEL_POD_TEMPLATE_HASH], podTemplateHash(created));
  assert.deepEqual((pod.spec!.containers as { image: string }[])[0]?.image, "runtime:1");
  assert.equal(pod.spec!.automountServiceAccountToken, false, "no API credentials in a sandbox");
  assert.deepEqual((pod.spec!.containers[0] as { readinessProbe?: unknown }).readinessProbe, {
    httpGet: { path: "/health", port: 49983 },
    periodSeconds: 1,
    failureThreshold: 3,
  });
  // Token from birth: a Secret of the Sandbox's own, read by the pod's env, holds the derived token.
  const env = (pod.spec!.containers[0] as { env?: unknown[] }).env;
  assert.deepEqual(env?.at(-1), {
    name: ACCESS_TOKEN_ENV,
    valueFrom: { secretKeyRef: { name: tokenSecretName("s1"), key: TOKEN_SECRET_KEY } },
  });
  const secret = await w.store.get(SECRETS, NS, tokenSecretName("s1"));
  const stored = atob((secret.data as Record<string, string>)[TOKEN_SECRET_KEY]!);
  assert.equal(stored, await sandboxToken(await testTokenKey(), "envd", created.metadata));
  assert.equal(secret.metadata.ownerReferences?.[0]?.uid, created.metadata.uid);
  const status = running.status!;
  assert.deepEqual(status.sandboxIp, pod.status?.podIP);
  assert.deepEqual(status.podInfo?.podUID, pod.metadata.uid);
  assert.deepEqual(status.podInfo?.podIP, pod.status?.podIP);
  assert.deepEqual(status.updateRevision, podTemplateHash(created));
  const ready = status.conditions?.find((c) => c.type === SandboxConditionType.Ready);
  assert.deepEqual([ready?.status, ready?.reason], ["True", "PodReady"]);
});

Deno.test("Sandbox reconciler marks a Running Sandbox whose Pod disappears as Failed", async () => {
  await using w = await controllerWorld();
  await w.store.create(SANDBOXES, { ...standaloneSandbox("s1") });
  await eventually("Running", async () => (await read(w.store, "s1"))?.status?.phase === "Running");
  await w.store.delete(PODS, NS, "s1");
  const failed = await eventually("Failed", async () => {
    const s = await read(w.store, "s1");
    return s?.status?.phase === "Failed" && s;
  });
  assert.deepEqual(failed.status?.message, "Pod Not Found");
  // Not silently recreated: a new Pod would be a different sandbox.
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual((await w.store.list(PODS, { namespace: NS })).items.length, 0);
});

Deno.test("Sandbox reconciler deletes the Pod of a deleted Sandbox with a grace period of at most 5 s", async () => {
  await using w = await controllerWorld();
  // Pods bound to a node, so that their deletion is graceful (an unbound Pod goes at once).
  const onNode = (name: string, spec: Record<string, unknown> = {}) =>
    standaloneSandbox(name, {
      template: {
        spec: {
          nodeName: "node-a",
          containers: [{ name: "sandbox", image: "runtime:1" }],
          ...spec,
        },
      },
    });
  await w.store.create(SANDBOXES, { ...onNode("long") }); // the garbage collector's default: 30 s
  await w.store.create(SANDBOXES, { ...onNode("short", { terminationGracePeriodSeconds: 2 }) });
  for (const name of ["long", "short"]) {
    await eventually(
      `${name} Running`,
      async () => (await read(w.store, name))?.status?.phase === "Running",
    );
    await w.store.delete(SANDBOXES, NS, name);
  }
  const grace = async (name: string) =>
    parsePod(await w.store.get(PODS, NS, name)).metadata.deletionGracePeriodSeconds;
  await eventually("the pod's grace period cut to 5 s", async () => await grace("long") === 5);
  assert.equal(await grace("short"), 2, "a shorter grace period is never lengthened");
});

Deno.test("Sandbox reconciler keeps the Pod of a Sandbox its cache has not seen yet (a new leader's first passes)", async () => {
  await using w = await controllerWorld({ client: (store) => new LaggingClient(store) });
  const { store, client: lagging } = w;
  const sandbox = parseSandbox(await store.create(SANDBOXES, { ...standaloneSandbox("s1") }));
  // The Pod the previous leader made; the Sandbox's event has not reached this cache yet.
  const pod = await store.create(PODS, { ...desiredPod(sandbox) });
  await eventually("the reconciler to look the Sandbox up", () => lagging.sandboxGets > 0);
  lagging.catchUp();
  await eventually("Running", async () => (await read(store, "s1"))?.status?.phase === "Running");
  const kept = await store.get(PODS, NS, "s1");
  assert.equal(kept.metadata.uid, pod.metadata.uid, "the live sandbox kept its pod");
  assert.equal(kept.metadata.deletionTimestamp, undefined);
});

Deno.test("Sandbox reconciler freezes on pause (Paused) and thaws on resume (Resuming, then Running)", async () => {
  await using w = await controllerWorld();
  await w.store.create(SANDBOXES, { ...standaloneSandbox("s1") });
  await eventually("Running", async () => (await read(w.store, "s1"))?.status?.phase === "Running");
  await w.store.patch(SANDBOXES, NS, "s1", { spec: { paused: true } });
  const paused = await eventually("Paused", async () => {
    const s = await read(w.store, "s1");
    return s?.status?.phase === "Paused" && s;
  });
  const pausedCond = paused.status?.conditions?.find((c) =>
    c.type === SandboxConditionType.SandboxPaused
  );
  assert.deepEqual(pausedCond?.status, "True");
  let pod = parsePod(await w.store.get(PODS, NS, "s1"));
  assert.deepEqual(pod.metadata.annotations?.[ANNOTATION_POD_FREEZE], "true");

  w.kubelet.holdThaw = true;
  await w.store.patch(SANDBOXES, NS, "s1", { spec: { paused: false } });
  await eventually(
    "Resuming",
    async () => (await read(w.store, "s1"))?.status?.phase === "Resuming",
  );
  pod = parsePod(await w.store.get(PODS, NS, "s1"));
  assert.deepEqual(
    pod.metadata.annotations?.[ANNOTATION_POD_FREEZE],
    undefined,
    "annotation removed",
  );
  w.kubelet.holdThaw = false;
  w.kubelet.resync();
  const resumed = await eventually("Running again", async () => {
    const s = await read(w.store, "s1");
    return s?.status?.phase === "Running" && s;
  });
  const types = resumed.status?.conditions?.map((c) => `${c.type}=${c.status}`);
  assert.ok(!types?.some((t) => t.startsWith("SandboxPaused")), `SandboxPaused dropped: ${types}`);
  assert.ok(types?.includes("SandboxResumed=True"), `SandboxResumed: ${types}`);
});

Deno.test("Sandbox reconciler pauses with Stop (the Pod deleted, the token kept) and recreates the Pod at resume", async () => {
  await using w = await controllerWorld();
  await w.store.create(SANDBOXES, { ...standaloneSandbox("s1") });
  await eventually("Running", async () => (await read(w.store, "s1"))?.status?.phase === "Running");
  const first = parsePod(await w.store.get(PODS, NS, "s1"));
  const secret = await w.store.get(SECRETS, NS, tokenSecretName("s1"));
  await w.store.patch(SANDBOXES, NS, "s1", {
    spec: { paused: true, pauseStrategy: { type: "Stop" } },
  });
  const paused = await eventually("Stop-paused", async () => {
    const s = await read(w.store, "s1");
    const cond = s?.status?.conditions?.find((c) => c.type === "SandboxPaused");
    return cond?.status === "True" && s;
  });
  assert.equal(paused.status?.phase, "Paused");
  assert.equal(
    paused.status?.conditions?.find((c) => c.type === "SandboxPaused")?.reason,
    "StopPauseSucceed",
  );
  assert.equal(paused.status?.sandboxIp, undefined, "no address while stopped");
  await assert.rejects(w.store.get(PODS, NS, "s1"), isNotFound, "the pod is deleted");
  // The Secret (the token) survives: it belongs to the Sandbox.
  const kept = await w.store.get(SECRETS, NS, tokenSecretName("s1"));
  assert.equal(kept.metadata.uid, secret.metadata.uid);

  await w.store.patch(SANDBOXES, NS, "s1", { spec: { paused: false } });
  const resumed = await eventually("Running again", async () => {
    const s = await read(w.store, "s1");
    return s?.status?.phase === "Running" && s.status.sandboxIp !== undefined && s;
  });
  const types = resumed.status?.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`);
  assert.ok(!types?.some((t) => t.startsWith("SandboxPaused")), `SandboxPaused dropped: ${types}`);
  assert.ok(types?.includes("SandboxResumed=True/ResumePod"), `SandboxResumed: ${types}`);
  const second = parsePod(await w.store.get(PODS, NS, "s1"));
  assert.notEqual(second.metadata.uid, first.metadata.uid, "a new pod of the same name");
  assert.equal(second.metadata.annotations?.[ANNOTATION_POD_FREEZE], undefined);
});

Deno.test("Sandbox reconciler pauses at pauseTime with Stop when the lifecycle drops the memory", async () => {
  const clock = new ManualClock();
  await using w = await controllerWorld({ clock });
  const sandbox = standaloneSandbox("s1", { pauseTime: rfc3339Seconds(clock.now() + 60_000) });
  sandbox.metadata.annotations = {
    [ANNOTATION_E2B_LIFECYCLE]: JSON.stringify({ onTimeout: "pause", keepMemory: false }),
  };
  await w.store.create(SANDBOXES, { ...sandbox });
  await eventually(
    "Running",
    async () => (await read(w.store, "s1"))?.status?.phase === "Running",
    {
      clock,
      stepMs: 5,
    },
  );
  clock.advance(60_000);
  const paused = await eventually("Stop-paused", async () => {
    const s = await read(w.store, "s1");
    const cond = s?.status?.conditions?.find((c) => c.type === "SandboxPaused");
    return cond?.reason === "StopPauseSucceed" && s;
  }, { clock, stepMs: 5 });
  assert.equal(paused.metadata.annotations?.[ANNOTATION_PAUSE_MEMORY], "false");
  await assert.rejects(w.store.get(PODS, NS, "s1"), isNotFound, "the pod is deleted");
});

Deno.test("Sandbox reconciler pauses at pauseTime and deletes at shutdownTime, waking itself up", async () => {
  const clock = new ManualClock();
  await using w = await controllerWorld({ clock });
  const pauseTime = rfc3339Seconds(clock.now() + 60_000);
  const shutdownTime = rfc3339Seconds(clock.now() + 120_000);
  const sandbox = standaloneSandbox("s1", { pauseTime, shutdownTime });
  const lifecycle = JSON.stringify({ onTimeout: "pause", autoResume: false });
  sandbox.metadata.annotations = { [ANNOTATION_E2B_LIFECYCLE]: lifecycle };
  await w.store.create(SANDBOXES, { ...sandbox });
  await eventually(
    "Running",
    async () => (await read(w.store, "s1"))?.status?.phase === "Running",
    {
      clock,
      stepMs: 5,
    },
  );
  assert.ok(clock.now() < Date.parse(pauseTime), "the test must not have pumped past the deadline");
  assert.deepEqual((await read(w.store, "s1"))?.spec.paused, undefined);
  clock.advance(60_000);
  const paused = await eventually("Paused", async () => {
    const s = await read(w.store, "s1");
    return s?.status?.phase === "Paused" && s;
  }, { clock, stepMs: 5 });
  assert.deepEqual(paused.spec.paused, true);
  // The pause keeps what the manager stored (a resume reads the lifecycle back).
  assert.deepEqual(paused.metadata.annotations, { [ANNOTATION_E2B_LIFECYCLE]: lifecycle });
  assert.ok(clock.now() < Date.parse(shutdownTime));
  clock.advance(60_000);
  await eventually("deleted", async () => (await read(w.store, "s1")) === undefined, {
    clock,
    stepMs: 5,
  });
  await eventually(
    "its Pod collected",
    async () => (await w.store.list(PODS, { namespace: NS })).items.length === 0,
  );
});

Deno.test("Sandbox reconciler deletes a Sandbox whose shutdownTime already passed (e.g. across a restart)", async () => {
  await using w = await controllerWorld();
  await w.store.create(SANDBOXES, {
    ...standaloneSandbox("late", { shutdownTime: rfc3339Seconds(Date.now() - 1000) }),
  });
  await eventually("deleted", async () => (await read(w.store, "late")) === undefined);
});

Deno.test("Sandbox reconciler reports a Pod it cannot create and keeps the Sandbox Pending", async () => {
  await using w = await controllerWorld();
  const bad = standaloneSandbox("bad");
  delete bad.spec.template;
  bad.spec.templateRef = { name: "some-template" };
  await w.store.create(SANDBOXES, { ...bad });
  // templateRef resolution is not implemented: the status says so instead of retrying forever.
  const reported = await eventually("PodCreateFailed", async () => {
    const s = await read(w.store, "bad");
    const ready = s?.status?.conditions?.find((c) => c.type === SandboxConditionType.Ready);
    return ready?.reason === "PodCreateFailed" && s;
  });
  assert.deepEqual(reported.status?.phase, "Pending");
  assert.match(reported.status?.message ?? "", /templateRef/);
  assert.deepEqual((await w.store.list(PODS, { namespace: NS })).items.length, 0);
});
