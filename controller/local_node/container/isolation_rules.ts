/**
 * The node's firewall: iptables rules that keep pods on the node bridge from reaching each
 * other, the host, or any private or link-local range, while the host reaches them (the
 * manager's proxy connects to pod IPs) and they reach the public internet through the bridge
 * plugin's masquerade, subject to per-pod egress rules.
 *
 * Where each kind of packet is filtered:
 * - pod → host (any host address, the bridge's gateway IP included; a service on `0.0.0.0` or a
 *   port forwarded from loopback): `INPUT`, chain `KA-INPUT`. Only replies of connections the host
 *   opened (`ESTABLISHED,RELATED`) pass.
 * - pod → pod on the bridge: bridged frames, seen by iptables only with `br_netfilter`
 *   (`net.bridge.bridge-nf-call-iptables=1`, set and checked by {@linkcode setupIsolation}), in
 *   `FORWARD` with the bridge as both in- and out-interface: dropped.
 * - pod → elsewhere (routed): `FORWARD`, chain `KA-FORWARD` → the pod's own chain `KA-P-<id>`
 *   (from `KA-PODS`, keyed by the pod's bridge port and source IP) for its E2B egress rules, then
 *   `KA-EGRESS`: DNS to the node's name servers, then a drop of every blocked range, then accept.
 * - host → pod: `OUTPUT`, untouched: the host may connect to any pod.
 * - IPv6: pods have none (netns.ts); `ip6tables` drops anything from or to the bridge anyway.
 *
 * Per-pod rules follow E2B's `network` semantics: `allowOut` takes precedence over `denyOut`, and
 * `allowInternetAccess: false` is `denyOut: ["0.0.0.0/0"]`. The node-wide blocked ranges apply
 * whatever a pod's `allowOut` says: a sandbox never reaches the LAN.
 *
 * A pod cannot forge its source address to borrow another pod's rules: the network namespace
 * belongs to the host's user namespace, so root inside has no `CAP_NET_RAW`/`CAP_NET_ADMIN` over
 * it; the per-pod jump also matches the pod's bridge port when known, and other sources from that
 * port are dropped.
 *
 * Everything lives in chains named with a recognisable prefix (`KA-`), created idempotently and
 * removed by {@linkcode removeIsolation}.
 *
 * @module
 */
import { type CommandRunner, runChecked, runCommand } from "./_command.ts";
import { parseCidr } from "./cni.ts";
import { ContainerError } from "./errors.ts";

/**
 * The ranges no pod may reach: RFC 1918, link-local (cloud metadata at 169.254.169.254), carrier
 * NAT, loopback, "this network", the IANA special-purpose and documentation ranges, multicast and
 * reserved space. The pod subnet and the host's directly connected networks are added by the
 * node.
 */
export const BLOCKED_RANGES: readonly string[] = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/4",
  "240.0.0.0/4",
];

/** What the node-wide rules are made of. */
export interface IsolationConfig {
  /** Chain name prefix (upper case, at most 8 characters). @default {"KA"} */
  chainPrefix?: string;
  /** The node bridge. */
  bridge: string;
  /** The pod subnet (always blocked for pod → pod, routed or bridged). */
  podSubnet: string;
  /** Destinations no pod reaches. @default {BLOCKED_RANGES} */
  blockedCidrs?: readonly string[];
  /** Name servers pods may query on port 53, even inside a blocked range. @default {[]} */
  dnsServers?: readonly string[];
}

/** A pod's egress settings, as E2B's create body has them. */
export interface EgressPolicy {
  /** `false` denies all egress not in `allowOut`. @default {true} */
  allowInternetAccess?: boolean;
  /** IPs or CIDRs the pod may reach even if `denyOut` covers them. */
  allowOut?: readonly string[];
  /** IPs or CIDRs the pod may not reach. */
  denyOut?: readonly string[];
}

/** The node's chain names for a prefix. */
export interface NodeChains {
  /** Jumped to from `INPUT`. */
  input: string;
  /** Jumped to from `FORWARD`. */
  forward: string;
  /** Holds one jump per pod to its own chain. */
  pods: string;
  /** The node-wide egress policy. */
  egress: string;
}

/** The chain names (pure). */
export function nodeChains(prefix = "KA"): NodeChains {
  if (!/^[A-Z][A-Z0-9]{0,7}$/.test(prefix)) {
    throw new RangeError(`Cannot use chain prefix "${prefix}": 1 to 8 of [A-Z0-9]`);
  }
  return {
    input: `${prefix}-INPUT`,
    forward: `${prefix}-FORWARD`,
    pods: `${prefix}-PODS`,
    egress: `${prefix}-EGRESS`,
  };
}

