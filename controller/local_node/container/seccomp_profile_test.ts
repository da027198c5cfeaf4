import assert from "node:assert/strict";
import { DENIED_SYSCALLS, sandboxSeccompProfile } from "./seccomp_profile.ts";

const MUST_DENY = [
  "init_module",
  "finit_module",
  "delete_module",
  "kexec_load",
  "kexec_file_load",
  "reboot",
  "swapon",
  "swapoff",
  "settimeofday",
  "clock_settime",
  "bpf",
  "perf_event_open",
  "userfaultfd",
  "keyctl",
  "add_key",
  "request_key",
  "open_by_handle_at",
  "mount",
  "umount2",
  "pivot_root",
  "setns",
  "quotactl",
  "acct",
  "lookup_dcookie",
  "fsopen",
  "move_mount",
  "open_tree",
];

Deno.test("sandboxSeccompProfile() allows by default and answers EPERM for every denied call", () => {
  const profile = sandboxSeccompProfile({ arch: "x86_64" });
  assert.equal(profile.defaultAction, "SCMP_ACT_ALLOW");
  assert.deepEqual(profile.architectures, ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
  const denied = new Set(profile.syscalls.flatMap((r) => r.names));
  for (const name of MUST_DENY) assert.ok(denied.has(name), `${name} is not denied`);
  for (const rule of profile.syscalls) {
    assert.equal(rule.action, "SCMP_ACT_ERRNO");
    assert.equal(rule.errnoRet, 1);
  }
  assert.equal(denied.size, Object.values(DENIED_SYSCALLS).flat().length);
});

Deno.test("sandboxSeccompProfile() allows new user namespaces unless asked to deny them", () => {
  const open = sandboxSeccompProfile({ arch: "x86_64" });
  const names = open.syscalls.flatMap((r) => r.names);
  for (const name of ["unshare", "clone", "clone3"]) assert.ok(!names.includes(name), name);
  const closed = sandboxSeccompProfile({ arch: "x86_64", denyNewUserNamespaces: true });
  const unshare = closed.syscalls.find((r) => r.names.includes("unshare"));
  assert.deepEqual(unshare?.args, [{
    index: 0,
    value: 0x10000000,
    valueTwo: 0x10000000,
    op: "SCMP_CMP_MASKED_EQ",
  }]);
  assert.equal(closed.syscalls.find((r) => r.names.includes("clone3"))?.errnoRet, 38);
});

Deno.test("sandboxSeccompProfile() covers arm64 and refuses unknown architectures", () => {
  assert.deepEqual(sandboxSeccompProfile({ arch: "aarch64" }).architectures, [
    "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_ARM",
  ]);
  assert.throws(() => sandboxSeccompProfile({ arch: "riscv64" }), RangeError);
});
