import assert from "node:assert/strict";
import { findAccount } from "./accounts.ts";

Deno.test("findAccount reads uid and gid of the named account only", () => {
  const passwd = "root:x:0:0:root:/root:/bin/bash\nuser:x:1001:1002::/home/user:/bin/bash\n" +
    "broken:x:abc:1::/:/bin/sh\n";
  assert.deepEqual(findAccount(passwd, "user"), { name: "user", uid: 1001, gid: 1002 });
  assert.equal(findAccount(passwd, "broken"), undefined);
  assert.equal(findAccount(passwd, "nobody"), undefined);
});