/** A pod's own chain (iptables allows 28 characters). */
export function podChain(prefix: string, shortId: string): string {
  const name = `${prefix}-P-${shortId}`;
  if (!/^[A-Za-z0-9-]{1,28}$/.test(name)) {
    throw new RangeError(`Cannot use "${name}" as a chain name: at most 28 of [A-Za-z0-9-]`);
  }
  return name;
}

function cidr(text: string): string {
  const { prefix } = parseCidr(text);
  const [address] = text.trim().split("/");
  return `${address}/${prefix}`;
}

/**
 * The `iptables-restore --noflush` text of the node-wide chains (pure). Declaring a chain in the
 * input flushes it, so applying it again replaces the rules instead of adding duplicates; the
 * per-pod chain `KA-PODS` is not declared here and keeps its jumps.
 */
export function nodeRules(config: IsolationConfig): string {
  const c = nodeChains(config.chainPrefix);
  const b = config.bridge;
  const blocked = [...(config.blockedCidrs ?? BLOCKED_RANGES), config.podSubnet].map(cidr);
  const lines = [
    "*filter",
    `:${c.input} - [0:0]`,
    `:${c.forward} - [0:0]`,
    `:${c.egress} - [0:0]`,
    `-A ${c.input} -i ${b} -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT`,
    `-A ${c.input} -i ${b} -j DROP`,
    `-A ${c.forward} -o ${b} -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT`,
    `-A ${c.forward} -i ${b} -o ${b} -j DROP`,
    `-A ${c.forward} -i ${b} -j ${c.pods}`,
    `-A ${c.forward} -i ${b} -j ${c.egress}`,
    // Nothing from elsewhere starts a connection to a pod (the host's own traffic is OUTPUT).
    `-A ${c.forward} -o ${b} -j DROP`,
  ];
  for (const dns of config.dnsServers ?? []) {
    for (const proto of ["udp", "tcp"]) {
      lines.push(`-A ${c.egress} -d ${cidr(dns)} -p ${proto} --dport 53 -j ACCEPT`);
    }
  }
  for (const range of blocked) lines.push(`-A ${c.egress} -d ${range} -j DROP`);
  lines.push(`-A ${c.egress} -j ACCEPT`, "COMMIT", "");
  return lines.join("\n");
}

/** The rules of the ip6tables side (pure): pods have no IPv6, so nothing passes the bridge. */
export function nodeRules6(config: IsolationConfig): string {
  const c = nodeChains(config.chainPrefix);
  const b = config.bridge;
  return [
    "*filter",
    `:${c.input} - [0:0]`,
    `:${c.forward} - [0:0]`,
    `-A ${c.input} -i ${b} -j DROP`,
    `-A ${c.forward} -i ${b} -j DROP`,
    `-A ${c.forward} -o ${b} -j DROP`,
    "COMMIT",
    "",
  ].join("\n");
}

/** A pod, as its rules need it. */
export interface PodIdentity {
  /** The short id that names its chain. */
  shortId: string;
  /** The pod IP. */
  ip: string;
  /** The host end of its veth ("" when unknown). */
  hostInterface?: string;
}

/** What {@linkcode podRules} returns: the chain's contents and the jumps into it. */
export interface PodRules {
  /** The pod's chain. */
  chain: string;
  /** `iptables-restore --noflush` text that (re)creates the chain. */
  restore: string;
  /** Rule specs (without `-A KA-PODS`) to append to `KA-PODS`, in order. */
  jumps: string[][];
}

/**
 * The per-pod rules (pure): `allowOut` entries return to the node-wide chain (which still blocks
 * private ranges), `denyOut` entries drop, and no internet access drops everything else.
 *
 * @throws {RangeError} When an entry is not an IPv4 address or CIDR (E2B's domain entries in
 * `allowOut` need a filtering proxy the node does not have).
 */
export function podRules(
  config: IsolationConfig,
  pod: PodIdentity,
  egress: EgressPolicy,
): PodRules {
  const chain = podChain(config.chainPrefix ?? "KA", pod.shortId);
  const ip = cidr(pod.ip);
  const lines = ["*filter", `:${chain} - [0:0]`];
  for (const entry of egress.allowOut ?? []) lines.push(`-A ${chain} -d ${cidr(entry)} -j RETURN`);
  for (const entry of egress.denyOut ?? []) lines.push(`-A ${chain} -d ${cidr(entry)} -j DROP`);
  if (egress.allowInternetAccess === false) lines.push(`-A ${chain} -j DROP`);
  lines.push("COMMIT", "");
  const port = pod.hostInterface ? ["-m", "physdev", "--physdev-in", pod.hostInterface] : [];
  const jumps = [["-s", ip, ...port, "-j", chain]];
  if (pod.hostInterface) jumps.unshift([...port, "!", "-s", ip, "-j", "DROP"]);
  return { chain, restore: lines.join("\n"), jumps };
}

