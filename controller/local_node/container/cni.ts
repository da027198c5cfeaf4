/**
 * Pod networking by CNI plugins, invoked as a kubelet's runtime does (the libcni protocol, in a
 * hundred lines): each plugin of a network configuration list is executed from the plugin
 * directory with the `CNI_*` environment and the network configuration on stdin; `ADD` runs the
 * list in order, each plugin getting the previous result; `DEL` runs it in reverse; `CHECK` in
 * order with the result of the `ADD`.
 *
 * The pod network is Debian's `bridge` plugin with `host-local` IPAM: a node bridge (`ka0`) that
 * is the pods' gateway, a private subnet (default `10.213.0.0/16`, chosen to collide with nothing
 * common), masquerading to the outside, no hairpin. The `loopback` plugin brings up `lo`
 * (runc does that only in network namespaces it creates itself). No `firewall` or `portmap`
 * plugin: the firewall plugin accepts all of a pod's traffic in `FORWARD`, which is the opposite
 * of the isolation the node wants (see isolation_rules.ts); pods publish no host ports.
 *
 * The IPAM state (which IP belongs to which container) lives in `dataDir`, by default under
 * `/run/kruise-agents`, which goes with a reboot just like the containers do.
 *
 * @module
 */
import { type CommandRunner, runCommand } from "./_command.ts";
import { CniError } from "./errors.ts";

/** The CNI spec version the node speaks (Debian 12's plugins 1.1 support it). */
export const CNI_VERSION = "1.0.0";

/** Where Debian's `containernetworking-plugins` installs the plugins. */
export const DEFAULT_CNI_PLUGIN_DIR = "/usr/lib/cni";

/** A network configuration list (`.conflist`). */
export interface CniNetworkConfig {
  /** CNI spec version. */
  cniVersion: string;
  /** Network name (the IPAM state and masquerade chains are keyed by it). */
  name: string;
  /** The plugins, in ADD order. */
  plugins: Record<string, unknown>[];
}

/** Options of {@linkcode bridgeNetwork}. */
export interface BridgeNetworkOptions {
  /** Network name. @default {"kruise-agents"} */
  name?: string;
  /** Bridge interface name (at most 15 characters). @default {"ka0"} */
  bridge?: string;
  /** The pod subnet (IPv4 CIDR). @default {"10.213.0.0/16"} */
  subnet?: string;
  /** host-local's state directory. @default {"/run/kruise-agents/cni/networks"} */
  dataDir?: string;
}

/** The default pod subnet. */
export const DEFAULT_POD_SUBNET = "10.213.0.0/16";

/**
 * The node's pod network (pure): `bridge` with `host-local` IPAM and a default route via the
 * bridge.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const net = bridgeNetwork({ bridge: "ka0", subnet: "10.213.0.0/16" });
 * assert.equal(net.plugins[0]?.type, "bridge");
 * ```
 */
export function bridgeNetwork(options: BridgeNetworkOptions = {}): CniNetworkConfig {
  const bridge = options.bridge ?? "ka0";
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(bridge)) {
    throw new RangeError(`Cannot use bridge name "${bridge}": 1 to 15 of [A-Za-z0-9_.-]`);
  }
  const subnet = options.subnet ?? DEFAULT_POD_SUBNET;
  parseCidr(subnet);
  return {
    cniVersion: CNI_VERSION,
    name: options.name ?? "kruise-agents",
    plugins: [{
      type: "bridge",
      bridge,
      isGateway: true,
      ipMasq: true,
      hairpinMode: false,
      promiscMode: false,
      ipam: {
        type: "host-local",
        ranges: [[{ subnet }]],
        routes: [{ dst: "0.0.0.0/0" }],
        dataDir: options.dataDir ?? "/run/kruise-agents/cni/networks",
      },
    }],
  };
}

/** The loopback network: brings up `lo` in the pod's namespace. */
export const LOOPBACK_NETWORK: Readonly<CniNetworkConfig> = {
  cniVersion: CNI_VERSION,
  name: "cni-loopback",
  plugins: [{ type: "loopback" }],
};

/** A parsed IPv4 CIDR. */
export interface Cidr {
  /** The address as a 32-bit unsigned number. */
  address: number;
  /** Prefix length, 0 to 32. */
  prefix: number;
}

/**
 * Parses `a.b.c.d/n` (or a bare address, as /32).
 *
 * @throws {RangeError} When it is not an IPv4 address or CIDR.
 */
export function parseCidr(text: string): Cidr {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text.trim());
  const octets = m ? [m[1], m[2], m[3], m[4]].map(Number) : [];
  const prefix = m?.[5] === undefined ? 32 : Number(m[5]);
  if (!m || octets.some((o) => o > 255) || prefix > 32) {
    throw new RangeError(`Cannot parse "${text}" as an IPv4 address or CIDR`);
  }
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { address, prefix };
}

/** What the node keeps of a pod's `ADD`. */
export interface CniAttachment {
  /** The pod IP. */
  ip: string;
  /** Its prefix length on the pod subnet. */
  prefixLength: number;
  /** The gateway (the bridge's address). */
  gateway: string;
  /** The host end of the pod's veth pair ("" when the result does not say). */
  hostInterface: string;
  /** The raw result, kept for `DEL`/`CHECK` (`prevResult`). */
  result: unknown;
}

/**
 * Reads the pod IP, gateway and host veth out of a CNI result.
 *
 * @throws {TypeError} When the result has no IPv4 address.
 */
