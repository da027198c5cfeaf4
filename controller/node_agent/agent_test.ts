import assert from "node:assert/strict";
import {
  ANNOTATION_PAUSE_MEMORY,
  ANNOTATION_POD_FREEZE,
  CONDITION_POD_FROZEN,
  CREATED_BY_SANDBOX,
  LABEL_CREATED_BY,
  type OwnerReference,
  parsePod,
  parseSandbox,
  type Pod,
  type Sandbox,
} from "@kruise-agents/shared/api";
import { EmbeddedStore, PODS, SANDBOXES } from "@kruise-agents/shared/kube";
import { delay } from "@kruise-agents/shared/std";
import { freezeDesired, frozenCondition, startNodeAgent } from "./agent.ts";
import type { FreezerState, PodFreezer } from "./freezer.ts";

/** A freezer over a map: the pods that have a cgroup, and which of them are frozen. */
class FakeFreezer implements PodFreezer {
  readonly frozen = new Map<string, boolean>();
  calls: string[] = [];
  state(uid: string): Promise<FreezerState> {
    const f = this.frozen.get(uid);
    return Promise.resolve(f === undefined ? "missing" : f ? "frozen" : "thawed");
  }
  freeze(uid: string): Promise<void> {
    this.calls.push(`freeze ${uid}`);
    this.frozen.set(uid, true);
    return Promise.resolve();
  }
  thaw(uid: string): Promise<void> {
    this.calls.push(`thaw ${uid}`);
    this.frozen.set(uid, false);
    return Promise.resolve();
  }
}

async function runningPod(
  kube: EmbeddedStore,
  name: string,
  node: string,
  owner?: OwnerReference,
): Promise<Pod> {
  const created = await kube.create(PODS, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "ns",
      labels: { [LABEL_CREATED_BY]: CREATED_BY_SANDBOX },
      ...(owner ? { ownerReferences: [owner] } : {}),
    },
    spec: { nodeName: node, containers: [{ name: "sandbox", image: "x" }] },
  });
  return parsePod(
    await kube.updateStatus(PODS, {
      ...created,
      status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
    }),
  );
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await delay(10);
  }
  assert.fail(`timed out waiting for ${what}`);
}

function frozenStatus(pod: Pod): [string | undefined, string | undefined] {
  const c = pod.status?.conditions?.find((c) => c.type === CONDITION_POD_FROZEN);
  return [c?.status, c?.reason];
}

Deno.test("the agent freezes and thaws its own node's pods as annotated, and reports it", async () => {
  await using kube = await EmbeddedStore.open();
  const freezer = new FakeFreezer();
  const mine = await runningPod(kube, "mine", "n1");
  const other = await runningPod(kube, "other", "n2");
  freezer.frozen.set(mine.metadata.uid!, false);
  freezer.frozen.set(other.metadata.uid!, false);
  await using agent = startNodeAgent({ kube, nodeName: "n1", freezer });
  await agent.synced();
  const get = async (name: string) => parsePod(await kube.get(PODS, "ns", name));
  // First, each pod of the node says it can be frozen.
  await until(async () => frozenStatus(await get("mine"))[0] === "False", "the first report");
  assert.deepEqual(frozenStatus(await get("mine")), ["False", "Running"]);

  for (const name of ["mine", "other"]) {
    await kube.patch(PODS, "ns", name, {
      metadata: { annotations: { [ANNOTATION_POD_FREEZE]: "true" } },
    });
  }
  await until(async () => frozenStatus(await get("mine"))[0] === "True", "the freeze");
  assert.deepEqual(frozenStatus(await get("mine")), ["True", "Frozen"]);
  assert.equal(freezer.frozen.get(mine.metadata.uid!), true);
  // Another node's pod is not this agent's business.
  assert.equal(freezer.frozen.get(other.metadata.uid!), false);
  assert.deepEqual(frozenStatus(await get("other")), [undefined, undefined]);
  // The kubelet's conditions are kept.
  assert.ok((await get("mine")).status?.conditions?.some((c) => c.type === "Ready"));

  await kube.patch(PODS, "ns", "mine", {
    metadata: { annotations: { [ANNOTATION_POD_FREEZE]: null } },
  });
  await until(async () => frozenStatus(await get("mine"))[0] === "False", "the thaw");
  assert.deepEqual(frozenStatus(await get("mine")), ["False", "Thawed"]);
  assert.equal(freezer.frozen.get(mine.metadata.uid!), false);
  assert.deepEqual(freezer.calls, [`freeze ${mine.metadata.uid}`, `thaw ${mine.metadata.uid}`]);
});

Deno.test("a pod frozen behind the agent's back (a restart of the agent) is thawed when not wanted", async () => {
  await using kube = await EmbeddedStore.open();
  const freezer = new FakeFreezer();
  const pod = await runningPod(kube, "p", "n1");
  freezer.frozen.set(pod.metadata.uid!, true);
  await using agent = startNodeAgent({ kube, nodeName: "n1", freezer });
  await agent.synced();
  await until(() => Promise.resolve(freezer.frozen.get(pod.metadata.uid!) === false), "the thaw");
});

