import assert from "node:assert/strict";
import {
  ApiKeyStore,
  generateApiKey,
  hashApiKey,
  isApiKeyFormat,
  parseKeysFile,
  parseTeamLimits,
} from "./api_keys.ts";

Deno.test("generateApiKey() makes E2B-shaped keys whose record holds only the hash", async () => {
  const { key, record } = await generateApiKey({ team: "team-a", name: "ci" });
  assert.ok(isApiKeyFormat(key), key);
  assert.equal(record.hash, await hashApiKey(key));
  assert.ok(!JSON.stringify(record).includes(key.slice(4)));
  const store = new ApiKeyStore([record]);
  assert.deepEqual(await store.authenticate(key), {
    keyId: record.id,
    team: "team-a",
    admin: false,
  });
});

Deno.test("ApiKeyStore.authenticate() refuses absent, unknown and altered keys", async () => {
  const { key, record } = await generateApiKey({ team: "admin" });
  const store = new ApiKeyStore([record]);
  assert.equal((await store.authenticate(key))?.admin, true);
  for (const bad of [undefined, null, "", `${key}0`, key.toUpperCase(), `e2b_${"0".repeat(40)}`]) {
    assert.equal(await store.authenticate(bad), undefined, String(bad));
  }
});

Deno.test("parseKeysFile() reads JSON and YAML and names the first bad entry", () => {
  const hash = "a".repeat(64);
  const json = JSON.stringify({ keys: [{ id: "k1", name: "n", team: "t", hash }] });
  const yaml = `keys:\n  - id: k1\n    team: t\n    hash: "${hash.toUpperCase()}"\n`;
  assert.deepEqual(parseKeysFile(json), [{ id: "k1", name: "n", team: "t", hash }]);
  assert.deepEqual(parseKeysFile(yaml), [{ id: "k1", name: "k1", team: "t", hash }]);
  const cases: [string, RegExp][] = [
    ["keys: 3", /"keys" list/],
    ["keys: [{id: a, team: t, hash: xyz}]", /keys\[0\]\.hash/],
    ["keys: [{id: a, hash: " + hash + "}]", /keys\[0\]\.team/],
    [
      `keys: [{id: a, team: t, hash: ${hash}}, {id: b, team: t, hash: ${hash}}]`,
      /keys\[1\] repeats/,
    ],
  ];
  for (const [text, message] of cases) assert.throws(() => parseKeysFile(text), message);
});

Deno.test("parseTeamLimits() reads the keys file's teams and ApiKeyStore hands them to callers", async () => {
  const { key, record } = await generateApiKey({ team: "t1", name: "k" });
  const text = JSON.stringify({ keys: [record], teams: { t1: { maxSandboxes: 3 }, t2: {} } });
  assert.deepEqual(parseTeamLimits(text), { t1: { maxSandboxes: 3 }, t2: {} });
  assert.equal((await ApiKeyStore.fromText(text).authenticate(key))?.maxSandboxes, 3);
  assert.deepEqual(parseTeamLimits(JSON.stringify({ keys: [] })), {});
  for (const teams of [[], { t: { maxSandboxes: -1 } }, { t: { maxSandboxes: "2" } }]) {
    assert.throws(() => parseTeamLimits(JSON.stringify({ keys: [], teams })), TypeError);
  }
});
