/**
 * What the container runner's tests share: a tiny OCI image built with umoci from Debian's
 * busybox-static, a node configuration whose every name is apart from a real node's (prefix
 * `kat`, subnet 10.214.0.0/24, its own runc root and cgroup parent), and a way to run shell
 * commands *as a real process of a container*.
 *
 * Why commands go through a CGI script of busybox httpd rather than `runc exec`: runc 1.1 joins
 * the container's user namespace before its network namespace, and a user namespace has no
 * privilege over a network namespace that the host owns, so `runc exec` fails with
 * "failed to setns into net namespace: operation not permitted" for every container of this node.
 * `nsenter` from the host would work but would not carry the container's seccomp filter,
 * capabilities or cgroup, so it would prove nothing. The image's init is `httpd`; the host POSTs
 * a script to `http://<pod IP>:8080/cgi-bin/run` and gets its output and exit status.
 *
 * Network safety: tests send traffic only to pod IPs and to addresses inside network namespaces
 * the tests create.
 *
 * @module
 */
import { runChecked, runCommand } from "./_command.ts";
import type { ContainerNodeConfig } from "./container_types.ts";
import { BLOCKED_RANGES } from "./isolation_rules.ts";

/** The image name the test layout has. */
export const TEST_IMAGE = "busybox";

/** The port of the test image's command agent. */
export const AGENT_PORT = 8080;

const CGI = `#!/bin/sh
echo "Content-Type: text/plain"
echo ""
body=$(head -c "$CONTENT_LENGTH")
sh -c "$body" 2>&1
echo "exit=$?"
`;

async function must(program: string, args: string[]): Promise<string> {
  return await runChecked(runCommand, program, args, {
    code: "ToolMissing",
    what: `Test set-up failed`,
  });
}

/**
 * Builds an OCI image layout at `dir` holding `busybox` (tag {@linkcode TEST_IMAGE}): the static
 * busybox with all its applets, an `/etc/passwd`, and `httpd -f -p 8080 -h /www` as its command
 * with a CGI script that runs what is POSTed to it.
 */
export async function buildTestImage(dir: string): Promise<string> {
  const layout = `${dir}/oci`;
  const bundle = `${dir}/build`;
  const ref = `${layout}:${TEST_IMAGE}`;
  await must("umoci", ["init", "--layout", layout]);
  await must("umoci", ["new", "--image", ref]);
  await must("umoci", ["unpack", "--image", ref, bundle]);
  const root = `${bundle}/rootfs`;
  for (const d of ["bin", "etc", "proc", "sys", "dev", "tmp", "www/cgi-bin", "root", "mnt"]) {
    await Deno.mkdir(`${root}/${d}`, { recursive: true });
  }
  await Deno.chmod(`${root}/tmp`, 0o1777);
  await Deno.copyFile("/bin/busybox", `${root}/bin/busybox`);
  await Deno.chmod(`${root}/bin/busybox`, 0o755);
  const applets = (await must("/bin/busybox", ["--list"])).split("\n").filter((a) =>
    a && a !== "busybox"
  );
  for (const applet of applets) await Deno.symlink("busybox", `${root}/bin/${applet}`);
  await Deno.writeTextFile(
    `${root}/etc/passwd`,
    "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
  );
  await Deno.writeTextFile(`${root}/etc/group`, "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n");
  await Deno.writeTextFile(`${root}/www/index.html`, "hello from the pod\n");
  await Deno.writeTextFile(`${root}/www/cgi-bin/run`, CGI);
  await Deno.chmod(`${root}/www/cgi-bin/run`, 0o755);
  await must("umoci", ["repack", "--image", ref, bundle]);
  await must("umoci", [
    "config",
    "--image",
    ref,
    "--config.env",
    "PATH=/bin",
    "--config.workingdir",
    "/",
    "--config.cmd",
    "/bin/httpd",
    "--config.cmd",
    "-f",
    "--config.cmd",
    "-p",
    "--config.cmd",
    String(AGENT_PORT),
    "--config.cmd",
    "-h",
    "--config.cmd",
    "/www",
  ]);
  await Deno.remove(bundle, { recursive: true });
  return layout;
}

/** The test network's prefix: netns `kat-*`, bridge `kat0`, chains `KAT-*`. */
export const TEST_PREFIX = "kat";

/** The test pod subnet (a real node defaults to 10.213.0.0/16). */
export const TEST_SUBNET = "10.214.0.0/24";

/**
 * The "outside world" of egress tests: a documentation range, reachable only inside a network
 * namespace the test creates. The node's blocked ranges of tests leave it out (a real node
 * blocks it) so that per-pod rules decide.
 */
export const TEST_OUTSIDE = { net: "203.0.113.0/24", host: "203.0.113.1", far: "203.0.113.2" };

/** A node configuration for tests, all of whose state lives under `dir`. */
export function testNodeConfig(dir: string, layout: string): ContainerNodeConfig {
  return {
    imageLayout: layout,
    imageCacheDir: `${dir}/images`,
    stateDir: `${dir}/state`,
    prefix: TEST_PREFIX,
    subnet: TEST_SUBNET,
    cgroupParent: TEST_CGROUP_PARENT,
    dnsServers: [],
    blockedCidrs: BLOCKED_RANGES.filter((r) => r !== TEST_OUTSIDE.net),
    pidsLimit: 256,
  };
}

/** The output of a command run in a container. */
export interface PodShellResult {
  /** stdout and stderr, interleaved. */
  output: string;
  /** The exit status of the script. */
  exit: number;
}

/** Runs `script` with `sh -c` as a process of the container at `ip` (see the module doc). */
export async function podShell(
  ip: string,
  script: string,
  timeoutMs = 15_000,
): Promise<PodShellResult> {
  const res = await fetch(`http://${ip}:${AGENT_PORT}/cgi-bin/run`, {
    method: "POST",
    body: script,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  const m = /exit=(\d+)\n?$/.exec(text);
  if (!res.ok || !m) throw new Error(`Pod shell failed: HTTP ${res.status}: ${text}`);
  return { output: text.slice(0, m.index), exit: Number(m[1]) };
}

/** Polls `check` every 20 ms for up to `ms`; true as soon as it holds. */
export async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      if (await check()) return true;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/** A temporary directory removed (with a plain recursive delete) by `[Symbol.asyncDispose]`. */
export async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "ka-container-test-" });
  // The containers' root (host uid 100000) must traverse to its pod directory.
  await Deno.chmod(path, 0o711);
  return {
    path,
    async [Symbol.asyncDispose]() {
      // Never recurse into a mount: a failed test may have left one.
      const mounts = (await Deno.readTextFile("/proc/self/mountinfo")).split("\n")
        .filter((l) => l.split(" ")[4]?.startsWith(`${path}/`));
      if (mounts.length > 0) {
        console.error(`tempDir: mounts left under ${path}; not removing it`);
        return;
      }
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** The cgroup parent of test pods. */
export const TEST_CGROUP_PARENT = "/kruise-agents-test";

/** Removes the tests' cgroup parent in every controller where it is empty (best effort). */
export async function removeTestCgroupParent(): Promise<void> {
  for await (const c of Deno.readDir("/sys/fs/cgroup")) {
    await Deno.remove(`/sys/fs/cgroup/${c.name}${TEST_CGROUP_PARENT}`).catch(() => {});
  }
}
