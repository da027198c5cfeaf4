/**
 * The sandbox account. Each sandbox's `/home/user` and `/tmp` are directories on the host that
 * are bind-mounted into the sandbox, so they must be owned by the same uid and gid as the `user`
 * account the runtime runs commands as (the sandbox shares the host's `/etc/passwd`).
 *
 * @module
 */
import { LocalNodeError } from "./errors.ts";

/** A numeric owner. */
export interface Account {
  /** Login name. */
  name: string;
  /** User id. */
  uid: number;
  /** Primary group id. */
  gid: number;
}

/** Finds `name` in `/etc/passwd` text; undefined when absent. */
export function findAccount(passwd: string, name: string): Account | undefined {
  for (const line of passwd.split("\n")) {
    const [login, , uid, gid] = line.split(":");
    if (login !== name || uid === undefined || gid === undefined) continue;
    const u = Number(uid), g = Number(gid);
    if (Number.isInteger(u) && Number.isInteger(g)) return { name, uid: u, gid: g };
  }
  return undefined;
}

/**
 * Reads the sandbox account from `/etc/passwd`.
 *
 * @throws {LocalNodeError} `IsolationUnavailable` when the account does not exist (the image
 * setup, `hack/setup.sh`, creates it).
 */
export async function sandboxAccount(name = "user"): Promise<Account> {
  const account = findAccount(await Deno.readTextFile("/etc/passwd"), name);
  if (!account) {
    throw new LocalNodeError(
      "IsolationUnavailable",
      `Cannot run sandboxes: there is no "${name}" account in /etc/passwd`,
    );
  }
  return account;
}
