import assert from "node:assert/strict";
import {
  ANNOTATION_INPLACE_UPDATE_STATE,
  parsePod,
  parseSandbox,
  type Pod,
  SandboxConditionType,
} from "@kruise-agents/shared/api";
import { PODS, SANDBOXES } from "@kruise-agents/shared/kube";
import { controllerWorld, eventually, standaloneSandbox } from "../_test_kit.ts";
import { inplaceOutcome, inplacePatch, sameImage } from "./inplace_update.ts";

const NS = "team-a";

function pod(
  image: string,
  status: Record<string, unknown> | undefined,
  state?: Record<string, unknown>,
): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "p",
      namespace: NS,
      annotations: state ? { [ANNOTATION_INPLACE_UPDATE_STATE]: JSON.stringify(state) } : {},
    },
    spec: { containers: [{ name: "main", image }] },
    status: status ? { containerStatuses: [{ name: "main", ...status }] } : {},
  };
}

const STATE = { container: "main", image: "new:1", restartCount: 2, updateTimestamp: "t" };

Deno.test("inplaceOutcome reads where an image change stands from the Pod alone", () => {
  const cases: [string, Pod, string][] = [
    ["never updated", pod("old:1", { image: "old:1", ready: true, restartCount: 0 }), "none"],
    [
      "patched, the old container still runs",
      pod("new:1", {
        image: "old:1",
        ready: true,
        restartCount: 2,
      }, STATE),
      "updating",
    ],
    [
      "restarted on the new image, not ready yet",
      pod("new:1", {
        image: "docker.io/library/new:1",
        ready: false,
        restartCount: 3,
      }, STATE),
      "updating",
    ],
    [
      "restarted on the new image and ready",
      pod("new:1", {
        image: "docker.io/library/new:1",
        ready: true,
        restartCount: 3,
      }, STATE),
      "succeeded",
    ],
    [
      "the node cannot pull it",
      pod("new:1", {
        image: "new:1",
        ready: false,
        restartCount: 2,
        state: { waiting: { reason: "ErrImagePull", message: "not found" } },
      }, STATE),
      "failed",
    ],
    ["a newer change superseded the record", pod("newer:1", { image: "new:1" }, STATE), "none"],
  ];
  for (const [name, p, want] of cases) assert.equal(inplaceOutcome(p).state, want, name);
  const failed = inplaceOutcome(cases[4]![1]);
  assert.deepEqual(failed, { state: "failed", message: "ErrImagePull: not found" });
  assert.ok(
    sameImage("docker.io/kruise-agents/sandbox-base:0.1.0", "kruise-agents/sandbox-base:0.1.0"),
  );
  assert.ok(!sameImage("docker.io/other/x:1", "x:1"));
});

Deno.test("inplacePatch changes one image, records the container as it was, and is optimistic", () => {
  const p = pod("old:1", { image: "old:1", restartCount: 4, containerID: "containerd://abc" });
  p.metadata.resourceVersion = "42";
  p.spec!.containers.push({ name: "sidecar", image: "side:1" });
  const patch = inplacePatch(
    p,
    { name: "main", image: "new:1" },
    Date.parse("2030-01-01T00:00:00Z"),
  );
  assert.deepEqual(patch, {
    metadata: {
      resourceVersion: "42",
      annotations: {
        [ANNOTATION_INPLACE_UPDATE_STATE]: JSON.stringify({
          container: "main",
          image: "new:1",
          restartCount: 4,
          updateTimestamp: "2030-01-01T00:00:00Z",
          containerID: "containerd://abc",
        }),
      },
    },
    spec: { containers: [{ name: "main", image: "new:1" }, { name: "sidecar", image: "side:1" }] },
  });
});

Deno.test("a Running Sandbox whose template names another image gets it in place, same Pod", async () => {
  await using w = await controllerWorld();
  await w.store.create(SANDBOXES, { ...standaloneSandbox("s1") });
  const running = await eventually("Running", async () => {
    const s = parseSandbox(await w.store.get(SANDBOXES, NS, "s1"));
    return s.status?.phase === "Running" && s;
  });
  const before = parsePod(await w.store.get(PODS, NS, "s1"));
  const template = structuredClone(running.spec.template!);
  template.spec.containers[0]!.image = "runtime:2";
  await w.store.patch(SANDBOXES, NS, "s1", { spec: { template } });
  const done = await eventually("InplaceUpdate True", async () => {
    const s = parseSandbox(await w.store.get(SANDBOXES, NS, "s1"));
    const c = s.status?.conditions?.find((x) => x.type === SandboxConditionType.InplaceUpdate);
    return c?.status === "True" && s;
  });
  const after = parsePod(await w.store.get(PODS, NS, "s1"));
  assert.equal(after.metadata.uid, before.metadata.uid, "the same Pod");
  assert.equal(after.spec!.containers[0]!.image, "runtime:2");
  assert.ok(done.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));

  // An image the node cannot run: InplaceUpdate False/Failed with the node's reason.
  w.kubelet.badImages.add("nope:1");
  template.spec.containers[0]!.image = "nope:1";
  await w.store.patch(SANDBOXES, NS, "s1", { spec: { template } });
  const failed = await eventually("InplaceUpdate Failed", async () => {
    const s = parseSandbox(await w.store.get(SANDBOXES, NS, "s1"));
    const c = s.status?.conditions?.find((x) => x.type === SandboxConditionType.InplaceUpdate);
    return c?.reason === "Failed" && c;
  });
  assert.match(failed.message ?? "", /ErrImagePull/);
  const ready = (await w.store.get(SANDBOXES, NS, "s1")).status as {
    conditions: { type: string; status: string }[];
  };
  assert.equal(ready.conditions.find((c) => c.type === "Ready")?.status, "False");
});
