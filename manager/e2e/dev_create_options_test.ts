/**
 * The reference's create-time option keys (issue 13) through the published JS SDK against
 * `deno task dev`: `never-timeout` (no deadline, a far `endAt`, `setTimeout` still sets one),
 * `return-sandbox-ip` (the pod's real address in the metadata) and `claim-timeout-seconds` (a
 * create without stock fails after that long with E2B's error). Two small pools: `base` with one
 * warm sandbox and `empty` with none.
 */
import assert from "node:assert/strict";
import { Sandbox, ServiceBusyError } from "e2b";
import { type DevUnderTest, poolManifest, startDevWithPools } from "./dev_harness.ts";

const K = "e2b.agents.kruise.io/";
const YEAR_MS = 365 * 24 * 3600 * 1000;

/**
 * A never-timeout sandbox that returns its IP: a far `endAt` in `getInfo` and `list`, the pod's
 * address in its metadata, `connect` leaving it without deadline and `setTimeout` giving one.
 */
async function neverTimeoutWithIp(sdkOptions: DevUnderTest["sdkOptions"]): Promise<void> {
  const sbx = await Sandbox.create("base", {
    ...sdkOptions,
    timeoutMs: 60_000,
    metadata: { [`${K}never-timeout`]: "true", [`${K}return-sandbox-ip`]: "true", mine: "x" },
  });
  try {
    const info = await sbx.getInfo();
    const lives = info.endAt.getTime() - info.startedAt.getTime();
    assert.ok(lives >= 99 * YEAR_MS && lives <= 101 * YEAR_MS, info.endAt.toISOString());
    // Only the user's key and the IP: the option keys are not user metadata.
    assert.deepEqual(Object.keys(info.metadata).sort(), [`${K}sandbox-ip`, "mine"]);
    const ip = info.metadata[`${K}sandbox-ip`]!;
    assert.match(ip, /^10\.216\.0\.\d+$/);
    // It is the sandbox's own address: the kernel inside has it as a local address.
    const trie = await sbx.commands.run("cat /proc/net/fib_trie");
    assert.ok(trie.stdout.includes(ip), `${ip} not local in the sandbox`);

    const [listed] = await Sandbox.list({
      ...sdkOptions,
      query: { metadata: { mine: "x" } },
    }).nextItems();
    assert.equal(listed?.sandboxId, sbx.sandboxId);
    assert.equal(listed?.endAt.getTime(), info.endAt.getTime());
    assert.equal(listed?.metadata[`${K}sandbox-ip`], ip);

    // connect never shortens (the sandbox keeps having no deadline); setTimeout sets one.
    await Sandbox.connect(sbx.sandboxId, { ...sdkOptions, timeoutMs: 30_000 });
    assert.equal((await sbx.getInfo()).endAt.getTime(), info.endAt.getTime());
    await sbx.setTimeout(60_000);
    const end = (await sbx.getInfo()).endAt.getTime();
    assert.ok(
      end > Date.now() + 50_000 && end <= Date.now() + 61_000,
      new Date(end).toString(),
    );
  } finally {
    await sbx.kill();
  }
}

Deno.test("create-time keys through the JS SDK: never-timeout, return-sandbox-ip, claim timeout, CSI 400s", async (t) => {
  // `base` with one warm sandbox, `empty` with none.
  await using dev = await startDevWithPools([poolManifest("base", 1), poolManifest("empty", 0)]);
  try {
    await t.step("never-timeout and return-sandbox-ip", () => neverTimeoutWithIp(dev.sdkOptions));

    await t.step("claim-timeout-seconds: no stock within 2 s is E2B's 503", async () => {
      const started = Date.now();
      await assert.rejects(
        Sandbox.create("empty", {
          ...dev.sdkOptions,
          metadata: { [`${K}create-on-no-stock`]: "false", [`${K}claim-timeout-seconds`]: "2" },
        }),
        (error: unknown) => {
          assert.ok(error instanceof ServiceBusyError, String(error));
          assert.match(error.message, /within 2 s/);
          assert.ok(error.message.includes(`${K}claim-timeout-seconds`), error.message);
          return true;
        },
      );
      assert.ok(Date.now() - started >= 2000, "the create waited for stock");
      assert.deepEqual(
        (await Sandbox.list(dev.sdkOptions).nextItems()).map((s) => s.templateId),
        [],
      );
    });

    await t.step("a bad value is a 400 naming the key", async () => {
      await assert.rejects(
        Sandbox.create("base", { ...dev.sdkOptions, metadata: { [`${K}never-timeout`]: "yes" } }),
        (error: unknown) => {
          assert.match(String(error), /400/);
          assert.ok(String(error).includes(`${K}never-timeout`), String(error));
          return true;
        },
      );
    });

    await t.step(
      "the seed's dynamic mount of a missing volume, or one key alone: a 400, nothing left",
      async () => {
        const cases: [Record<string, string>, RegExp][] = [
          // The seed's snippet, on a cluster without that PersistentVolume.
          [
            { [`${K}csi-volume-name`]: "oss-pv-test", [`${K}csi-mount-point`]: "/data" },
            /Volume "oss-pv-test" not found/,
          ],
          [{ [`${K}csi-volume-name`]: "oss-pv-test" }, /go together/],
          [{ [`${K}csi-mount-point`]: "/data" }, /go together/],
        ];
        for (const [metadata, message] of cases) {
          await assert.rejects(Sandbox.create("base", { ...dev.sdkOptions, metadata }), (error) => {
            assert.match(String(error), /400/);
            assert.match(String(error), message);
            return true;
          });
        }
        assert.deepEqual(await Sandbox.list(dev.sdkOptions).nextItems(), [], "nothing claimed");
      },
    );
  } finally {
    await dev.stop();
  }
});
