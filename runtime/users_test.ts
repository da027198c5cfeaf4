import assert from "node:assert/strict";
import { parseGroups, parsePasswd, UserDirectory } from "./users.ts";

const passwd = [
  "root:x:0:0:root:/root:/bin/bash",
  "# comment",
  "broken line",
  "user:x:1000:1000::/home/user:/bin/bash",
  "bad:x:abc:1::/x:/bin/sh",
].join("\n");
const group = "root:x:0:\nuser:x:1000:\nsudo:x:27:user\n";

Deno.test("parsePasswd() keeps well-formed accounts and skips the rest", () => {
  assert.deepEqual(parsePasswd(passwd).map((u) => [u.name, u.uid, u.gid, u.home]), [
    ["root", 0, 0, "/root"],
    ["user", 1000, 1000, "/home/user"],
  ]);
  assert.equal(parseGroups(group).get(27), "sudo");
});

Deno.test("UserDirectory re-reads the databases for an unknown name or id", () => {
  let text = { passwd: "root:x:0:0:root:/root:/bin/bash\n", group: "root:x:0:\n" };
  const dir = new UserDirectory(() => text);
  assert.equal(dir.byName("user"), undefined);
  assert.equal(dir.userName(1000), "1000");
  text = { passwd, group };
  assert.equal(dir.byName("user")?.home, "/home/user");
  assert.equal(dir.userName(1000), "user");
  assert.equal(dir.groupName(1000), "user");
  assert.equal(dir.groupName(4242), "4242");
});