Deno.test("frozenCondition keeps the transition time while the status stays", () => {
  const at = Date.parse("2026-11-27T10:00:00Z");
  const first = frozenCondition(undefined, true, at);
  assert.deepEqual(first, {
    type: CONDITION_POD_FROZEN,
    status: "True",
    reason: "Frozen",
    message: "every process of the pod is frozen (cgroup freezer)",
    lastTransitionTime: "2026-11-27T10:00:00Z",
  });
  assert.equal(frozenCondition(undefined, false, at).reason, "Running");
  assert.equal(frozenCondition(first, false, at).reason, "Thawed");
  assert.equal(frozenCondition(first, true, at + 5000).lastTransitionTime, "2026-11-27T10:00:00Z");
  assert.equal(frozenCondition(first, false, at + 5000).lastTransitionTime, "2026-11-27T10:00:05Z");
});

Deno.test("a pod is frozen and thawed as its Sandbox asks, a link before the annotation", async () => {
  await using kube = await EmbeddedStore.open();
  const freezer = new FakeFreezer();
  const sandbox = parseSandbox(
    await kube.create(SANDBOXES, {
      apiVersion: "agents.kruise.io/v1alpha1",
      kind: "Sandbox",
      metadata: { name: "s", namespace: "ns" },
      spec: { template: { spec: { containers: [{ name: "sandbox", image: "x" }] } } },
    }),
  );
  const pod = await runningPod(kube, "s", "n1", {
    apiVersion: "agents.kruise.io/v1alpha1",
    kind: "Sandbox",
    name: "s",
    uid: sandbox.metadata.uid!,
    controller: true,
  });
  const uid = pod.metadata.uid!;
  freezer.frozen.set(uid, false);
  await using agent = startNodeAgent({ kube, nodeName: "n1", freezer });
  await agent.synced();
  const get = async () => parsePod(await kube.get(PODS, "ns", "s"));
  await until(async () => frozenStatus(await get())[0] === "False", "the first report");
  const setPaused = (paused: boolean, annotations: Record<string, string | null> = {}) =>
    kube.patch(SANDBOXES, "ns", "s", { metadata: { annotations }, spec: { paused } });

  // Paused, no annotation on the pod yet: frozen (the default strategy on a node that freezes).
  await setPaused(true);
  await until(() => Promise.resolve(freezer.frozen.get(uid) === true), "the freeze");
  await until(async () => frozenStatus(await get())[0] === "True", "the Frozen report");
  // Resumed while the controller's annotation still says freeze: the Sandbox wins.
  await kube.patch(PODS, "ns", "s", {
    metadata: { annotations: { [ANNOTATION_POD_FREEZE]: "true" } },
  });
  await setPaused(false);
  await until(() => Promise.resolve(freezer.frozen.get(uid) === false), "the thaw");
  // A pause without memory is the Stop strategy: the controller deletes the pod, nobody freezes.
  await kube.patch(PODS, "ns", "s", {
    metadata: { annotations: { [ANNOTATION_POD_FREEZE]: null } },
  });
  await setPaused(true, { [ANNOTATION_PAUSE_MEMORY]: "false" });
  await delay(200);
  assert.equal(freezer.frozen.get(uid), false);
  assert.deepEqual(freezer.calls, [`freeze ${uid}`, `thaw ${uid}`]);
});

Deno.test("freezeDesired() follows the owning Sandbox, else the annotation", () => {
  const pod = (annotated: boolean, ownerUid?: string) =>
    parsePod({
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: "s",
        annotations: annotated ? { [ANNOTATION_POD_FREEZE]: "true" } : {},
        ownerReferences: ownerUid
          ? [{
            apiVersion: "agents.kruise.io/v1alpha1",
            kind: "Sandbox",
            name: "s",
            uid: ownerUid,
            controller: true,
          }]
          : [],
      },
      status: { conditions: [{ type: CONDITION_POD_FROZEN, status: "False" }] },
    });
  const sandbox = (paused: boolean, uid = "u1") =>
    parseSandbox({
      apiVersion: "agents.kruise.io/v1alpha1",
      kind: "Sandbox",
      metadata: { name: "s", uid },
      spec: { paused },
    });
  const cases: [string, Pod, Sandbox | undefined, boolean][] = [
    ["no Sandbox cached: the annotation", pod(true, "u1"), undefined, true],
    ["no Sandbox cached, no annotation", pod(false, "u1"), undefined, false],
    ["its Sandbox paused", pod(false, "u1"), sandbox(true), true],
    ["its Sandbox running, annotation stale", pod(true, "u1"), sandbox(false), false],
    [
      "another Sandbox of the name (recreated): the annotation",
      pod(false, "u0"),
      sandbox(true),
      false,
    ],
  ];
  for (const [name, p, s, want] of cases) assert.equal(freezeDesired(p, s), want, name);
});