export function parseCniResult(result: unknown): CniAttachment {
  const r = result as {
    ips?: { address?: string; gateway?: string; interface?: number }[];
    interfaces?: { name?: string; sandbox?: string }[];
  } | null;
  const ip = r?.ips?.find((i) => typeof i.address === "string" && !i.address.includes(":"));
  if (!ip?.address) {
    throw new TypeError(`Cannot read a pod IP from CNI result ${JSON.stringify(result)}`);
  }
  const [address, prefix] = ip.address.split("/");
  const containerIface = ip.interface === undefined ? undefined : r?.interfaces?.[ip.interface];
  // The bridge plugin lists: bridge, host veth, container veth (the one with a sandbox).
  const host = r?.interfaces?.find((i) =>
    i !== containerIface && !i.sandbox && i.name !== undefined && i.name.startsWith("veth")
  );
  return {
    ip: address ?? "",
    prefixLength: Number(prefix ?? 32),
    gateway: ip.gateway ?? "",
    hostInterface: host?.name ?? "",
    result,
  };
}

/** The per-invocation runtime values (`CNI_CONTAINERID`, `CNI_NETNS`, `CNI_IFNAME`). */
export interface CniRuntimeConf {
  /** Container id; IPAM keys its allocation by it. */
  containerId: string;
  /** Path of the network namespace ("" on a `DEL` after the namespace is gone). */
  netns: string;
  /** Interface name inside. */
  ifName: string;
}

/** Options of {@linkcode CniRuntime}. */
export interface CniRuntimeOptions {
  /** Plugin directories (`CNI_PATH`). @default {[DEFAULT_CNI_PLUGIN_DIR]} */
  pluginDirs?: string[];
  /** How commands run. @default {runCommand} */
  run?: CommandRunner;
}

/** Executes CNI plugins for network configuration lists. */
export class CniRuntime {
  #pluginDirs: string[];
  #run: CommandRunner;

  /** Binds to plugin directories. */
  constructor(options: CniRuntimeOptions = {}) {
    this.#pluginDirs = options.pluginDirs ?? [DEFAULT_CNI_PLUGIN_DIR];
    this.#run = options.run ?? runCommand;
  }

  async #find(type: string): Promise<string> {
    if (!/^[A-Za-z0-9_.-]+$/.test(type)) {
      throw new CniError(type, "find", 1, "bad plugin name");
    }
    for (const dir of this.#pluginDirs) {
      try {
        await Deno.stat(`${dir}/${type}`);
        return `${dir}/${type}`;
      } catch { /* next */ }
    }
    throw new CniError(
      type,
      "find",
      1,
      `not in ${this.#pluginDirs.join(":")} (install containernetworking-plugins)`,
    );
  }

  async #exec(
    command: "ADD" | "DEL" | "CHECK",
    network: CniNetworkConfig,
    plugin: Record<string, unknown>,
    rt: CniRuntimeConf,
    prevResult: unknown,
  ): Promise<unknown> {
    const type = String(plugin.type);
    const binary = await this.#find(type);
    const conf: Record<string, unknown> = {
      ...plugin,
      cniVersion: network.cniVersion,
      name: network.name,
    };
    if (prevResult !== undefined) conf.prevResult = prevResult;
    const out = await this.#run(binary, [], {
      stdin: JSON.stringify(conf),
      clearEnv: true,
      env: {
        CNI_COMMAND: command,
        CNI_CONTAINERID: rt.containerId,
        CNI_NETNS: rt.netns,
        CNI_IFNAME: rt.ifName,
        CNI_PATH: this.#pluginDirs.join(":"),
      },
    });
    if (out.code !== 0) {
      let cniCode = out.code;
      let message = out.stderr.trim() || out.stdout.trim();
      try {
        const e = JSON.parse(out.stdout) as { code?: number; msg?: string; details?: string };
        if (typeof e.code === "number") cniCode = e.code;
        if (e.msg) message = e.details ? `${e.msg}: ${e.details}` : e.msg;
      } catch { /* not JSON: keep the raw text */ }
      throw new CniError(type, command, cniCode, message);
    }
    if (command !== "ADD") return undefined;
    return JSON.parse(out.stdout) as unknown;
  }

  /**
   * `ADD`: attaches the namespace to the network; returns the last plugin's result.
   *
   * @throws {CniError} With the plugin's error message.
   */
  async add(network: CniNetworkConfig, rt: CniRuntimeConf): Promise<unknown> {
    let result: unknown = undefined;
    for (const plugin of network.plugins) {
      result = await this.#exec("ADD", network, plugin, rt, result);
    }
    return result;
  }

  /**
   * `DEL`: detaches, in reverse order, and releases the IP. Plugins tolerate a namespace that is
   * already gone, so a `DEL` of a half-created pod works.
   *
   * @throws {CniError} With the plugin's error message.
   */
  async del(network: CniNetworkConfig, rt: CniRuntimeConf, prevResult?: unknown): Promise<void> {
    for (const plugin of [...network.plugins].reverse()) {
      await this.#exec("DEL", network, plugin, rt, prevResult);
    }
  }

  /**
   * `CHECK`: each plugin verifies that what its `ADD` set up is still there.
   *
   * @throws {CniError} When something is missing.
   */
  async check(network: CniNetworkConfig, rt: CniRuntimeConf, prevResult: unknown): Promise<void> {
    for (const plugin of network.plugins) {
      await this.#exec("CHECK", network, plugin, rt, prevResult);
    }
  }
}