async function iptables(
  run: CommandRunner,
  family: 4 | 6,
  args: string[],
  what: string,
): Promise<string> {
  return await runChecked(run, family === 4 ? "iptables" : "ip6tables", ["-w", "5", ...args], {
    code: "FirewallFailed",
    what,
  });
}

async function restore(
  run: CommandRunner,
  family: 4 | 6,
  text: string,
  what: string,
): Promise<void> {
  await runChecked(
    run,
    family === 4 ? "iptables-restore" : "ip6tables-restore",
    ["-w", "5", "--noflush"],
    { code: "FirewallFailed", what },
    { stdin: text },
  );
}

async function chainExists(run: CommandRunner, family: 4 | 6, chain: string): Promise<boolean> {
  const out = await run(family === 4 ? "iptables" : "ip6tables", ["-w", "5", "-S", chain]);
  return out.code === 0;
}

async function ensureChain(run: CommandRunner, family: 4 | 6, chain: string): Promise<void> {
  if (!(await chainExists(run, family, chain))) {
    await iptables(run, family, ["-N", chain], `Cannot create chain ${chain}`);
  }
}

async function ensureJump(
  run: CommandRunner,
  family: 4 | 6,
  from: string,
  to: string,
): Promise<void> {
  const bin = family === 4 ? "iptables" : "ip6tables";
  const check = await run(bin, ["-w", "5", "-C", from, "-j", to]);
  if (check.code !== 0) {
    await iptables(run, family, ["-I", from, "1", "-j", to], `Cannot jump from ${from} to ${to}`);
  }
}

async function writeSysctl(path: string, value: string, why: string): Promise<void> {
  try {
    await Deno.writeTextFile(path, value);
    if ((await Deno.readTextFile(path)).trim() !== value) {
      throw new Error(`it reads back otherwise`);
    }
  } catch (error) {
    throw new ContainerError(
      "FirewallFailed",
      `Cannot set ${path.replace("/proc/sys/", "").replaceAll("/", ".")}=${value} (${why}): ${
        (error as Error).message
      }`,
      { cause: error },
    );
  }
}

/**
 * Turns on what the rules rely on and installs the node-wide chains (idempotent):
 * `net.bridge.bridge-nf-call-iptables=1` (bridged pod-to-pod frames traverse iptables; needs the
 * `br_netfilter` module), `net.ipv4.ip_forward=1` (pods' egress is routed), the `KA-*` chains and
 * the jumps to them at the top of `INPUT` and `FORWARD`, for IPv4 and IPv6.
 *
 * @throws {ContainerError} `FirewallFailed` naming the sysctl or rule that failed.
 */
export async function setupIsolation(
  config: IsolationConfig,
  run: CommandRunner = runCommand,
): Promise<void> {
  await writeSysctl(
    "/proc/sys/net/bridge/bridge-nf-call-iptables",
    "1",
    "pod-to-pod isolation on the bridge; load the br_netfilter module",
  );
  await writeSysctl(
    "/proc/sys/net/bridge/bridge-nf-call-ip6tables",
    "1",
    "pod-to-pod isolation on the bridge; load the br_netfilter module",
  );
  await writeSysctl(
    "/proc/sys/net/ipv4/ip_forward",
    "1",
    "pods reach the internet through the host",
  );
  const c = nodeChains(config.chainPrefix);
  await ensureChain(run, 4, c.pods);
  await restore(run, 4, nodeRules(config), "Cannot install the node's isolation chains");
  await ensureJump(run, 4, "INPUT", c.input);
  await ensureJump(run, 4, "FORWARD", c.forward);
  await restore(run, 6, nodeRules6(config), "Cannot install the node's IPv6 isolation chains");
  await ensureJump(run, 6, "INPUT", c.input);
  await ensureJump(run, 6, "FORWARD", c.forward);
}

/** The chains of a family whose names start with `${prefix}-`. */
export async function listChains(
  prefix: string,
  family: 4 | 6 = 4,
  run: CommandRunner = runCommand,
): Promise<string[]> {
  const out = await iptables(run, family, ["-S"], "Cannot list chains");
  return out.split("\n")
    .filter((l) => l.startsWith(`-N ${prefix}-`))
    .map((l) => l.slice(3).trim());
}

