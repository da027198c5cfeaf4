/**
 * The seccomp profile every sandbox container runs under: our own, written for this project.
 *
 * Why default-allow with a deny list, rather than the allow list of Docker and containerd: a
 * sandbox runs whatever an AI agent installs (compilers, browsers, language runtimes, `sudo`,
 * `apt-get`), and an allow list breaks new software in ways users cannot see (a syscall added to
 * the kernel last year is `EPERM` until someone updates the list). The container already runs in
 * its own user namespace with containerd's capability set, so the kernel refuses most dangerous
 * calls for lack of a capability in the host namespace; the deny list removes, on top of that,
 * the interfaces a sandbox never needs and that are the usual kernel attack surface (module
 * loading, kexec, bpf, perf, userfaultfd, keyrings, io_uring, the mount APIs, setns).
 *
 * Judgment call on `unshare`/`clone` with `CLONE_NEWUSER`: allowed. Docker forbids new user
 * namespaces without `CAP_SYS_ADMIN`; we allow them because browsers (Chromium's sandbox),
 * bubblewrap and `unshare --user --pid` inside a sandbox need them, and E2B's VMs allow them.
 * The price is a larger kernel surface reachable from inside (a nested namespace has its own
 * `CAP_SYS_ADMIN`), bounded by this profile: `mount`, the new mount API and `setns` stay denied
 * in every nested namespace too, since a seccomp filter is inherited by every descendant. Set
 * `denyNewUserNamespaces` to take Docker's side.
 *
 * The denied calls fail with `EPERM` (not `ENOSYS`), as the kernel itself answers a caller
 * without the capability, so programs take their "not permitted" fallback.
 *
 * @module
 */

/** A rule of an OCI `linux.seccomp` profile. */
export interface SeccompRule {
  /** Syscall names; names unknown to the host's libseccomp are skipped by runc. */
  names: string[];
  /** `SCMP_ACT_ERRNO`, `SCMP_ACT_ALLOW`, ... */
  action: string;
  /** The errno for `SCMP_ACT_ERRNO`. */
  errnoRet?: number;
  /** Argument filters: the rule applies only when all match. */
  args?: { index: number; value: number; valueTwo?: number; op: string }[];
}

/** The OCI `linux.seccomp` object. */
export interface SeccompProfile {
  /** What happens to a syscall no rule names. */
  defaultAction: string;
  /** The ABIs the filter covers (all of the host's, or a 32-bit call would bypass it). */
  architectures: string[];
  /** The rules. */
  syscalls: SeccompRule[];
}

/** Options of {@linkcode sandboxSeccompProfile}. */
export interface SeccompOptions {
  /**
   * Also deny new user namespaces (`unshare`/`clone`/`clone3` with `CLONE_NEWUSER`).
   * @default {false}
   */
  denyNewUserNamespaces?: boolean;
  /**
   * The machine architecture, as `Deno.build.arch`.
   * @default {Deno.build.arch}
   */
  arch?: string;
}

const EPERM = 1;
const CLONE_NEWUSER = 0x10000000;

/**
 * The syscalls no sandbox may make, grouped by why. Each group lists every name the kernel has
 * for the interface (old and new variants), since blocking one variant alone blocks nothing.
 */
export const DENIED_SYSCALLS: Readonly<Record<string, readonly string[]>> = {
  "kernel modules": [
    "init_module",
    "finit_module",
    "delete_module",
    "create_module",
    "query_module",
    "get_kernel_syms",
  ],
  "replacing or stopping the kernel": ["kexec_load", "kexec_file_load", "reboot"],
  "swap": ["swapon", "swapoff"],
  "setting the clock": [
    "settimeofday",
    "clock_settime",
    "clock_settime64",
    "clock_adjtime",
    "clock_adjtime64",
    "adjtimex",
    "stime",
  ],
  "bpf, perf and tracing": ["bpf", "perf_event_open", "lookup_dcookie"],
  "userfaultfd (the usual race-widening primitive of kernel exploits)": ["userfaultfd"],
  "kernel keyrings (not namespaced)": ["keyctl", "add_key", "request_key"],
  "file handles (open_by_handle_at escaped Docker in 2014)": ["open_by_handle_at"],
  "mounting, in the old and the new mount API": [
    "mount",
    "umount",
    "umount2",
    "pivot_root",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
  ],
  "joining other namespaces": ["setns"],
  "quotas and process accounting": ["quotactl", "quotactl_fd", "acct"],
  "io_uring (a large surface; runtimes fall back to epoll)": [
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
  ],
  "raw I/O ports and obsolete interfaces": [
    "iopl",
    "ioperm",
    "uselib",
    "_sysctl",
    "nfsservctl",
    "vhangup",
    "syslog",
    "fanotify_init",
  ],
};

function architectures(arch: string): string[] {
  switch (arch) {
    case "x86_64":
      return ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"];
    case "aarch64":
      return ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"];
    default:
      throw new RangeError(`Cannot build a seccomp profile: unsupported architecture "${arch}"`);
  }
}

/**
 * Builds the profile: allow by default, `EPERM` for {@linkcode DENIED_SYSCALLS}, and optionally
 * for new user namespaces. Pure: the same options give the same profile.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const profile = sandboxSeccompProfile({ arch: "x86_64" });
 * assert.equal(profile.defaultAction, "SCMP_ACT_ALLOW");
 * ```
 */
export function sandboxSeccompProfile(options: SeccompOptions = {}): SeccompProfile {
  const names = Object.values(DENIED_SYSCALLS).flat();
  const syscalls: SeccompRule[] = [
    { names: [...names], action: "SCMP_ACT_ERRNO", errnoRet: EPERM },
  ];
  if (options.denyNewUserNamespaces) {
    // unshare(flags) and clone(flags, ...) take the flags in argument 0 on x86_64 and arm64.
    for (const name of ["unshare", "clone"]) {
      syscalls.push({
        names: [name],
        action: "SCMP_ACT_ERRNO",
        errnoRet: EPERM,
        args: [{
          index: 0,
          value: CLONE_NEWUSER,
          valueTwo: CLONE_NEWUSER,
          op: "SCMP_CMP_MASKED_EQ",
        }],
      });
    }
    // clone3 passes its flags in a struct seccomp cannot read: refuse it with ENOSYS so libc
    // falls back to clone, which the rule above can inspect.
    syscalls.push({ names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 });
  }
  return {
    defaultAction: "SCMP_ACT_ALLOW",
    architectures: architectures(options.arch ?? Deno.build.arch),
    syscalls,
  };
}
