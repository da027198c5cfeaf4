import assert from "node:assert/strict";
import { loadRecords, type SandboxRecord, saveRecord } from "./sandbox_record.ts";
import { LocalNodeError } from "./errors.ts";

Deno.test("records round-trip; a directory without one is an orphan; garbage is CorruptState", async () => {
  const podsDir = await Deno.makeTempDir();
  try {
    const record: SandboxRecord = {
      namespace: "ns",
      name: "p",
      uid: "u1",
      dir: `${podsDir}/u1`,
      ip: "127.77.0.1",
      interpreter: true,
      startTime: "2024-01-01T00:00:00Z",
      frozen: false,
      processes: {
        supervisor: { pid: 10, startTicks: 1 },
        init: { pid: 11, startTicks: 2 },
        pidNamespace: "pid:[1]",
      },
    };
    await saveRecord(record);
    await Deno.mkdir(`${podsDir}/half`);
    const loaded = await loadRecords(podsDir);
    assert.deepEqual(loaded.records, [record]);
    assert.deepEqual(loaded.orphans, [`${podsDir}/half`]);
    await Deno.writeTextFile(`${podsDir}/half/sandbox.json`, "{}");
    await assert.rejects(
      loadRecords(podsDir),
      (e) => e instanceof LocalNodeError && e.code === "CorruptState",
    );
  } finally {
    await Deno.remove(podsDir, { recursive: true });
  }
});

Deno.test("loadRecords of a missing directory is empty", async () => {
  assert.deepEqual(await loadRecords("/nonexistent/local-node"), { records: [], orphans: [] });
});