/** Rules (as `iptables -S` prints them) anywhere in the filter table that mention `text`. */
export async function rulesMentioning(
  text: string,
  family: 4 | 6 = 4,
  run: CommandRunner = runCommand,
): Promise<string[]> {
  const out = await iptables(run, family, ["-S"], "Cannot list rules");
  return out.split("\n").filter((l) => l.includes(text));
}

async function deleteJumpsTo(
  run: CommandRunner,
  family: 4 | 6,
  from: string,
  chain: string,
): Promise<void> {
  const out = await run(family === 4 ? "iptables" : "ip6tables", ["-w", "5", "-S", from]);
  if (out.code !== 0) return;
  for (const line of out.stdout.split("\n")) {
    const parts = line.trim().split(/\s+/);
    if (parts[0] !== "-A" || parts[1] !== from || !line.trim().endsWith(` -j ${chain}`)) continue;
    await iptables(
      run,
      family,
      ["-D", from, ...parts.slice(2)],
      `Cannot delete a jump to ${chain}`,
    );
  }
}

/**
 * Installs a pod's egress rules (replacing earlier ones of the same pod). Call before the pod's
 * container starts, so it never runs without them.
 *
 * @throws {ContainerError} `FirewallFailed`.
 * @throws {RangeError} For an entry that is not an IPv4 address or CIDR.
 */
export async function addPodRules(
  config: IsolationConfig,
  pod: PodIdentity,
  egress: EgressPolicy,
  run: CommandRunner = runCommand,
): Promise<PodRules> {
  const rules = podRules(config, pod, egress);
  const c = nodeChains(config.chainPrefix);
  await removePodRules(config, pod.shortId, run);
  await ensureChain(run, 4, c.pods);
  await restore(run, 4, rules.restore, `Cannot install the rules of pod ${pod.shortId}`);
  for (const jump of rules.jumps) {
    await iptables(
      run,
      4,
      ["-A", c.pods, ...jump],
      `Cannot install the rules of pod ${pod.shortId}`,
    );
  }
  return rules;
}

/**
 * Removes a pod's chain and the jumps into it (and its anti-spoofing rule). A no-op when there
 * are none, so it is safe on a half-created pod.
 */
export async function removePodRules(
  config: Pick<IsolationConfig, "chainPrefix">,
  shortId: string,
  run: CommandRunner = runCommand,
): Promise<void> {
  const prefix = config.chainPrefix ?? "KA";
  const c = nodeChains(prefix);
  const chain = podChain(prefix, shortId);
  // The jump and the anti-spoofing drop carry the pod's chain name or its bridge port; both
  // are found through the jump line's source address.
  const out = await run("iptables", ["-w", "5", "-S", c.pods]);
  if (out.code === 0) {
    const lines = out.stdout.split("\n").map((l) => l.trim()).filter((l) =>
      l.startsWith(`-A ${c.pods} `)
    );
    const jump = lines.find((l) => l.endsWith(` -j ${chain}`));
    const port = jump ? /--physdev-in (\S+)/.exec(jump)?.[1] : undefined;
    for (const line of lines) {
      const mine = line === jump ||
        (port !== undefined && line.includes(`--physdev-in ${port} `) && line.endsWith("-j DROP"));
      if (!mine) continue;
      const parts = line.split(/\s+/).slice(2);
      await iptables(run, 4, ["-D", c.pods, ...parts], `Cannot remove the rules of pod ${shortId}`);
    }
  }
  if (await chainExists(run, 4, chain)) {
    await iptables(run, 4, ["-F", chain], `Cannot flush chain ${chain}`);
    await iptables(run, 4, ["-X", chain], `Cannot delete chain ${chain}`);
  }
}

/**
 * Removes every chain of the prefix and the jumps to them, for IPv4 and IPv6 (the node's
 * uninstall, and the clean-up of tests). Pods still running lose their isolation: stop them
 * first.
 */
export async function removeIsolation(
  config: Pick<IsolationConfig, "chainPrefix">,
  run: CommandRunner = runCommand,
): Promise<void> {
  const prefix = config.chainPrefix ?? "KA";
  const c = nodeChains(prefix);
  for (const family of [4, 6] as const) {
    await deleteJumpsTo(run, family, "INPUT", c.input);
    await deleteJumpsTo(run, family, "FORWARD", c.forward);
    const chains = await listChains(prefix, family, run);
    for (const chain of chains) await iptables(run, family, ["-F", chain], `Cannot flush ${chain}`);
    for (const chain of chains) {
      await iptables(run, family, ["-X", chain], `Cannot delete ${chain}`);
    }
  }
}
