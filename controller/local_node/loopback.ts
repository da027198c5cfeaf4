/**
 * Per-sandbox loopback addresses. Linux routes all of 127.0.0.0/8 to `lo`, so every sandbox can
 * listen on the standard ports (49983, 49999) on an address of its own without a network
 * namespace, and its pod IP is an address the manager's proxy can dial directly.
 *
 * @module
 */
import { LocalNodeError } from "./errors.ts";

/** The first two octets of every sandbox address: 127.77.0.0/16. */
export const LOOPBACK_PREFIX = "127.77";

/**
 * The lowest free address of 127.77.0.1 to 127.77.255.254, skipping third-octet network and
 * broadcast look-alikes (x.0 and x.255 in the last octet) so addresses read as ordinary hosts.
 * Lowest-first keeps addresses small and makes reuse after a delete deterministic.
 *
 * `isFree` vetoes addresses this node does not know are taken, e.g. by the sandboxes of another
 * node's data directory on the same machine.
 *
 * @throws {LocalNodeError} `AddressesExhausted` when all are in use.
 */
export function allocateLoopback(
  used: ReadonlySet<string>,
  isFree: (ip: string) => boolean = () => true,
): string {
  for (let c = 0; c < 256; c++) {
    for (let d = 1; d < 255; d++) {
      const ip = `${LOOPBACK_PREFIX}.${c}.${d}`;
      if (!used.has(ip) && isFree(ip)) return ip;
    }
  }
  throw new LocalNodeError(
    "AddressesExhausted",
    `Cannot allocate a loopback address: all of ${LOOPBACK_PREFIX}.0.0/16 is in use`,
  );
}

/** Whether nothing listens on `ip`:`port` yet (the sandbox's envd port), probed by binding it. */
export function addressFree(ip: string, port: number): boolean {
  try {
    Deno.listen({ hostname: ip, port }).close();
    return true;
  } catch {
    return false;
  }
}
